/**
 * The Pareto front of points where both coordinates are costs (lower is better): for steering, the effect (share of
 * source-like continuations) against a perplexity. A point is on the front when no other point is at least as good in
 * both and better in one.
 */
export interface CostPoint {
  x: number;
  y: number;
}

/** Indexes of the points on the front, sorted by x then y. Non-finite points are never on it. Equal points all are. */
export function paretoFront(points: readonly CostPoint[]): number[] {
  const finite = points.map((p, i) => ({ ...p, i })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  finite.sort((a, b) => a.x - b.x || a.y - b.y || a.i - b.i);
  const front: number[] = [];
  let bestY = Infinity;
  let last: CostPoint | null = null;
  for (const p of finite) {
    const sameAsLast = last !== null && last.x === p.x && last.y === p.y;
    if (p.y < bestY || sameAsLast) {
      front.push(p.i);
      bestY = Math.min(bestY, p.y);
      last = p;
    }
  }
  return front;
}
