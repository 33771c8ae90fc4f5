/** Cases for embed.wgsl and matmul.wgsl (f32 weights and f16 weights packed two per u32). */
import { embedCount, embedCpu, embedParams, embedPipeline, embedWorkgroups } from '../../kernels/embed.ts';
import { DECODE_SPLIT_TILING, matmulCount, matmulCpu, matmulParams, matmulPipeline, matmulTiling, matmulWorkgroups, type MatmulInput, type MatmulShape, type MatmulTiling } from '../../kernels/matmul.ts';
import { rowWords, transposeWords } from '../../kernels/weights-access.ts';
import { FLOAT_FORMAT, type GpuWeightDType } from './compare.ts';
import { diff, filled, normals, packF16, roundF16, SENTINEL } from './compare.ts';
import { dispatchOnce, readF32 } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

/** A row-major [rows, cols] matrix in the GPU layout (weights-access.ts), plus the values the CPU twin must use (f16-rounded for f16). */
function weights(w: Float32Array, rows: number, cols: number, dtype: GpuWeightDType): { gpu: Uint32Array; cpu: Float32Array } {
  const words = dtype === 'f32' ? new Uint32Array(w.buffer, w.byteOffset, w.length) : packF16(w);
  return { gpu: transposeWords(words, rows, rowWords(FLOAT_FORMAT[dtype], cols)), cpu: dtype === 'f32' ? w : roundF16(w) };
}

interface EmbedCase {
  dtype: GpuWeightDType;
  vocab: number;
  dim: number;
  ids: number[];
}

function embedCase(c: EmbedCase): KernelCases[string] {
  return async (g, rng, b) => {
    const { dim, vocab, ids, dtype } = c;
    const E = normals(rng, vocab * dim);
    // A few f16-subnormal and large values, so the f16 unpacking is exercised at the edges of the format.
    E[3] = 3e-6;
    E[dim + 1] = -4e-7;
    E[5] = 60000;
    const W = weights(E, vocab, dim, dtype);
    const T = ids.length;
    const tail = 8; // floats after the last token that must stay untouched
    const outLen = T * dim + tail;
    const x = b.storage(filled(outLen), 'x');
    const pipeline = embedPipeline(g.cache, FLOAT_FORMAT[dtype]);
    const bufs = [b.uniform(embedParams(dim, vocab), 'params'), b.storage(new Uint32Array(ids), 'ids'), b.storage(W.gpu, 'E'), x, b.uniform(embedCount(T), 'count')];
    await dispatchOnce(g, pipeline, bufs, embedWorkgroups(dim, T), 'embed');
    const gpu = await readF32(g, x, outLen);
    const want = filled(outLen);
    want.set(embedCpu(ids, W.cpu, dim), 0);
    return { parts: { x: diff(gpu, want) }, info: { dtype, vocab, dim, tokens: T } };
  };
}

export const embedCases: KernelCases = {
  f32: embedCase({ dtype: 'f32', vocab: 50, dim: 70, ids: [3, 0, 49, 3, 17] }),
  f16: embedCase({ dtype: 'f16', vocab: 50, dim: 70, ids: [3, 0, 49, 3, 17] }),
  'f32-wide': embedCase({ dtype: 'f32', vocab: 20, dim: 260, ids: [19, 0, 1, 7] }),
  'f16-wide': embedCase({ dtype: 'f16', vocab: 20, dim: 260, ids: [19, 0, 1, 7] }),
  // More tokens than one workgroup's 16.
  'f32-many-tokens': embedCase({ dtype: 'f32', vocab: 30, dim: 6, ids: Array.from({ length: 37 }, (_, i) => (i * 7) % 30) }),
  'f16-many-tokens': embedCase({ dtype: 'f16', vocab: 30, dim: 6, ids: Array.from({ length: 37 }, (_, i) => (i * 11) % 30) }),
};

interface MatmulCase {
  input: MatmulInput;
  dtype: GpuWeightDType;
  rows: number;
  cols: number;
  tokens: number;
  inTokenOffset: number;
  hasBias: boolean;
  /** Extra floats per token in the input beyond what the mode reads (inStride − cols or − 2·cols). */
  inPad: number;
  outPad: number;
  /** Default: the engine's tiling for this many tokens. */
  tiling?: MatmulTiling;
  accumulate?: boolean;
}

function matmulCase(c: MatmulCase): KernelCases[string] {
  return async (g, rng, b) => {
    const shape: MatmulShape = {
      rows: c.rows,
      cols: c.cols,
      inStride: (c.input === 'silu-mul' ? 2 * c.cols : c.cols) + c.inPad,
      outStride: c.rows + c.outPad,
      inTokenOffset: c.inTokenOffset,
      hasBias: c.hasBias,
      eps: 1e-5,
      accumulate: c.accumulate,
    };
    const inTokens = c.tokens + c.inTokenOffset;
    const x = normals(rng, inTokens * shape.inStride, c.input === 'rmsnorm' ? 3 : 1.5, c.input === 'rmsnorm' ? 0.5 : 0);
    const gNorm = normals(rng, c.cols, 0.2, 1);
    const W = weights(normals(rng, c.rows * c.cols, 1 / Math.sqrt(c.cols)), c.rows, c.cols, c.dtype);
    const bias = normals(rng, c.rows, 0.5);
    const outLen = c.tokens * shape.outStride + 4;
    // accumulate: y starts random where the outputs go (sentinel elsewhere).
    const y0 = filled(outLen);
    if (c.accumulate) for (let t = 0; t < c.tokens; t++) y0.set(normals(rng, c.rows), t * shape.outStride);
    const y = b.storage(y0, 'y');
    const dummy = b.storage(new Float32Array(4), 'dummy');
    const tiling = c.tiling ?? matmulTiling(c.tokens);
    const pipeline = matmulPipeline(g.cache, c.input, FLOAT_FORMAT[c.dtype], tiling);
    const bufs = [
      b.uniform(matmulParams(shape), 'params'),
      b.storage(x, 'x'),
      c.input === 'rmsnorm' ? b.storage(gNorm, 'g') : dummy,
      b.storage(W.gpu, 'W'),
      c.hasBias ? b.storage(bias, 'bias') : dummy,
      y,
      b.uniform(matmulCount(c.tokens), 'count'),
    ];
    await dispatchOnce(g, pipeline, bufs, matmulWorkgroups(c.rows, c.tokens, tiling), `matmul-${c.input}-${c.dtype}`);
    const gpu = await readF32(g, y, outLen);
    const cpu = matmulCpu(c.input, shape, x, c.input === 'rmsnorm' ? gNorm : null, W.cpu, c.hasBias ? bias : null, c.tokens, y0.subarray(0, c.tokens * shape.outStride));
    const want = filled(outLen);
    for (let t = 0; t < c.tokens; t++) for (let r = 0; r < c.rows; r++) want[t * shape.outStride + r] = cpu[t * shape.outStride + r];
    return {
      parts: { y: diff(gpu, want) },
      info: { input: c.input, dtype: c.dtype, rows: c.rows, cols: c.cols, tokens: c.tokens, inTokenOffset: c.inTokenOffset, hasBias: c.hasBias, sentinel: SENTINEL, tiling: JSON.stringify(tiling), accumulate: Boolean(c.accumulate) },
    };
  };
}

export const matmulCases: KernelCases = {};
for (const input of ['plain', 'rmsnorm', 'silu-mul'] as MatmulInput[]) {
  for (const dtype of ['f32', 'f16'] as GpuWeightDType[]) {
    // 37 rows (not a multiple of 4), 70 cols (35 pairs: odd), 3 tokens read from token 1 on, bias, padded strides.
    matmulCases[`${input}-${dtype}`] = matmulCase({ input, dtype, rows: 37, cols: 70, tokens: 3, inTokenOffset: 1, hasBias: true, inPad: 2, outPad: 3 });
    // 300 cols: 150 pairs, so every thread loops over several pairs; no bias; the LM-head shape (one token, offset T−1).
    matmulCases[`${input}-${dtype}-wide`] = matmulCase({ input, dtype, rows: 50, cols: 300, tokens: 2, inTokenOffset: 0, hasBias: false, inPad: 0, outPad: 0 });
    matmulCases[`${input}-${dtype}-last-token`] = matmulCase({ input, dtype, rows: 9, cols: 130, tokens: 1, inTokenOffset: 4, hasBias: false, inPad: 0, outPad: 0 });
    // Several workgroup tiles with partial edges: 150 rows (64-row tiles), 37 tokens (16-token prefill tiles).
    matmulCases[`${input}-${dtype}-tiles`] = matmulCase({ input, dtype, rows: 150, cols: 70, tokens: 37, inTokenOffset: 2, hasBias: true, inPad: 2, outPad: 1 });
    // One token over several row tiles (the decode tiling), LM-head style offset.
    matmulCases[`${input}-${dtype}-decode-tiles`] = matmulCase({ input, dtype, rows: 150, cols: 64, tokens: 1, inTokenOffset: 3, hasBias: true, inPad: 0, outPad: 0 });
    // The fused residual add (y += W·in), prefill and decode tilings.
    matmulCases[`${input}-${dtype}-accumulate`] = matmulCase({ input, dtype, rows: 70, cols: 36, tokens: 20, inTokenOffset: 0, hasBias: true, inPad: 0, outPad: 2, accumulate: true });
    matmulCases[`${input}-${dtype}-accumulate-decode`] = matmulCase({ input, dtype, rows: 70, cols: 36, tokens: 1, inTokenOffset: 0, hasBias: false, inPad: 0, outPad: 0, accumulate: true });
    // The split-K decode tiling of GPUs: 150 column pairs in 4 ranges (the last shorter), 3 pairs (the last range
    // empty), with bias and accumulate.
    matmulCases[`${input}-${dtype}-split-k`] = matmulCase({ input, dtype, rows: 100, cols: 300, tokens: 1, inTokenOffset: 1, hasBias: true, inPad: 0, outPad: 0, tiling: DECODE_SPLIT_TILING });
    matmulCases[`${input}-${dtype}-split-k-short`] = matmulCase({ input, dtype, rows: 70, cols: 6, tokens: 1, inTokenOffset: 0, hasBias: false, inPad: 0, outPad: 0, tiling: DECODE_SPLIT_TILING, accumulate: true });
  }
}
