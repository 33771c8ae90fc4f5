/** The loss chart's geometry (pure, tested in Node): scales, a thinned polyline, ticks, and its words for screen readers. */

export interface LossPoint {
  step: number;
  loss: number;
}

export interface ChartBox {
  width: number;
  height: number;
  /** Inner margins for the axes' labels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Tick {
  /** Pixel position along its axis. */
  at: number;
  label: string;
}

export interface LossChartGeometry {
  /** SVG path data of the curve ('' without points). */
  path: string;
  /** The newest point, in pixels (null without points). */
  last: { x: number; y: number } | null;
  xTicks: Tick[];
  yTicks: Tick[];
  log: boolean;
}

/** A loss for people: 3 significant digits, exponent form when small or large. */
export function formatLoss(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-2 && a < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}

/**
 * At most ~2 points per pixel column: each column keeps its first, lowest, highest and last points, so spikes and the
 * curve's ends survive. Points must be in step order.
 */
export function thinPoints(points: LossPoint[], columns: number, x: (step: number) => number): LossPoint[] {
  if (points.length <= columns * 2) return points;
  const out: LossPoint[] = [];
  let col = Number.NaN;
  let bucket: LossPoint[] = [];
  const close = () => {
    if (bucket.length === 0) return;
    let lo = bucket[0];
    let hi = bucket[0];
    for (const p of bucket) {
      if (p.loss < lo.loss) lo = p;
      if (p.loss > hi.loss) hi = p;
    }
    const keep = new Set([bucket[0], lo, hi, bucket[bucket.length - 1]]);
    for (const p of bucket) if (keep.has(p)) out.push(p);
    bucket = [];
  };
  for (const p of points) {
    const c = Math.floor(x(p.step));
    if (c !== col) {
      close();
      col = c;
    }
    bucket.push(p);
  }
  close();
  return out;
}

/** A tick step of 1, 2, 5 or 10 × 10^k giving about `count` steps over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/**
 * Lays out the curve in `box`. x runs from step 0 (or the first step) to max(totalSteps, last step); y is log10 of the
 * loss when `log` and every loss is positive (else linear from 0), padded so the curve never touches the frame.
 */
export function lossChartGeometry(points: LossPoint[], box: ChartBox, opts: { totalSteps?: number; log?: boolean } = {}): LossChartGeometry {
  const finite = points.filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.step));
  const log = (opts.log ?? true) && finite.length > 0 && finite.every((p) => p.loss > 0);
  const x0 = box.left;
  const x1 = box.width - box.right;
  const y0 = box.height - box.bottom; // bottom
  const y1 = box.top; // top
  const lastStep = finite.length ? finite[finite.length - 1].step : 0;
  const firstStep = finite.length ? Math.min(finite[0].step, 1) : 0;
  const maxStep = Math.max(opts.totalSteps ?? 0, lastStep, firstStep + 1);
  const sx = (s: number) => x0 + ((s - firstStep) / (maxStep - firstStep)) * (x1 - x0);
  const f = (v: number) => (log ? Math.log10(v) : v);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of finite) {
    lo = Math.min(lo, f(p.loss));
    hi = Math.max(hi, f(p.loss));
  }
  if (!finite.length) {
    lo = 0;
    hi = 1;
  }
  if (!log) lo = Math.min(0, lo);
  if (hi - lo < 1e-12) {
    const pad = log ? 0.5 : Math.abs(hi) * 0.5 || 1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.05;
    hi += pad;
    if (log) lo -= pad;
  }
  const sy = (v: number) => y0 - ((f(v) - lo) / (hi - lo)) * (y0 - y1);

  const thin = thinPoints(finite, Math.max(1, Math.round(x1 - x0)), sx);
  const path = thin.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.step).toFixed(1)},${sy(p.loss).toFixed(1)}`).join('');
  const lp = finite[finite.length - 1];
  const last = lp ? { x: sx(lp.step), y: sy(lp.loss) } : null;

  const xTicks: Tick[] = [];
  const xs = niceStep(maxStep - firstStep, 4);
  for (let s = Math.ceil(firstStep / xs) * xs; s <= maxStep + 1e-9; s += xs) xTicks.push({ at: sx(s), label: String(Math.round(s)) });

  const yTicks: Tick[] = [];
  if (!finite.length) {
    // no axis values yet
  } else if (log) {
    const first = Math.ceil(lo);
    const lastDecade = Math.floor(hi);
    if (lastDecade - first < 1) {
      // Fewer than two powers of ten in range: label the ends instead.
      for (const v of [lo, hi]) yTicks.push({ at: y0 - ((v - lo) / (hi - lo)) * (y0 - y1), label: formatLoss(10 ** v) });
    } else {
      const every = Math.max(1, Math.ceil((lastDecade - first + 1) / 5));
      for (let e = first; e <= lastDecade; e += every) yTicks.push({ at: sy(10 ** e), label: `1e${e}` });
    }
  } else {
    const ys = niceStep(hi - lo, 4);
    for (let v = Math.ceil(lo / ys) * ys; v <= hi + 1e-12; v += ys) yTicks.push({ at: sy(v), label: formatLoss(Number(v.toPrecision(6))) });
  }
  return { path, last, xTicks, yTicks, log };
}

/** The chart in words: its first and last loss, and how much it fell. */
export function lossChartLabel(points: LossPoint[], totalSteps?: number): string {
  const finite = points.filter((p) => Number.isFinite(p.loss));
  if (!finite.length) return 'Training loss: no steps yet';
  const a = finite[0];
  const b = finite[finite.length - 1];
  const of = totalSteps ? ` of ${totalSteps}` : '';
  if (finite.length === 1) return `Training loss: ${formatLoss(a.loss)} at step ${a.step}${of}`;
  const change = a.loss > 0 ? ` (${b.loss <= a.loss ? '−' : '+'}${Math.abs(Math.round((100 * (b.loss - a.loss)) / a.loss))} %)` : '';
  return `Training loss: ${formatLoss(a.loss)} at step ${a.step}, ${formatLoss(b.loss)} at step ${b.step}${of}${change}`;
}
