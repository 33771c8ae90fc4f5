import { describe, expect, it } from 'vitest';
import { formatPerplexity, formatShare, linearTicks, tickLabels, logTicks, paretoPlotGeometry, X_PAD, type ChartBox, type PlotInput } from './pareto-plot.ts';

const BOX: ChartBox = { width: 400, height: 200, left: 50, right: 10, top: 10, bottom: 30 };
const X0 = BOX.left;
const X1 = BOX.width - BOX.right;
const YB = BOX.height - BOX.bottom;
const YT = BOX.top;
const coords = (path: string) => [...path.matchAll(/([ML])([\d.]+),([\d.]+)/g)].map((m) => ({ cmd: m[1], x: Number(m[2]), y: Number(m[3]) }));
const pt = (x: number, y: number, label: string): PlotInput => ({ x, y, label });

describe('ticks', () => {
  it('linear ticks are 1, 2, 5 × 10^k steps covering the range', () => {
    expect(linearTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(11.3, 19.1, 4)).toEqual([12, 14, 16, 18]);
    expect(linearTicks(0.02, 0.13, 6)).toEqual([0.02, 0.04, 0.06, 0.08, 0.1, 0.12]);
    expect(linearTicks(0.02, 0.13, 3)).toEqual([0.05, 0.1]);
  });

  it('log ticks stay inside the range and thin out over many decades', () => {
    expect(logTicks(8, 120)).toEqual([10, 15, 20, 30, 50, 70, 100]);
    expect(logTicks(8, 200)).toEqual([10, 20, 50, 100, 200]);
    expect(logTicks(3, 2e5)).toEqual([10, 100, 1000, 10000, 100000]);
    expect(logTicks(9, 90)).toEqual([10, 15, 20, 30, 50, 70]);
  });
});

describe('paretoPlotGeometry', () => {
  // Two curves of λ 0, 0.5, 1: effect falls with λ, perplexity rises; the gated one is better at every λ > 0.
  const plain = [pt(0.75, 10, '0'), pt(0.5, 14, '0.5'), pt(0.25, 20, '1')];
  const gated = [pt(0.75, 10, '0'), pt(0.375, 11, '0.5'), pt(0.125, 13, '1')];

  it('puts effect on x (0 % left, 100 % right) and perplexity on y (higher up), inside the box', () => {
    const g = paretoPlotGeometry([plain, gated], BOX);
    expect(g.log).toBe(false);
    expect(g.xTicks.map((t) => t.label)).toEqual(['0 %', '25 %', '50 %', '75 %', '100 %']);
    // 0 % and 100 % a little inside the frame (X_PAD of the axis either side).
    const [t0, t100] = [g.xTicks[0].at, g.xTicks[4].at];
    expect(t0).toBeCloseTo(X0 + (X_PAD / (1 + 2 * X_PAD)) * (X1 - X0), 6);
    expect(t100).toBeCloseTo(X1 - (X_PAD / (1 + 2 * X_PAD)) * (X1 - X0), 6);
    expect(t0).toBeGreaterThan(X0 + 5);
    const p = g.curves[0].points;
    expect(p[0].px).toBeCloseTo(t0 + 0.75 * (t100 - t0), 6);
    expect(p[2].px).toBeCloseTo(t0 + 0.25 * (t100 - t0), 6);
    expect(p[2].py).toBeLessThan(p[1].py); // perplexity 20 above 14
    expect(p[1].py).toBeLessThan(p[0].py);
    for (const c of g.curves)
      for (const q of c.points) {
        expect(q.py).toBeGreaterThanOrEqual(YT);
        expect(q.py).toBeLessThanOrEqual(YB);
      }
    // Linear: equal perplexity steps are equal pixel steps.
    const dy = (a: number, b: number) => g.curves[0].points[a].py - g.curves[0].points[b].py;
    expect(dy(0, 1) / dy(1, 2)).toBeCloseTo(4 / 6, 6);
    // The y ticks are labelled perplexities, rising upward, within the domain.
    expect(g.yTicks.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < g.yTicks.length; i++) expect(g.yTicks[i].at).toBeLessThan(g.yTicks[i - 1].at);
    expect(g.yMin).toBeLessThan(10);
    expect(g.yMax).toBeGreaterThan(20);
  });

  it('draws each curve as one polyline in the given order', () => {
    const g = paretoPlotGeometry([plain, gated], BOX);
    const c = coords(g.curves[1].path);
    expect(c.map((q) => q.cmd)).toEqual(['M', 'L', 'L']);
    c.forEach((q, i) => {
      expect(q.x).toBeCloseTo(g.curves[1].points[i].px, 1);
      expect(q.y).toBeCloseTo(g.curves[1].points[i].py, 1);
    });
  });

  it('marks the Pareto front over all curves and draws it as a staircase', () => {
    const g = paretoPlotGeometry([plain, gated], BOX);
    // The gated curve dominates the plain one at λ 0.5 and 1; λ 0 is the same point in both (both on the front).
    expect(g.curves[1].points.map((p) => p.front)).toEqual([true, true, true]);
    expect(g.curves[0].points.map((p) => p.front)).toEqual([true, false, false]);
    expect(g.frontCount).toBe(4);
    const steps = g.frontPath.match(/[MHV]/g);
    expect(steps).toEqual(['M', 'H', 'V', 'H', 'V', 'H', 'V']);
    // It starts at the lowest effect (leftmost) and ends at the lowest perplexity (bottom right).
    const start = /^M([\d.]+),([\d.]+)/.exec(g.frontPath)!;
    expect(Number(start[1])).toBeCloseTo(g.curves[1].points[2].px, 1);
    expect(Number(/V([\d.]+)$/.exec(g.frontPath)![1])).toBeCloseTo(g.curves[0].points[0].py, 1);
  });

  it('labels a λ once where two curves share a point', () => {
    const g = paretoPlotGeometry([plain, gated], BOX);
    expect(g.curves[0].points[0].showLabel).toBe(true);
    expect(g.curves[1].points[0].showLabel).toBe(false);
    expect(g.curves[1].points[1].showLabel).toBe(true);
    // The first place tried: upper right of the point.
    const p = g.curves[0].points[1];
    expect([p.labelX - p.px, p.labelY - p.py, p.labelAnchor]).toEqual([7, -7, 'start']);
  });

  it('moves a label that would cover another one to a free side, and drops it when none is free', () => {
    // Different λ at (almost) the same place: the second label goes below right, the third upper left, …
    const crowd = [0, 0.25, 0.5, 0.75, 1].map((l, i) => pt(0.5, 10 + i * 0.001, String(l)));
    const g = paretoPlotGeometry([crowd, [pt(0.1, 30, '2')]], BOX);
    const q = g.curves[0].points;
    expect(q.map((p) => p.showLabel)).toEqual([true, true, true, true, false]);
    const spots = q.slice(0, 4).map((p) => [Math.round(p.labelX - p.px), Math.round(p.labelY - p.py), p.labelAnchor]);
    expect(spots).toEqual([
      [7, -7, 'start'],
      [7, 13, 'start'],
      [-7, -7, 'end'],
      [-7, 13, 'end'],
    ]);
    // A lone point keeps the first place; a label never leaves the picture.
    expect(g.curves[1].points[0].showLabel).toBe(true);
    const edge = paretoPlotGeometry([[pt(1, 10, '0.75')]], { ...BOX, right: 0 }).curves[0].points[0];
    expect(edge.labelAnchor).toBe('end');
  });

  it('switches to a log scale when perplexities span more than 8×, equal ratios equal steps', () => {
    const g = paretoPlotGeometry([[pt(0.9, 10, '0'), pt(0.5, 100, '1'), pt(0.1, 1000, '2')]], BOX);
    expect(g.log).toBe(true);
    const p = g.curves[0].points;
    expect(p[0].py - p[1].py).toBeCloseTo(p[1].py - p[2].py, 6);
    expect(g.yTicks.map((t) => t.label)).toEqual(['10', '20', '50', '100', '200', '500', '1000']);
    expect(paretoPlotGeometry([[pt(0.9, 10, '0'), pt(0.5, 100, '1')]], BOX, { log: false }).log).toBe(false);
  });

  it('leaves out points it cannot place and breaks the line there', () => {
    const g = paretoPlotGeometry([[pt(0.8, 10, '0'), pt(0.5, Number.POSITIVE_INFINITY, '1'), pt(0.2, 12, '2')]], BOX);
    const p = g.curves[0].points;
    expect(p.map((q) => q.drawn)).toEqual([true, false, true]);
    expect(p[1].front).toBe(false);
    expect(coords(g.curves[0].path).map((q) => q.cmd)).toEqual(['M', 'M']);
    expect(g.drawnCount).toBe(2);
  });

  it('draws a single point or none without dividing by zero', () => {
    const one = paretoPlotGeometry([[pt(0.5, 7, '1')]], BOX);
    expect(Number.isFinite(one.curves[0].points[0].py)).toBe(true);
    expect(one.curves[0].points[0].py).toBeCloseTo((YB + YT) / 2, 6);
    expect(one.frontPath).toMatch(/^M[\d.]+,[\d.]+$/);
    const none = paretoPlotGeometry([], BOX);
    expect(none.curves).toEqual([]);
    expect(none.frontPath).toBe('');
    expect(none.yTicks.length).toBeGreaterThan(0);
  });
});

describe('formats', () => {
  it('perplexities and shares read as people write them', () => {
    expect(formatPerplexity(12.3456)).toBe('12.3');
    expect(formatPerplexity(1234.5)).toBe('1235');
    expect(formatPerplexity(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatPerplexity(Number.NaN)).toBe('–');
    expect(formatShare(0.375)).toBe('37.5 %');
    expect(formatShare(0.25)).toBe('25 %');
    expect(formatShare(1 / 3)).toBe('33.3 %');
  });
});

describe('tick labels', () => {
  it('keep three digits, and add digits when a narrow range would repeat a label', () => {
    expect(tickLabels([5, 10, 20])).toEqual(['5', '10', '20']);
    expect(tickLabels([9.186, 9.188, 9.19, 9.192])).toEqual(['9.186', '9.188', '9.19', '9.192']);
  });

  it('a plot over a very narrow perplexity range has distinct y labels', () => {
    const box: ChartBox = { width: 400, height: 300, left: 40, right: 10, top: 10, bottom: 30 };
    const g = paretoPlotGeometry([[{ x: 0.5, y: 9.1874, label: 'a' }, { x: 0.25, y: 9.1921, label: 'b' }]], box, { log: false });
    const labels = g.yTicks.map((t) => t.label);
    expect(labels.length).toBeGreaterThan(1);
    expect(new Set(labels).size).toBe(labels.length);
  });
});
