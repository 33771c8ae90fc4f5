/**
 * The evaluation plot's geometry (pure, tested in Node): effect (share of source-like continuations, x, 0–100 %)
 * against utility (a perplexity, y, linear or log), one polyline per curve in λ order, λ labels, and the Pareto front
 * of all plotted points (both coordinates are costs: lower-left is better).
 */
import { paretoFront } from '../eval/pareto.ts';
import { niceStep, type ChartBox, type Tick } from './loss-chart.ts';

export type { ChartBox, Tick };

export interface PlotInput {
  /** 0–1. */
  x: number;
  /** A perplexity (> 0); non-finite values are not drawn. */
  y: number;
  /** Shown next to the point (λ). */
  label: string;
}

export interface PlotPoint extends PlotInput {
  /** Pixels; NaN when the point is not drawn. */
  px: number;
  py: number;
  drawn: boolean;
  /** On the Pareto front of every drawn point. */
  front: boolean;
  /** Whether its label is drawn: not when the same label already sits there, or no free place was found near it. */
  showLabel: boolean;
  /** Where the label goes (its anchor point and side). */
  labelX: number;
  labelY: number;
  labelAnchor: 'start' | 'end';
}

export interface PlotCurve {
  /** SVG path data through the drawn points in the given order; a gap (undrawn point) starts a new piece. */
  path: string;
  points: PlotPoint[];
}

export interface ParetoPlotGeometry {
  curves: PlotCurve[];
  xTicks: Tick[];
  yTicks: Tick[];
  log: boolean;
  /** The y domain shown (perplexity units). */
  yMin: number;
  yMax: number;
  /** The front as a staircase through its points (x rising, y falling): the edge of what they dominate. */
  frontPath: string;
  frontCount: number;
  drawnCount: number;
}

const fmt = (v: number) => v.toFixed(1);

/** A label's box, roughly (10 px text): for keeping labels apart. */
interface LabelBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
const LABEL_CHAR_W = 6;
const LABEL_H = 11;
/** Places tried for a label, in order: upper right, lower right, upper left, lower left of the point. */
const LABEL_SPOTS: { dx: number; dy: number; anchor: 'start' | 'end' }[] = [
  { dx: 7, dy: -7, anchor: 'start' },
  { dx: 7, dy: 13, anchor: 'start' },
  { dx: -7, dy: -7, anchor: 'end' },
  { dx: -7, dy: 13, anchor: 'end' },
];

function labelBox(x: number, y: number, anchor: 'start' | 'end', text: string): LabelBox {
  const w = text.length * LABEL_CHAR_W + 2;
  return anchor === 'start' ? { x0: x, x1: x + w, y0: y - LABEL_H + 2, y1: y + 2 } : { x0: x - w, x1: x, y0: y - LABEL_H + 2, y1: y + 2 };
}

const overlaps = (a: LabelBox, b: LabelBox) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** Room left of 0 % and right of 100 %, as a share of the effect axis. */
export const X_PAD = 0.03;

/** A perplexity for people: 3 significant digits, no exponent below a million. */
export function formatPerplexity(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '–';
  if (v >= 1e6) return v.toExponential(2);
  if (v >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

/** A 0–1 share as a percentage, whole numbers unless it is not one. */
export function formatShare(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const pct = v * 100;
  return `${Math.abs(pct - Math.round(pct)) < 1e-9 ? Math.round(pct) : pct.toFixed(1)} %`;
}

/** Ticks at 1, 2, 5 × 10^k (linear): about `count` of them covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Perplexity labels for tick values, with more digits where the usual three would make two ticks read the same (a
 * narrow range: 9.186 and 9.188 are both "9.19").
 */
export function tickLabels(values: readonly number[]): string[] {
  let labels = values.map(formatPerplexity);
  for (let digits = 4; digits <= 12 && new Set(labels).size < labels.length; digits++) {
    labels = values.map((v) => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : formatPerplexity(v)));
  }
  return labels;
}

/** Ticks for a log axis over [lo, hi] (lo > 0): 1, 2, 5 × 10^k, thinned to 1 × 10^k when there are many decades. */
export function logTicks(lo: number, hi: number): number[] {
  const decades = Math.log10(hi) - Math.log10(lo);
  const mantissas = decades > 3 ? [1] : decades > 1.2 ? [1, 2, 5] : [1, 1.5, 2, 3, 5, 7];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/**
 * Lays the curves out in `box`. x is always 0–100 % (with X_PAD either side); y covers the drawn perplexities with 6 % padding, on a log scale
 * when `log` is true, or 'auto' (default) and the largest is over 8× the smallest.
 */
export function paretoPlotGeometry(curves: readonly (readonly PlotInput[])[], box: ChartBox, opts: { log?: boolean | 'auto' } = {}): ParetoPlotGeometry {
  const x0 = box.left;
  const x1 = box.width - box.right;
  const yb = box.height - box.bottom;
  const yt = box.top;
  const drawable = (p: PlotInput) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0;
  const ys = curves.flatMap((c) => c.filter(drawable).map((p) => p.y));
  let lo = ys.length ? Math.min(...ys) : 1;
  let hi = ys.length ? Math.max(...ys) : 10;
  const log = opts.log === true || ((opts.log ?? 'auto') === 'auto' && hi / lo > 8);
  const f = (v: number) => (log ? Math.log10(v) : v);
  const inv = (v: number) => (log ? 10 ** v : v);
  let flo = f(lo);
  let fhi = f(hi);
  if (fhi - flo < 1e-9) {
    const pad = log ? 0.15 : Math.max(Math.abs(fhi) * 0.1, 0.5);
    flo -= pad;
    fhi += pad;
  } else {
    const pad = (fhi - flo) * 0.06;
    flo -= pad;
    fhi += pad;
  }
  if (!log) flo = Math.max(flo, 0);
  lo = inv(flo);
  hi = inv(fhi);
  // 0 % and 100 % sit a little inside the frame, so points there stay clear of the y axis.
  const sx = (v: number) => x0 + ((Math.max(0, Math.min(1, v)) + X_PAD) / (1 + 2 * X_PAD)) * (x1 - x0);
  const sy = (v: number) => yb - ((f(v) - flo) / (fhi - flo)) * (yb - yt);

  const flat: { c: number; i: number; x: number; y: number }[] = [];
  curves.forEach((c, ci) => c.forEach((p, i) => drawable(p) && flat.push({ c: ci, i, x: p.x, y: p.y })));
  const frontIdx = paretoFront(flat).map((k) => flat[k]);
  const onFront = new Set(frontIdx.map((p) => `${p.c}:${p.i}`));

  const labelled: { x: number; y: number; label: string }[] = [];
  const boxes: LabelBox[] = [];
  const out: PlotCurve[] = curves.map((c, ci) => {
    let path = '';
    let pen = false;
    const points = c.map((p, i): PlotPoint => {
      if (!drawable(p)) {
        pen = false;
        return { ...p, px: Number.NaN, py: Number.NaN, drawn: false, front: false, showLabel: false, labelX: Number.NaN, labelY: Number.NaN, labelAnchor: 'start' };
      }
      const px = sx(p.x);
      const py = sy(p.y);
      path += `${pen ? 'L' : 'M'}${fmt(px)},${fmt(py)}`;
      pen = true;
      const repeated = labelled.some((l) => l.label === p.label && Math.abs(l.x - px) < 4 && Math.abs(l.y - py) < 4);
      let place: { x: number; y: number; anchor: 'start' | 'end' } | null = null;
      if (!repeated) {
        for (const s of LABEL_SPOTS) {
          const b = labelBox(px + s.dx, py + s.dy, s.anchor, p.label);
          if (b.x0 < 0 || b.x1 > box.width || b.y0 < 0 || b.y1 > box.height || boxes.some((o) => overlaps(o, b))) continue;
          place = { x: px + s.dx, y: py + s.dy, anchor: s.anchor };
          boxes.push(b);
          labelled.push({ x: px, y: py, label: p.label });
          break;
        }
      }
      return {
        ...p,
        px,
        py,
        drawn: true,
        front: onFront.has(`${ci}:${i}`),
        showLabel: place !== null,
        labelX: place?.x ?? px + LABEL_SPOTS[0].dx,
        labelY: place?.y ?? py + LABEL_SPOTS[0].dy,
        labelAnchor: place?.anchor ?? 'start',
      };
    });
    return { path, points };
  });

  let frontPath = '';
  frontIdx.forEach((p, k) => {
    frontPath += k === 0 ? `M${fmt(sx(p.x))},${fmt(sy(p.y))}` : `H${fmt(sx(p.x))}V${fmt(sy(p.y))}`;
  });

  const xTicks: Tick[] = [0, 0.25, 0.5, 0.75, 1].map((v) => ({ at: sx(v), label: `${v * 100} %` }));
  const logValues = log ? logTicks(lo, hi) : [];
  const yValues = logValues.length >= 2 ? logValues : linearTicks(lo, hi, 5).filter((v) => v >= lo - 1e-9 && v <= hi + 1e-9);
  const yTicks: Tick[] = tickLabels(yValues).map((label, i) => ({ at: sy(yValues[i]), label }));
  return { curves: out, xTicks, yTicks, log, yMin: lo, yMax: hi, frontPath, frontCount: frontIdx.length, drawnCount: flat.length };
}
