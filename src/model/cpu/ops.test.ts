import { describe, expect, it } from 'vitest';
import { applyRope, linear, rmsNorm, ropeInvFreq, siluMul } from './ops.ts';

describe('cpu-ops', () => {
  it('linear uses [out, in] row-major weights and an optional bias', () => {
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2×3
    const x = Float64Array.from([1, 0, -1]);
    expect([...linear(x, w, 2)]).toEqual([-2, -2]);
    expect([...linear(x, w, 2, Float32Array.from([0.5, 1]))]).toEqual([-1.5, -1]);
    expect(() => linear(x, w, 3)).toThrow(/expected 3×3/);
  });

  it('rmsNorm divides by the root mean square (plus eps) and scales', () => {
    const y = rmsNorm(Float64Array.from([3, 4]), Float32Array.from([1, 2]), 0);
    const r = Math.sqrt(12.5);
    expect(y[0]).toBeCloseTo(3 / r, 14);
    expect(y[1]).toBeCloseTo(8 / r, 14);
  });

  it('rotate-half RoPE: identity at position 0, pairs (i, i + hd/2) rotate by pos·theta^(−2i/hd)', () => {
    const hd = 4;
    const inv = ropeInvFreq(hd, 100);
    expect([...inv]).toEqual([1, 0.1]);
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // two heads
    const same = Float64Array.from(x);
    applyRope(same, 2, hd, 0, inv);
    expect([...same]).toEqual([...x]);
    const y = Float64Array.from(x);
    applyRope(y, 2, hd, 3, inv);
    for (const [h, i] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
      const a = x[h * hd + i];
      const b = x[h * hd + i + 2];
      const angle = 3 * inv[i];
      expect(y[h * hd + i]).toBeCloseTo(a * Math.cos(angle) - b * Math.sin(angle), 14);
      expect(y[h * hd + i + 2]).toBeCloseTo(b * Math.cos(angle) + a * Math.sin(angle), 14);
    }
  });

  it('siluMul is g·σ(g)·u', () => {
    const y = siluMul(Float64Array.from([0, 2]), Float64Array.from([5, 3]));
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo((2 / (1 + Math.exp(-2))) * 3, 14);
  });
});
