// The LinEAS sorted-W2 loss and its gradient through the sort.
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/seeded-random.ts';
import { sortedW2, sortedW2Average } from '../sorted-w2.ts';
import { averageSortedW2, controlLoss, lineasLoss, sortedW2WithGrad, W2Target } from './loss.ts';

function randomRows(n: number, d: number, seed: number): Float64Array[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, () => rng.normal()));
}

describe('sortedW2WithGrad', () => {
  it('by hand: one neuron, B = M = 3; the gradient follows the sort permutation', () => {
    const Z = [Float64Array.of(3), Float64Array.of(1), Float64Array.of(2)];
    const V = [Float64Array.of(30), Float64Array.of(10), Float64Array.of(20)];
    const r = sortedW2WithGrad(Z, new W2Target(V));
    // sort(Z) = (1, 2, 3) pairs with (10, 20, 30): (81 + 324 + 729) / (1·3) = 378.
    expect(r.loss).toBe(378);
    // row 0 holds 3 (rank 2): 2(3 − 30)/3 = −18; row 1 holds 1: 2(1 − 10)/3 = −6; row 2 holds 2: 2(2 − 20)/3 = −12.
    expect(r.grad.map((g) => g[0])).toEqual([-18, -6, -12]);
    const scaled = sortedW2WithGrad(Z, new W2Target(V), 0.5);
    expect(scaled.loss).toBe(189);
    expect(scaled.raw).toBe(378);
    expect(scaled.grad.map((g) => g[0])).toEqual([-9, -3, -6]);
  });

  it('equals sorted-w2.ts (B = M and B ≠ M, quantiles at mid levels) and its gradient matches finite differences', () => {
    for (const [B, M] of [
      [5, 5],
      [4, 7],
      [6, 3],
    ]) {
      const Z = randomRows(B, 3, B * 10 + M);
      const V = randomRows(M, 3, 99 + M);
      const target = new W2Target(V);
      const r = sortedW2WithGrad(Z, target);
      expect(Math.abs(r.loss - sortedW2(Z, V))).toBeLessThan(1e-14);
      const h = 1e-6;
      for (let i = 0; i < B; i++) {
        for (let j = 0; j < 3; j++) {
          const keep = Z[i][j];
          Z[i][j] = keep + h;
          const up = sortedW2(Z, V);
          Z[i][j] = keep - h;
          const down = sortedW2(Z, V);
          Z[i][j] = keep;
          expect(Math.abs((up - down) / (2 * h) - r.grad[i][j])).toBeLessThan(1e-8);
        }
      }
    }
  });

  it('averages over hooks with the 1/|H| factor; the control term has its weight', () => {
    const a = { Z: randomRows(4, 2, 1), V: randomRows(4, 2, 2) };
    const b = { Z: randomRows(4, 2, 3), V: randomRows(6, 2, 4) };
    const pooled = new Map([
      ['0.attn', a.Z],
      ['1.mlp', b.Z],
    ] as const);
    const targets = new Map([
      ['0.attn', new W2Target(a.V)],
      ['1.mlp', new W2Target(b.V)],
    ] as const);
    const L = lineasLoss(new Map(pooled), new Map(targets));
    const ref = sortedW2Average(
      new Map([
        ['0.attn', { steered: a.Z, target: a.V }],
        ['1.mlp', { steered: b.Z, target: b.V }],
      ] as const),
    );
    expect(Math.abs(L.loss - ref)).toBeLessThan(1e-15);
    expect(L.perHook.get('1.mlp')).toBeCloseTo(sortedW2(b.Z, b.V), 15);
    const single = sortedW2WithGrad(a.Z, new W2Target(a.V));
    expect(L.grads.get('0.attn')![2][1]).toBeCloseTo(single.grad[2][1] / 2, 15);
    const C = controlLoss(new Map(pooled), new Map(targets), 3);
    expect(C.loss).toBeCloseTo(3 * L.loss, 14);
    expect(C.grads.get('1.mlp')![0][0]).toBeCloseTo(3 * L.grads.get('1.mlp')![0][0], 14);
    expect(() => averageSortedW2(new Map(), new Map(targets))).toThrow(/no pooled activations/);
  });
});
