import { describe, expect, it } from 'vitest';
import { formatLoss, lossChartGeometry, lossChartLabel, thinPoints, type ChartBox, type LossPoint } from './loss-chart.ts';
import { parseTrainSettings, DEFAULT_TRAIN_SETTINGS } from './train-settings.ts';

const BOX: ChartBox = { width: 300, height: 120, left: 40, right: 10, top: 10, bottom: 20 };
const coords = (path: string) => [...path.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

describe('lossChartGeometry', () => {
  const falling: LossPoint[] = Array.from({ length: 30 }, (_, i) => ({ step: i + 1, loss: 1e-3 * 0.9 ** i }));

  it('a falling loss runs from upper left to lower right inside the box, on a log scale', () => {
    const g = lossChartGeometry(falling, BOX, { totalSteps: 30 });
    expect(g.log).toBe(true);
    const pts = coords(g.path);
    expect(pts).toHaveLength(30);
    for (const p of pts) {
      expect(p.x).toBeGreaterThanOrEqual(BOX.left - 1e-9);
      expect(p.x).toBeLessThanOrEqual(BOX.width - BOX.right + 1e-9);
      expect(p.y).toBeGreaterThanOrEqual(BOX.top);
      expect(p.y).toBeLessThanOrEqual(BOX.height - BOX.bottom);
    }
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i].x).toBeGreaterThan(pts[i - 1].x);
      expect(pts[i].y).toBeGreaterThan(pts[i - 1].y); // lower loss, lower on screen (larger y)
    }
    // Log scale: equal ratios give equal vertical steps.
    const dy = pts.slice(1).map((p, i) => p.y - pts[i].y);
    for (const d of dy) expect(Math.abs(d - dy[0])).toBeLessThan(0.15);
    expect(g.last!.x).toBeCloseTo(pts[29].x, 1);
    expect(g.last!.y).toBeCloseTo(pts[29].y, 1);
    expect(g.last!.x).toBeCloseTo(BOX.width - BOX.right, 6);
  });

  it('leaves room for the rest of the run: x goes to totalSteps', () => {
    const g = lossChartGeometry(falling.slice(0, 10), BOX, { totalSteps: 100 });
    const pts = coords(g.path);
    const span = BOX.width - BOX.right - BOX.left;
    expect(pts[9].x).toBeCloseTo(BOX.left + span * (10 - 1) / (100 - 1), 0);
    expect(g.xTicks.at(-1)!.label).toBe('100');
  });

  it('log ticks are powers of ten inside the range; linear when a loss is 0 or log is off', () => {
    const wide = [1, 10, 100, 1000].map((s, i) => ({ step: s, loss: 10 ** -i }));
    const g = lossChartGeometry(wide, BOX);
    expect(g.yTicks.map((t) => t.label)).toEqual(['1e-3', '1e-2', '1e-1', '1e0']);
    // Higher loss sits higher (smaller y).
    expect(g.yTicks[3].at).toBeLessThan(g.yTicks[0].at);
    expect(lossChartGeometry([{ step: 1, loss: 0 }, { step: 2, loss: 1 }], BOX).log).toBe(false);
    const lin = lossChartGeometry(falling, BOX, { log: false });
    expect(lin.log).toBe(false);
    expect(lin.yTicks[0].label).toBe('0');
  });

  it('within one decade it labels the ends; a flat curve and a single point still draw', () => {
    const g = lossChartGeometry(falling.slice(0, 5), BOX);
    expect(g.yTicks).toHaveLength(2);
    expect(coords(lossChartGeometry([{ step: 1, loss: 5e-4 }], BOX, { totalSteps: 30 }).path)).toHaveLength(1);
    const flat = coords(lossChartGeometry([{ step: 1, loss: 2 }, { step: 2, loss: 2 }], BOX).path);
    expect(flat[0].y).toBeCloseTo(flat[1].y);
    expect(flat[0].y).toBeGreaterThan(BOX.top);
    expect(flat[0].y).toBeLessThan(BOX.height - BOX.bottom);
  });

  it('no points: an empty path; NaN losses are skipped', () => {
    expect(lossChartGeometry([], BOX)).toMatchObject({ path: '', last: null, yTicks: [] });
    expect(coords(lossChartGeometry([{ step: 1, loss: Number.NaN }, { step: 2, loss: 1 }], BOX).path)).toHaveLength(1);
  });
});

describe('thinPoints', () => {
  it('keeps at most four points per pixel column, including the extremes and both ends', () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => ({ step: i + 1, loss: i === 5000 ? 99 : 1 / (i + 1) }));
    const out = thinPoints(pts, 100, (s) => (s / 10_000) * 100);
    expect(out.length).toBeLessThanOrEqual(4 * 101);
    expect(out[0]).toBe(pts[0]);
    expect(out.at(-1)).toBe(pts.at(-1));
    expect(out.some((p) => p.loss === 99)).toBe(true);
    expect(out.every((p, i) => i === 0 || p.step > out[i - 1].step)).toBe(true);
    expect(thinPoints(pts.slice(0, 50), 100, (s) => s)).toHaveLength(50);
  });
});

describe('lossChartLabel and formatLoss', () => {
  it('summarises the first and last loss and the change', () => {
    expect(lossChartLabel([])).toBe('Training loss: no steps yet');
    expect(lossChartLabel([{ step: 1, loss: 0.5 }], 30)).toBe('Training loss: 0.5 at step 1 of 30');
    expect(lossChartLabel([{ step: 1, loss: 8e-4 }, { step: 30, loss: 2e-4 }], 30)).toBe('Training loss: 8.00e-4 at step 1, 2.00e-4 at step 30 of 30 (−75 %)');
    expect(formatLoss(0.123456)).toBe('0.123');
    expect(formatLoss(0)).toBe('0');
  });
});

describe('parseTrainSettings', () => {
  it('accepts the defaults and exponent notation', () => {
    expect(parseTrainSettings(DEFAULT_TRAIN_SETTINGS)).toEqual({ ok: true, value: { steps: 1000, lr: 0.001, batch: 32, l1: 0, group: 0, seed: 0 } });
    const r = parseTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, lr: '1e-2', steps: ' 30 ' });
    expect(r.ok && r.value).toMatchObject({ lr: 0.01, steps: 30 });
  });

  it('names every bad field', () => {
    const r = parseTrainSettings({ steps: '2.5', lr: '0', batch: '', l1: '-1', group: 'x', seed: '1.5' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(['batch', 'group', 'l1', 'lr', 'seed', 'steps']);
  });
});
