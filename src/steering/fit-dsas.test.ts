import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/seeded-random.ts';
import { fitDsas } from './fit-dsas.ts';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function cloud(seed: number, n: number, d: number, shift: (j: number) => number, scale = 1): Float64Array[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, (_, j) => shift(j) + scale * rng.normal()));
}

/** Independent optimality check in standardised space: w + C·X̃ᵀ(p − y) = 0 and Σ(p − y) = 0. */
function gradientNorm(source: Float64Array[], control: Float64Array[], fit: ReturnType<typeof fitDsas>, C = 1): number {
  const { mean, std, weights, bias, ignored } = fit.standardized;
  const d = mean.length;
  const grad = Float64Array.from(weights);
  let gc = 0;
  [...source, ...control].forEach((z, i) => {
    const y = i < source.length ? 1 : 0;
    const x = Array.from(z, (v, j) => (ignored[j] ? 0 : (v - mean[j]) / std[j]));
    const p = sigmoid(x.reduce((s, xj, j) => s + xj * weights[j], bias));
    for (let j = 0; j < d; j++) grad[j] += C * (p - y) * x[j];
    gc += C * (p - y);
  });
  return Math.hypot(...grad, gc);
}

describe('fitDsas', () => {
  it('separates separable synthetic data: s > 0.5 for source, < 0.5 for control', () => {
    const d = 6;
    const S = cloud(1, 16, d, (j) => (j === 0 ? 3 : 0.5));
    const Cset = cloud(2, 20, d, (j) => (j === 0 ? -3 : 0.5));
    const fit = fitDsas(S, Cset);
    expect(fit.converged).toBe(true);
    expect(fit.accuracy).toBe(1);
    const s = (z: Float64Array): number => sigmoid(z.reduce((acc, v, j) => acc + fit.gate.a[j] * v, fit.gate.c));
    for (const z of S) expect(s(z)).toBeGreaterThan(0.5);
    for (const z of Cset) expect(s(z)).toBeLessThan(0.5);
    expect(fit.gate.a[0]).toBeGreaterThan(0);
    expect(Math.fround(fit.gate.c)).toBe(fit.gate.c);
    expect(gradientNorm(S, Cset, fit)).toBeLessThan(1e-8);
  });

  it('folded (a, c) on raw features equals the standardised model on random points', () => {
    const d = 8;
    const S = cloud(3, 12, d, (j) => 10 + j, 0.3 + 0.1);
    const Cset = cloud(4, 12, d, (j) => 10 + j + (j % 2 ? 0.4 : -0.2), 0.4);
    const fit = fitDsas(S, Cset, { C: 0.5 });
    expect(gradientNorm(S, Cset, fit, 0.5)).toBeLessThan(1e-8);
    const { mean, std, weights, bias } = fit.standardized;
    const rng = makeRng(99);
    for (let t = 0; t < 50; t++) {
      const z = Float64Array.from({ length: d }, (_, j) => 10 + j + 2 * rng.normal());
      let standardised = bias;
      let folded = fit.gate.c;
      for (let j = 0; j < d; j++) {
        standardised += (weights[j] * (z[j] - mean[j])) / std[j];
        folded += fit.gate.a[j] * z[j];
      }
      expect(Math.abs(folded - standardised)).toBeLessThan(1e-4 * (1 + Math.abs(standardised)));
      expect(sigmoid(folded)).toBeCloseTo(sigmoid(standardised), 5);
    }
  });

  it('handles d ≫ n (sample-space Newton) and ignores constant features', () => {
    const d = 300;
    const S = cloud(5, 10, d, (j) => (j < 5 ? 1 : 0));
    const Cset = cloud(6, 14, d, () => 0);
    for (const r of [...S, ...Cset]) r[7] = 4.25; // constant neuron
    const fit = fitDsas(S, Cset);
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(30);
    expect(fit.accuracy).toBe(1); // d ≫ n: separable
    expect(fit.standardized.ignored[7]).toBe(1);
    expect(fit.gate.a[7]).toBe(0);
    expect(gradientNorm(S, Cset, fit)).toBeLessThan(1e-8);
  });

  it('is deterministic and reports accuracy below 1 on overlapping classes', () => {
    const S = cloud(7, 20, 2, () => 0.3);
    const Cset = cloud(8, 20, 2, () => -0.3);
    const a = fitDsas(S, Cset);
    const b = fitDsas(S, Cset);
    expect(Array.from(a.gate.a)).toEqual(Array.from(b.gate.a));
    expect(a.gate.c).toBe(b.gate.c);
    expect(a.accuracy).toBeGreaterThan(0.5);
    expect(a.accuracy).toBeLessThan(1);
    expect(gradientNorm(S, Cset, a)).toBeLessThan(1e-8);
  });

  it('refuses empty classes and bad C', () => {
    const S = cloud(1, 3, 2, () => 0);
    expect(() => fitDsas(S, [])).toThrow(/control: no rows/);
    expect(() => fitDsas(S, S, { C: 0 })).toThrow(/C must be positive/);
  });
});
