import { describe, expect, it } from 'vitest';
import { meanPool } from './mean-pool.ts';

describe('meanPool', () => {
  it('averages every row per neuron', () => {
    const out = meanPool([Float64Array.from([1, 2, 3]), Float64Array.from([3, 4, -3]), Float64Array.from([2, 0, 6])]);
    expect([...out]).toEqual([2, 2, 2]);
  });

  it('returns a copy for one row and refuses empty or ragged input', () => {
    const row = Float64Array.from([0.5, -1]);
    const out = meanPool([row]);
    expect([...out]).toEqual([0.5, -1]);
    expect(out).not.toBe(row);
    expect(() => meanPool([])).toThrow(/at least one row/);
    expect(() => meanPool([row, Float64Array.from([1])])).toThrow(/length 1/);
  });
});
