/**
 * The GPU layout of weight matrices and the WGSL weight access shared by every kernel that reads model weights
 * (matmul, matmul-steer, embed, the LM head, matmul-t and the gate projection).
 *
 * Weights keep their file format on the GPU (core/weight-format.ts): F32, F16, BF16 and ggml's block formats Q8_0,
 * Q4_0, Q4_1, Q4_K, Q6_K, decoded inside the kernels. Layout, the same for every format: a matrix W [rows, cols] is
 * its rows' file bytes, each row read as little-endian 32-bit words (`rowWords`: the row's bytes rounded up to a
 * whole word; only a row of an odd number of Q4_0 / Q8_0 / Q6_K blocks needs the 2 padding bytes), and that word grid
 * is stored TRANSPOSED: word w of row r at W[w·rows + r]. So the GPU holds the file's bytes (plus at most 2 a row),
 * and threads that own consecutive rows read consecutive addresses at every step of their dot products (coalesced on
 * GPUs; one vector load per 4 lanes on CPU implementations such as SwiftShader).
 *
 * Why not repack blocks at load (e.g. scales and quants in separate planes, aligned)? Decoding straight from the
 * file's bytes keeps the loader a plain byte transposition for every format and the memory equal to the file; every
 * field the decoders read is 16-bit aligned in its row (ggml's blocks are 2-byte multiples), so a column pair costs
 * two or three word loads (scale word, quant word, K-quant scale bytes), which the row-parallel layout keeps
 * coalesced. Each format's decode is one WGSL file in ./weights (with a CPU twin in weights/decode-cpu.ts).
 *
 * Kernels declare `var<storage, read> W: array<u32>;` and read W[row, 2p..2p+1] with `weight2(p, row, rows)`, where
 * `rows` is the row count of the matrix (segment) bound as W.
 */
import common from './weights/common.wgsl?raw';
import f32 from './weights/f32.wgsl?raw';
import f16 from './weights/f16.wgsl?raw';
import bf16 from './weights/bf16.wgsl?raw';
import q8_0 from './weights/q8_0.wgsl?raw';
import q4_0 from './weights/q4_0.wgsl?raw';
import q4_1 from './weights/q4_1.wgsl?raw';
import q4_k from './weights/q4_k.wgsl?raw';
import q6_k from './weights/q6_k.wgsl?raw';
import { rowBytes, type WeightFormat } from '../core/weight-format.ts';

export type { WeightFormat };

const DECODE: Record<WeightFormat, string> = { F32: f32, F16: f16, BF16: bf16, Q8_0: q8_0, Q4_0: q4_0, Q4_1: q4_1, Q4_K: q4_k, Q6_K: q6_k };

/** The kernel source with the weight access of `format` (weight2 and its byte helpers) appended. */
export function withWeights(source: string, format: WeightFormat): string {
  return `${source}\n${common}\n${DECODE[format]}\n`;
}

/** 32-bit words of one row in the GPU layout (cols must be even: kernels read column pairs). */
export function rowWords(format: WeightFormat, cols: number): number {
  if (cols % 2 !== 0) throw new Error(`weight rows need an even column count, got ${cols}`);
  return Math.ceil(rowBytes(format, cols) / 4);
}

/** Bytes a [rows, cols] matrix (or segment) holds on the GPU. */
export function matrixBytes(format: WeightFormat, rows: number, cols: number): number {
  return rows * rowWords(format, cols) * 4;
}

/**
 * Rows of file bytes (row-major, `rowBytes(format, cols)` each) as the row-major word grid of the GPU layout: a view
 * when rows are whole words and the bytes 4-aligned, else a copy with each row padded to whole words.
 */
export function toWordRows(bytes: Uint8Array, format: WeightFormat, rows: number, cols: number): Uint32Array {
  const rb = rowBytes(format, cols);
  if (bytes.byteLength !== rows * rb) throw new Error(`${format} [${rows}, ${cols}]: ${bytes.byteLength} bytes, expected ${rows * rb}`);
  const words = rowWords(format, cols);
  if (words * 4 === rb && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, rows * words);
  const out = new Uint8Array(rows * words * 4);
  if (words * 4 === rb) out.set(bytes);
  else for (let r = 0; r < rows; r++) out.set(bytes.subarray(r * rb, (r + 1) * rb), r * words * 4);
  return new Uint32Array(out.buffer);
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

/** A whole matrix of file bytes in the GPU layout (tests and one-off uploads; the loader streams slabs). */
export function gpuLayout(bytes: Uint8Array, format: WeightFormat, rows: number, cols: number): Uint32Array {
  return transposeWords(toWordRows(bytes, format, rows, cols), rows, rowWords(format, cols));
}

/** Rows firstRow..firstRow + rows of a matrix, in one buffer of one format. */
export interface WeightSegment {
  buffer: GPUBuffer;
  format: WeightFormat;
  firstRow: number;
  rows: number;
}

/**
 * A weight matrix on the GPU: row segments, each its own buffer and format (a fused matrix whose parts differ in
 * format — Q4_K q/k with Q6_K v — or a matrix larger than one storage binding). Kernels run once per segment, each
 * writing (or, for matmul-t, adding) its rows' share of the output.
 */
export interface GpuMatrix {
  label: string;
  rows: number;
  cols: number;
  segments: WeightSegment[];
}
