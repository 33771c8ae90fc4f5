/**
 * One hook's steering map and its CPU rule, below every layer that uses them (kernels, model, steering): the kernels'
 * CPU twins and the CPU forward apply it, the steering layer fits it.
 */
/** One hook's per-neuron affine map T(z) = w ⊙ z + b, with an optional DSAS gate s(z) = σ(aᵀz + c). */
export interface HookMap {
  w: Float32Array;
  b: Float32Array;
  gate?: { a: Float32Array; c: number };
  /** Linear-AcT option: apply the map only where lo ≤ z ≤ hi per neuron (source range), else pass z through. */
  range?: { lo: Float32Array; hi: Float32Array };
}

/** z' = z + λ·s·((w − 1)⊙z + b), s = σ(aᵀz + c) or 1 without a gate. Returns s. (CPU twin of the steering kernel.) */
export function steerInPlace(z: Float32Array | Float64Array, map: HookMap, lambda: number, useGate = true): number {
  let s = 1;
  if (map.gate && useGate) {
    let dot = map.gate.c;
    for (let j = 0; j < z.length; j++) dot += map.gate.a[j] * z[j];
    s = 1 / (1 + Math.exp(-dot));
  }
  const k = lambda * s;
  for (let j = 0; j < z.length; j++) {
    const x = z[j];
    if (map.range && (x < map.range.lo[j] || x > map.range.hi[j])) continue;
    z[j] = x + k * ((map.w[j] - 1) * x + map.b[j]);
  }
  return s;
}
