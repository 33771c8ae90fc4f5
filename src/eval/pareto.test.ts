import { describe, expect, it } from 'vitest';
import { paretoFront } from './pareto.ts';

/** The definition, checked pair by pair: p is dominated when some q is ≤ in both and < in one. */
function bruteForce(points: { x: number; y: number }[]): number[] {
  return points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .filter(({ p }) => !points.some((q) => Number.isFinite(q.x) && Number.isFinite(q.y) && q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y)))
    .map(({ i }) => i);
}

describe('paretoFront', () => {
  it('keeps the points nothing beats, in x order', () => {
    const pts = [
      { x: 0.5, y: 10 }, // on
      { x: 0.2, y: 14 }, // on
      { x: 0.6, y: 12 }, // dominated by 0
      { x: 0.9, y: 9 }, // on
      { x: 0.2, y: 15 }, // dominated by 1 (same x, higher y)
    ];
    expect(paretoFront(pts)).toEqual([1, 0, 3]);
  });

  it('keeps duplicates of a front point, drops NaN and infinite points, handles empty input', () => {
    expect(paretoFront([{ x: 1, y: 1 }, { x: 1, y: 1 }, { x: NaN, y: 0 }, { x: 0, y: Infinity }])).toEqual([0, 1]);
    expect(paretoFront([])).toEqual([]);
  });

  it('equals the pairwise definition on random clouds (as sets)', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let trial = 0; trial < 50; trial++) {
      const pts = Array.from({ length: 1 + (trial % 17) }, () => ({ x: Math.round(rand() * 8) / 8, y: Math.round(rand() * 8) / 8 }));
      expect([...paretoFront(pts)].sort((a, b) => a - b)).toEqual(bruteForce(pts));
    }
  });
});
