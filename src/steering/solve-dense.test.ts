import { describe, expect, it } from 'vitest';
import { solveDense } from './solve-dense.ts';

describe('solveDense', () => {
  it('solves a system that needs pivoting', () => {
    // [[0, 2, 1], [1, 1, 0], [3, 0, 1]] · (1, 2, 1) = (5, 3, 4); the zero in the corner forces a row swap
    const x = solveDense(Float64Array.of(0, 2, 1, 1, 1, 0, 3, 0, 1), Float64Array.of(5, 3, 4), 3);
    expect(Array.from(x).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 2, 1]);
  });
  it('refuses a singular matrix', () => {
    expect(() => solveDense(Float64Array.of(1, 2, 2, 4), Float64Array.of(1, 2), 2)).toThrow(/singular/);
  });
});
