/** The colour scale for steering strength (gate values 0…1), shared by the token tint, the legend and the heatmap. */

/** Light cream → orange → red-orange; black text stays readable on every step (contrast ≥ 4.5:1). */
const STOPS: [number, [number, number, number]][] = [
  [0, [255, 250, 240]],
  [0.5, [253, 174, 107]],
  [1, [227, 74, 51]],
];

export function strengthRgb(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
  for (let i = 1; i < STOPS.length; i++) {
    const [x1, c1] = STOPS[i];
    const [x0, c0] = STOPS[i - 1];
    if (x <= x1) {
      const t = (x - x0) / (x1 - x0);
      return [0, 1, 2].map((k) => Math.round(c0[k] + t * (c1[k] - c0[k]))) as [number, number, number];
    }
  }
  return STOPS[STOPS.length - 1][1];
}

export function strengthColor(v: number): string {
  const [r, g, b] = strengthRgb(v);
  return `rgb(${r} ${g} ${b})`;
}

export const SCALE_GRADIENT = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((v) => strengthColor(v)).join(', ')})`;

export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function fmt(v: number | null, digits = 2): string {
  return v === null ? '–' : v.toFixed(digits);
}

/** How a token's text reads in a label: spaces and line breaks made visible. */
export function tokenLabel(text: string): string {
  const t = text.replace(/\n/g, '↵');
  return t.trim() === '' ? (t.length ? '␣'.repeat(Math.min(3, t.length)) : '∅') : t;
}
