import { describe, expect, it } from 'vitest';
import { fitMeanShift } from './fit-mean-shift.ts';

const rows = (...r: number[][]): Float64Array[] => r.map((x) => Float64Array.from(x));

describe('fitMeanShift', () => {
  it('computes b = μt − μs on a 3×2 case by hand', () => {
    // source means: (2, 10); target means: (6, 7)
    const src = rows([1, 9], [2, 10], [3, 11]);
    const tgt = rows([4, 5], [6, 7], [8, 9]);
    const m = fitMeanShift(src, tgt);
    expect(Array.from(m.w)).toEqual([1, 1]);
    expect(Array.from(m.b)).toEqual([4, -3]);
    expect(m.gate).toBeUndefined();
    expect(m.range).toBeUndefined();
  });

  it('zeroes neurons whose source or target std is below 1e-4', () => {
    const src = rows([1, 5, 0], [2, 5, 1], [3, 5, 2]); // neuron 1: source constant
    const tgt = rows([4, 1, 7], [6, 2, 7], [8, 3, 7]); // neuron 2: target constant
    expect(Array.from(fitMeanShift(src, tgt).b)).toEqual([4, 0, 0]);
  });

  it('uses the population std (divide by N), not the sample std', () => {
    // values [0, 0, x]: population std = x·√2/3 ≈ 0.471x, sample std = x/√3 ≈ 0.577x.
    const x = 2e-4; // population 9.4e-5 < 1e-4 (zeroed); sample 1.15e-4 would not be
    const src = rows([0], [0], [x]);
    const tgt = rows([1], [2], [3]);
    expect(fitMeanShift(src, tgt).b[0]).toBe(0);
    const y = 2.2e-4; // population 1.04e-4 ≥ 1e-4: kept
    const kept = fitMeanShift(rows([0], [0], [y]), tgt).b[0];
    expect(kept).toBeCloseTo(2 - y / 3, 6);
  });

  it('accepts different N and M, refuses mismatched widths and non-finite values', () => {
    expect(Array.from(fitMeanShift(rows([0], [2]), rows([1], [2], [6])).b)).toEqual([2]);
    expect(() => fitMeanShift(rows([0, 1]), rows([1]))).toThrow(/row 0 has 1 values, expected 2/);
    expect(() => fitMeanShift(rows([0, NaN]), rows([1, 1]))).toThrow(/not finite/);
    expect(() => fitMeanShift([], rows([1]))).toThrow(/no rows/);
  });
});
