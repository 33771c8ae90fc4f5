import { describe, expect, it } from 'vitest';
import { f32AtLeast, f32AtMost, fitLinearAct } from './fit-linear-act.ts';
import { steerInPlace } from '../core/steer-map.ts';

const rows = (...r: number[][]): Float64Array[] => r.map((x) => Float64Array.from(x));

describe('fitLinearAct', () => {
  it('recovers y = 2x + 1 after sorting (pairs given shuffled)', () => {
    const xs = [3, -1, 0.5, 2, 7];
    const ys = [2 * 0.5 + 1, 2 * 7 + 1, 2 * -1 + 1, 2 * 3 + 1, 2 * 2 + 1]; // a permutation of 2x+1
    const m = fitLinearAct(
      xs.map((x) => Float64Array.of(x)),
      ys.map((y) => Float64Array.of(y)),
    );
    expect(m.w[0]).toBe(2); // 2·Sxx/(Sxx + 1e-8) rounds to 2 in float32
    expect(m.b[0]).toBeCloseTo(1, 6);
    expect(m.range).toBeUndefined();
  });

  it('matches an independent OLS formula per neuron on random data', () => {
    let s = 7;
    const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2;
    const n = 9;
    const src = Array.from({ length: n }, () => Float64Array.of(rnd(), rnd(), rnd()));
    const tgt = Array.from({ length: n }, () => Float64Array.of(rnd(), rnd() * 3, rnd() + 5));
    const m = fitLinearAct(src, tgt);
    for (let j = 0; j < 3; j++) {
      const x = src.map((r) => r[j]).sort((a, b) => a - b);
      const y = tgt.map((r) => r[j]).sort((a, b) => a - b);
      const sx = x.reduce((a, b) => a + b, 0);
      const sy = y.reduce((a, b) => a + b, 0);
      const sxy = x.reduce((a, xi, k) => a + xi * y[k], 0);
      const sxx = x.reduce((a, xi) => a + xi * xi, 0);
      const beta = (n * sxy - sx * sy) / (n * sxx - sx * sx);
      expect(m.w[j]).toBeCloseTo(beta, 5);
      expect(m.b[j]).toBeCloseTo(sy / n - (beta * sx) / n, 5);
    }
  });

  it('requires equal N with a clear message', () => {
    expect(() => fitLinearAct(rows([1], [2]), rows([1], [2], [3]))).toThrow(/as many source as target.*2 source and 3 target/);
  });

  it('stores the source range (float32, rounded outwards) and steerInPlace passes values outside through', () => {
    const src = rows([0.1, -3], [0.7, 5], [0.3, 1]);
    const tgt = rows([1, 0], [2, 1], [3, 2]);
    const m = fitLinearAct(src, tgt, { rangeMask: true });
    if (!m.range) throw new Error('range expected');
    expect(m.range.lo[0]).toBeLessThanOrEqual(0.1);
    expect(m.range.lo[0]).toBe(f32AtMost(0.1));
    expect(m.range.hi[0]).toBeGreaterThanOrEqual(0.7);
    expect(m.range.hi[0]).toBe(f32AtLeast(0.7));
    expect(Array.from(m.range.lo.slice(1))).toEqual([-3]);
    expect(Array.from(m.range.hi.slice(1))).toEqual([5]);
    const outside = Float64Array.of(0.9, -4);
    steerInPlace(outside, m, 1);
    expect(Array.from(outside)).toEqual([0.9, -4]);
    const inside = Float64Array.of(0.3, 1);
    steerInPlace(inside, m, 1);
    expect(inside[0]).toBeCloseTo(m.w[0] * 0.3 + m.b[0], 6);
  });

  it('f32AtMost / f32AtLeast bracket values by one float32 ulp at most', () => {
    for (const v of [0.1, -0.1, 1 / 3, -1e-30, 1e-50, -1e-50, 123456.789]) {
      const lo = f32AtMost(v);
      const hi = f32AtLeast(v);
      expect(lo).toBeLessThanOrEqual(v);
      expect(hi).toBeGreaterThanOrEqual(v);
      expect(Math.fround(lo)).toBe(lo);
      expect(Math.fround(hi)).toBe(hi);
      expect(hi - lo).toBeLessThanOrEqual(Math.abs(v) * 2 ** -23 + 1.5e-45);
    }
    expect(f32AtMost(0.5)).toBe(0.5);
    expect(f32AtLeast(0.5)).toBe(0.5);
  });
});
