// The LinEAS loss (spec section 5) with its gradient with respect to the pooled activations, and the E2E-DSAS control term.
import type { HookName } from '../../model/spec.ts';
import { checkRows, type PooledRows } from '../matrix-rows.ts';
import { quantilesAtMidLevels } from '../sorted-w2.ts';

/** A fixed target of the sorted-W2 loss (M × d pooled rows), column-sorted once; quantiles cached per batch size. */
export class W2Target {
  readonly d: number;
  readonly m: number;
  private readonly sortedCols: Float64Array[];
  private readonly cache = new Map<number, Float64Array>();

  constructor(rows: PooledRows, label = 'W2 target') {
    this.d = checkRows(rows, label);
    this.m = rows.length;
    this.sortedCols = [];
    for (let j = 0; j < this.d; j++) {
      const col = new Float64Array(this.m);
      for (let i = 0; i < this.m; i++) col[i] = rows[i][j];
      this.sortedCols.push(col.sort());
    }
  }

  /** q(V[:, j])_k at levels (k + 0.5)/B (sorted-w2's quantilesAtMidLevels), as a d × B block: [j·B + k]. */
  quantiles(B: number): Float64Array {
    let q = this.cache.get(B);
    if (!q) {
      q = new Float64Array(this.d * B);
      for (let j = 0; j < this.d; j++) q.set(quantilesAtMidLevels(this.sortedCols[j], B), j * B);
      this.cache.set(B, q);
    }
    return q;
  }
}

/**
 * scale · (1/(d·B)) Σ_j Σ_k (sort(Z[:, j])_k − q(V[:, j])_k)² and its gradient with respect to Z (B rows of d).
 * The sort is a permutation: row i = perm_j(k) receives scale · 2(Z[i, j] − q_k)/(d·B). Ties are broken by row
 * index (any order gives the same loss; the gradient is then one valid subgradient).
 * `loss` is the scaled value; `raw` the unscaled sorted-W2.
 */
export function sortedW2WithGrad(Z: PooledRows, target: W2Target, scale = 1): { loss: number; raw: number; grad: Float64Array[] } {
  const d = checkRows(Z, 'sorted W2 source', target.d);
  const B = Z.length;
  const q = target.quantiles(B);
  const grad = Z.map(() => new Float64Array(d));
  const order = Array.from({ length: B }, (_, i) => i);
  const inv = 1 / (d * B);
  let sum = 0;
  for (let j = 0; j < d; j++) {
    order.sort((a, b) => Z[a][j] - Z[b][j] || a - b);
    for (let k = 0; k < B; k++) {
      const i = order[k];
      const e = Z[i][j] - q[j * B + k];
      sum += e * e;
      grad[i][j] = 2 * scale * inv * e;
    }
  }
  const raw = sum * inv;
  return { loss: raw * scale, raw, grad };
}

export interface PooledLoss {
  /** The (weighted) mean over hooks. */
  loss: number;
  /** Unweighted sorted-W2 per hook. */
  perHook: Map<HookName, number>;
  /** dloss/d(pooled rows) per hook. */
  grads: Map<HookName, Float64Array[]>;
}

/**
 * weight · (1/|H|) Σ_h sortedW2(pooled_h, target_h) over the hooks of `targets`, with gradients.
 * LinEAS loss: weight 1, targets = unsteered target prompts. E2E-DSAS control term: pooled = steered control
 * prompts, targets = the same prompts unsteered, weight = the control weight.
 */
export function averageSortedW2(pooled: Map<HookName, PooledRows>, targets: Map<HookName, W2Target>, weight = 1): PooledLoss {
  if (targets.size === 0) throw new Error('sorted-W2 loss: no hooks');
  const scale = weight / targets.size;
  const perHook = new Map<HookName, number>();
  const grads = new Map<HookName, Float64Array[]>();
  let loss = 0;
  for (const [h, target] of targets) {
    const rows = pooled.get(h);
    if (!rows) throw new Error(`sorted-W2 loss: no pooled activations for hook ${h}`);
    const r = sortedW2WithGrad(rows, target, scale);
    loss += r.loss;
    perHook.set(h, r.raw);
    grads.set(h, r.grad);
  }
  return { loss, perHook, grads };
}

/** The LinEAS loss of spec section 5: steered source pooled rows against the unsteered target. */
export function lineasLoss(steeredSource: Map<HookName, PooledRows>, targets: Map<HookName, W2Target>): PooledLoss {
  return averageSortedW2(steeredSource, targets, 1);
}

/** The E2E-DSAS control term: weight · mean over hooks of sorted-W2(steered control, unsteered control). */
export function controlLoss(steeredControl: Map<HookName, PooledRows>, unsteeredControl: Map<HookName, W2Target>, weight = 1): PooledLoss {
  return averageSortedW2(steeredControl, unsteeredControl, weight);
}

/** W2Targets for every hook of a pooled map. */
export function w2Targets(pooled: Map<HookName, PooledRows>, hooks?: readonly HookName[]): Map<HookName, W2Target> {
  const out = new Map<HookName, W2Target>();
  for (const h of hooks ?? [...pooled.keys()]) {
    const rows = pooled.get(h);
    if (!rows) throw new Error(`no pooled activations for hook ${h}`);
    out.set(h, new W2Target(rows, `target of hook ${h}`));
  }
  return out;
}
