// Float64 building blocks of the CPU reference forward pass. Weights stay f32; every product and sum is f64.

/** y = W x (+ bias), W row-major `[outDim, x.length]` as in a Hugging Face Linear. */
export function linear(x: Float64Array, w: Float32Array, outDim: number, bias?: Float32Array): Float64Array {
  const inDim = x.length;
  if (w.length !== outDim * inDim) {
    throw new Error(`linear: weight has ${w.length} values, expected ${outDim}×${inDim}`);
  }
  if (bias && bias.length !== outDim) throw new Error(`linear: bias has ${bias.length} values, expected ${outDim}`);
  const y = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let acc = 0;
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) acc += w[row + i] * x[i];
    y[o] = bias ? acc + bias[o] : acc;
  }
  return y;
}

/** x · rsqrt(mean(x²) + eps) · w. */
export function rmsNorm(x: Float64Array, w: Float32Array, eps: number): Float64Array {
  if (w.length !== x.length) throw new Error(`rmsNorm: weight has ${w.length} values, expected ${x.length}`);
  let ss = 0;
  for (let j = 0; j < x.length; j++) ss += x[j] * x[j];
  const r = 1 / Math.sqrt(ss / x.length + eps);
  const y = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) y[j] = x[j] * r * w[j];
  return y;
}

/** inv_freq[i] = theta^(−2i/headDim), i < headDim/2. */
export function ropeInvFreq(headDim: number, theta: number): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  return inv;
}

/**
 * Rotate-half RoPE in place on `numHeads` consecutive heads of `headDim` values at position `pos`:
 * x·cos + [−x2, x1]·sin with cos/sin of pos·inv_freq (repeated over both halves).
 */
export function applyRope(x: Float64Array, numHeads: number, headDim: number, pos: number, invFreq: Float64Array): void {
  const half = headDim / 2;
  for (let i = 0; i < half; i++) {
    const f = pos * invFreq[i];
    const c = Math.cos(f);
    const s = Math.sin(f);
    for (let h = 0; h < numHeads; h++) {
      const base = h * headDim;
      const x1 = x[base + i];
      const x2 = x[base + i + half];
      x[base + i] = x1 * c - x2 * s;
      x[base + i + half] = x2 * c + x1 * s;
    }
  }
}

/** SiLU(g) ⊙ u. */
export function siluMul(g: Float64Array, u: Float64Array): Float64Array {
  const y = new Float64Array(g.length);
  for (let j = 0; j < g.length; j++) y[j] = (g[j] / (1 + Math.exp(-g[j]))) * u[j];
  return y;
}

/** a += b. */
export function addInPlace(a: Float64Array, b: Float64Array): void {
  for (let j = 0; j < a.length; j++) a[j] += b[j];
}
