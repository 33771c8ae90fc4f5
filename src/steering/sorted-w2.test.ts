import { describe, expect, it } from 'vitest';
import type { HookName } from '../model/spec.ts';
import { makeRng } from '../core/seeded-random.ts';
import { quantilesAtMidLevels, sortedW2, sortedW2Average } from './sorted-w2.ts';

const cols = (...c: number[][]): Float64Array[] => c[0].map((_, i) => Float64Array.from(c.map((col) => col[i])));

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

describe('sortedW2', () => {
  it('equals the brute-force optimal matching when sizes are equal', () => {
    const rng = makeRng(3);
    const B = 5;
    const d = 3;
    const z = Array.from({ length: B }, () => Float64Array.from({ length: d }, () => rng.normal()));
    const v = Array.from({ length: B }, () => Float64Array.from({ length: d }, () => rng.normal() * 2 + 1));
    const perms = permutations(B);
    expect(perms.length).toBe(120);
    let total = 0;
    for (let j = 0; j < d; j++) {
      let best = Infinity;
      for (const p of perms) {
        let s = 0;
        for (let k = 0; k < B; k++) s += (z[k][j] - v[p[k]][j]) ** 2;
        best = Math.min(best, s);
      }
      total += best;
    }
    expect(sortedW2(z, v)).toBeCloseTo(total / (d * B), 12);
  });

  it('interpolates target quantiles at (k+0.5)/B when sizes differ (hand-computed)', () => {
    // M = 2 target values {0, 10}, B = 4: positions p·2 − 0.5 = −0.25, 0.25, 0.75, 1.25 → clamp → q = 0, 2.5, 7.5, 10
    expect(Array.from(quantilesAtMidLevels(Float64Array.of(0, 10), 4))).toEqual([0, 2.5, 7.5, 10]);
    // source {4, 1, 3, 2} sorted 1..4: (1−0)² + (2−2.5)² + (3−7.5)² + (4−10)² = 57.5, / (d·B = 4)
    expect(sortedW2(cols([4, 1, 3, 2]), cols([10, 0]))).toBe(14.375);
    // M = 4 {0,1,2,3}, B = 2: positions 0.5, 2.5 → q = 0.5, 2.5
    expect(Array.from(quantilesAtMidLevels(Float64Array.of(0, 1, 2, 3), 2))).toEqual([0.5, 2.5]);
    expect(sortedW2(cols([0, 3]), cols([3, 1, 2, 0]))).toBe((0.25 + 0.25) / 2);
    // B = M: exactly the sorted target
    expect(Array.from(quantilesAtMidLevels(Float64Array.of(1, 4, 9), 3))).toEqual([1, 4, 9]);
  });

  it('is zero for identical sets and averages over neurons and hooks', () => {
    const a = cols([1, 2, 3], [5, 5, 5]);
    expect(sortedW2(a, cols([3, 1, 2], [5, 5, 5]))).toBe(0);
    // neuron 0 shifted by 1 (cost 1 each), neuron 1 equal → mean over 2 neurons = 0.5
    expect(sortedW2(a, cols([2, 3, 4], [5, 5, 5]))).toBe(0.5);
    const perHook = new Map<HookName, { steered: Float64Array[]; target: Float64Array[] }>([
      ['0.attn', { steered: a, target: cols([2, 3, 4], [5, 5, 5]) }],
      ['0.mlp', { steered: cols([0, 0]), target: cols([2, 2]) }],
    ]);
    expect(sortedW2Average(perHook)).toBe((0.5 + 4) / 2);
  });
});
