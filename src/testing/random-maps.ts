// Seeded random steering maps for tests and the benchmark.
import { makeRng } from '../core/seeded-random.ts';
import type { HookMap } from '../core/steer-map.ts';

export function identityMap(d: number): HookMap {
  return { w: new Float32Array(d).fill(1), b: new Float32Array(d) };
}

/** A clearly non-identity map: w = 1 ± 0.3, b = ±bScale, optional gate with weights ±gateScale and bias c. */
export function randomMap(d: number, seed: number, opts: { bScale?: number; gate?: { scale: number; c: number } } = {}): HookMap {
  const rng = makeRng(seed);
  const m: HookMap = {
    w: Float32Array.from({ length: d }, () => 1 + 0.3 * rng.normal()),
    b: Float32Array.from({ length: d }, () => (opts.bScale ?? 0.2) * rng.normal()),
  };
  if (opts.gate) m.gate = { a: Float32Array.from({ length: d }, () => opts.gate!.scale * rng.normal()), c: Math.fround(opts.gate.c) };
  return m;
}
