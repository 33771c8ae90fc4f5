/**
 * WGSL weight access shared by kernels that read model weights. Weights keep their file dtype on the GPU:
 * f32 as array<vec2<f32>>, f16 packed two per u32 (unpacked in the shader; works without `shader-f16`).
 * Kernels declare `var<storage, read> W: array<WSTORE>;` and read pairs with `weight2(pairIndex)`.
 */
export type GpuWeightDType = 'f32' | 'f16';

export function withWeights(source: string, dtype: GpuWeightDType): string {
  const store = dtype === 'f32' ? 'vec2<f32>' : 'u32';
  const fn =
    dtype === 'f32'
      ? 'fn weight2(i: u32) -> vec2<f32> { return W[i]; }'
      : 'fn weight2(i: u32) -> vec2<f32> { return unpack2x16float(W[i]); }';
  return source.replaceAll('WSTORE', store) + '\n' + fn + '\n';
}

/** Bytes per weight on the GPU. */
export function bytesPerWeight(dtype: GpuWeightDType): number {
  return dtype === 'f32' ? 4 : 2;
}
