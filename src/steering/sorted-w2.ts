import type { HookName } from '../model/spec.ts';
import { checkRows, column, type PooledRows } from './matrix-rows.ts';

/**
 * Target quantiles at levels (k + 0.5)/B, k = 0..B−1, from the target's ascending values (length M).
 * Interpolation: linear between order statistics at 0-based position p·M − 0.5 (the "Hazen"
 * convention, numpy.quantile(method='hazen')), clamped to [0, M−1]. With B = M the position is
 * exactly k, so q_k is the k-th sorted target value, as spec section 5 requires.
 */
export function quantilesAtMidLevels(sortedTarget: Float64Array, B: number): Float64Array {
  const m = sortedTarget.length;
  const q = new Float64Array(B);
  for (let k = 0; k < B; k++) {
    const pos = Math.min(m - 1, Math.max(0, ((k + 0.5) / B) * m - 0.5));
    const i = Math.floor(pos);
    const f = pos - i;
    q[k] = f === 0 ? sortedTarget[i] : sortedTarget[i] + f * (sortedTarget[i + 1] - sortedTarget[i]);
  }
  return q;
}

/**
 * The LinEAS loss for one hook (spec section 5): (1/(d·B)) Σ_j Σ_k (sort(Z[:, j])_k − q(V[:, j])_k)²,
 * Z = steered source (B × d), V = target (M × d). Float64.
 */
export function sortedW2(steered: PooledRows, target: PooledRows): number {
  const d = checkRows(steered, 'sorted W2 source');
  checkRows(target, 'sorted W2 target', d);
  const B = steered.length;
  let sum = 0;
  for (let j = 0; j < d; j++) {
    const z = column(steered, j).sort();
    const q = quantilesAtMidLevels(column(target, j).sort(), B);
    for (let k = 0; k < B; k++) {
      const e = z[k] - q[k];
      sum += e * e;
    }
  }
  return sum / (d * B);
}

/** The LinEAS loss over hooks: the plain mean of sortedW2 over the given hooks. */
export function sortedW2Average(perHook: Map<HookName, { steered: PooledRows; target: PooledRows }>): number {
  if (perHook.size === 0) throw new Error('sortedW2Average: no hooks');
  let sum = 0;
  for (const { steered, target } of perHook.values()) sum += sortedW2(steered, target);
  return sum / perHook.size;
}
