/**
 * WGSL weight access shared by kernels that read model weights, and the GPU layout of weight matrices.
 *
 * Weights keep their file dtype on the GPU: f32, or f16 packed two per u32 (unpacked in the shader; works without
 * `shader-f16`). Either way a matrix W [rows, cols] is a grid of 32-bit words, `wordsPerRow(cols)` per row (f32: one
 * per column; f16: one per pair of columns, column 2p in the low half, 2p + 1 in the high half), and the GPU stores
 * that grid TRANSPOSED: word w of row r at w·rows + r. Threads that own consecutive rows then read consecutive
 * addresses at every step of their dot products: coalesced on GPUs, and on CPU implementations (SwiftShader) one
 * vector load instead of a per-lane gather.
 *
 * Kernels declare `var<storage, read> W: array<WSTORE>;` and read W[row, 2p..2p+1] with `weight2(p, row, rows)`.
 */
export type GpuWeightDType = 'f32' | 'f16';

export function withWeights(source: string, dtype: GpuWeightDType): string {
  const store = dtype === 'f32' ? 'f32' : 'u32';
  const fn =
    dtype === 'f32'
      ? 'fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> { return vec2<f32>(W[2u * p * rows + row], W[(2u * p + 1u) * rows + row]); }'
      : 'fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> { return unpack2x16float(W[p * rows + row]); }';
  return source.replaceAll('WSTORE', store) + '\n' + fn + '\n';
}

/** Bytes per weight on the GPU. */
export function bytesPerWeight(dtype: GpuWeightDType): number {
  return dtype === 'f32' ? 4 : 2;
}

/** 32-bit words per matrix row (f16 packs two columns per word; cols must then be even). */
export function wordsPerRow(cols: number, dtype: GpuWeightDType): number {
  if (dtype === 'f16' && cols % 2 !== 0) throw new Error(`f16 weights need an even column count, got ${cols}`);
  return dtype === 'f32' ? cols : cols / 2;
}

/**
 * Rows r0..r1 of a row-major [rows, words] grid of 32-bit words, transposed: out[w·n + (r − r0)] = src[r·words + w]
 * with n = r1 − r0. With the default range it is the whole matrix in the GPU layout.
 */
export function transposeWords(src: Uint32Array, rows: number, words: number, r0 = 0, r1 = rows): Uint32Array {
  const n = r1 - r0;
  const out = new Uint32Array(words * n);
  const BLOCK = 64; // rows per pass: their source words stay in cache while each output run is written
  for (let rb = r0; rb < r1; rb += BLOCK) {
    const re = Math.min(r1, rb + BLOCK);
    for (let w = 0; w < words; w++) {
      const o = w * n - r0;
      for (let r = rb; r < re; r++) out[o + r] = src[r * words + w];
    }
  }
  return out;
}
