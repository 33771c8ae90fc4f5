/**
 * Cases for every weight format's WGSL decode (kernels/weights/*.wgsl) through the real kernels that read weights —
 * matmul (three input modes, decode and prefill tilings), embed, matmul-t and matmul-steer — against their CPU twins
 * on the matrices the decode's CPU twin (weights/decode-cpu.ts) reads from the same GPU words. Random valid blocks
 * (testing/quant-blocks.ts). Segmented cases run one dispatch per row segment of a matrix whose segments differ in
 * format (Q4_K + Q6_K, Q8_0 + F32), as the engine does for fused and split matrices, against the whole-matrix twin.
 */
import { embedCount, embedCpu, embedParams, embedPipeline, embedWorkgroups } from '../../kernels/embed.ts';
import { matmulCount, matmulCpu, matmulParams, matmulPipeline, matmulTiling, matmulWorkgroups, type MatmulInput, type MatmulShape } from '../../kernels/matmul.ts';
import { matmulTCpu, matmulTParams, matmulTPipeline, matmulTWorkgroups } from '../../kernels/backward/matmul-t.ts';
import { matmulSteerCpu, matmulSteerPipeline, matmulSteerWorkgroups } from '../../kernels/matmul-steer.ts';
import { packMap, steerParams, type SteerSite } from '../../kernels/steer-residual.ts';
import { packedCount } from '../../kernels/backward/count.ts';
import { gpuLayout } from '../../kernels/weights-access.ts';
import { decodeGpuMatrix } from '../../kernels/weights/decode-cpu.ts';
import { WEIGHT_FORMATS, type WeightFormat } from '../../core/weight-format.ts';
import type { Rng } from '../../core/seeded-random.ts';
import type { HookMap } from '../../core/steer-map.ts';
import { ALL_FORMATS, randomBlocks } from '../../testing/quant-blocks.ts';
import { diff, filled, normals, SENTINEL } from './compare.ts';
import { dispatchOnce, readF32, type Buffers } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

interface Segment {
  format: WeightFormat;
  rows: number;
}

/** Random blocks of each segment in the GPU layout, and the whole matrix as the decode's twin reads it. */
function segmentedWeights(segments: Segment[], cols: number, rng: Rng, edge: boolean): { gpu: Uint32Array[]; cpu: Float32Array; firstRows: number[] } {
  const rows = segments.reduce((n, s) => n + s.rows, 0);
  const cpu = new Float32Array(rows * cols);
  const gpu: Uint32Array[] = [];
  const firstRows: number[] = [];
  let at = 0;
  for (const s of segments) {
    const bytes = randomBlocks(s.format, (s.rows * cols) / WEIGHT_FORMATS[s.format].blockWeights, rng, edge);
    // Float formats: scale the normals to about 1/√cols, as real weights (the block formats' sane scales are similar).
    if (WEIGHT_FORMATS[s.format].blockWeights === 1 && !edge) scaleFloats(bytes, s.format, 1 / Math.sqrt(cols));
    const words = gpuLayout(bytes, s.format, s.rows, cols);
    gpu.push(words);
    cpu.set(decodeGpuMatrix(s.format, words, s.rows, cols), at * cols);
    firstRows.push(at);
    at += s.rows;
  }
  return { gpu, cpu, firstRows };
}

function scaleFloats(bytes: Uint8Array, format: WeightFormat, k: number): void {
  if (format === 'F32') {
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    for (let i = 0; i < f.length; i++) f[i] *= k;
  } else if (format === 'BF16') {
    const u = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    const f = new Float32Array(1);
    const b = new Uint32Array(f.buffer);
    for (let i = 0; i < u.length; i++) {
      b[0] = u[i] << 16;
      f[0] *= k;
      u[i] = b[0] >>> 16; // truncation: any bf16 value is a valid weight
    }
  }
  // F16 normals stay (any f16 value is a valid weight; matmul tolerances are relative to the output's size).
}

const cols32 = (format: WeightFormat, min: number) => Math.max(min, WEIGHT_FORMATS[format].blockWeights);

interface MatmulQCase {
  input: MatmulInput;
  segments: Segment[];
  cols: number;
  tokens: number;
  hasBias: boolean;
  accumulate?: boolean;
}

function matmulCase(c: MatmulQCase): KernelCases[string] {
  return async (g, rng, b) => {
    const rows = c.segments.reduce((n, s) => n + s.rows, 0);
    const inStride = c.input === 'silu-mul' ? 2 * c.cols : c.cols;
    const shape: MatmulShape = { rows, cols: c.cols, inStride, outStride: rows + 1, inTokenOffset: 0, hasBias: c.hasBias, eps: 1e-5, accumulate: c.accumulate };
    const x = normals(rng, c.tokens * inStride, c.input === 'rmsnorm' ? 3 : 1.5);
    const gNorm = normals(rng, c.cols, 0.2, 1);
    const bias = normals(rng, rows, 0.5);
    const W = segmentedWeights(c.segments, c.cols, rng, false);
    const outLen = c.tokens * shape.outStride + 4;
    const y0 = filled(outLen);
    if (c.accumulate) for (let t = 0; t < c.tokens; t++) y0.set(normals(rng, rows), t * shape.outStride);
    const y = b.storage(y0, 'y');
    const dummy = b.storage(new Float32Array(4), 'dummy');
    const tiling = matmulTiling(c.tokens);
    for (let k = 0; k < c.segments.length; k++) {
      const seg = c.segments[k];
      const segShape = { ...shape, rows: seg.rows, rowOffset: W.firstRows[k] };
      const bufs = [b.uniform(matmulParams(segShape), 'params'), b.storage(x, 'x'), c.input === 'rmsnorm' ? b.storage(gNorm, 'g') : dummy, b.storage(W.gpu[k], 'W'), c.hasBias ? b.storage(bias, 'bias') : dummy, y, b.uniform(matmulCount(c.tokens), 'count')];
      await dispatchOnce(g, matmulPipeline(g.cache, c.input, seg.format, tiling), bufs, matmulWorkgroups(seg.rows, c.tokens, tiling), `matmul-${seg.format}`);
    }
    const gpu = await readF32(g, y, outLen);
    const cpu = matmulCpu(c.input, shape, x, c.input === 'rmsnorm' ? gNorm : null, W.cpu, c.hasBias ? bias : null, c.tokens, y0.subarray(0, c.tokens * shape.outStride));
    const want = filled(outLen);
    for (let t = 0; t < c.tokens; t++) for (let r = 0; r < rows; r++) want[t * shape.outStride + r] = cpu[t * shape.outStride + r];
    return { parts: { y: diff(gpu, want) }, info: { input: c.input, formats: c.segments.map((s) => `${s.format}×${s.rows}`).join('+'), cols: c.cols, tokens: c.tokens, sentinel: SENTINEL } };
  };
}

function embedCase(segments: Segment[], cols: number, ids: number[], edge: boolean): KernelCases[string] {
  return async (g, rng, b) => {
    const vocab = segments.reduce((n, s) => n + s.rows, 0);
    const W = segmentedWeights(segments, cols, rng, edge);
    const T = ids.length;
    const outLen = T * cols + 8;
    const x = b.storage(filled(outLen), 'x');
    for (let k = 0; k < segments.length; k++) {
      const bufs = [b.uniform(embedParams(cols, vocab, segments[k].rows, W.firstRows[k]), 'params'), b.storage(new Uint32Array(ids), 'ids'), b.storage(W.gpu[k], 'E'), x, b.uniform(embedCount(T), 'count')];
      await dispatchOnce(g, embedPipeline(g.cache, segments[k].format), bufs, embedWorkgroups(cols, T), 'embed');
    }
    const want = filled(outLen);
    want.set(embedCpu(ids.map((i) => Math.min(i, vocab - 1)), W.cpu, cols), 0); // ids past the vocabulary read its last row
    return { parts: { x: diff(await readF32(g, x, outLen), want) }, info: { formats: segments.map((s) => `${s.format}×${s.rows}`).join('+'), cols, tokens: T, edge } };
  };
}

function matmulTCase(segments: Segment[], cols: number, tokens: number): KernelCases[string] {
  return async (g, rng, b) => {
    const rows = segments.reduce((n, s) => n + s.rows, 0);
    const W = segmentedWeights(segments, cols, rng, false);
    const s = { rows, cols, inStride: rows + 3, outStride: cols + 2, accumulate: false };
    const dy = normals(rng, tokens * s.inStride);
    const len = tokens * s.outStride + 8;
    const dx = b.storage(filled(len), 'dx');
    for (let k = 0; k < segments.length; k++) {
      const params = matmulTParams({ ...s, rows: segments[k].rows, rowOffset: W.firstRows[k], accumulate: k > 0 });
      await dispatchOnce(g, matmulTPipeline(g.cache, segments[k].format), [b.uniform(params, 'params'), b.storage(dy, 'dy'), b.storage(W.gpu[k], 'W'), dx, b.uniform(packedCount(tokens, 1), 'count')], matmulTWorkgroups(cols, tokens), 'matmul-t');
    }
    const cpu = matmulTCpu(s, dy, W.cpu, tokens);
    const want = filled(len);
    for (let t = 0; t < tokens; t++) for (let c = 0; c < cols; c++) want[t * s.outStride + c] = cpu[t * s.outStride + c];
    return { parts: { dx: diff(await readF32(g, dx, len), want) }, info: { formats: segments.map((x) => `${x.format}×${x.rows}`).join('+'), rows, cols, tokens } };
  };
}

function matmulSteerCase(format: WeightFormat, dim: number, cols: number): KernelCases[string] {
  return async (g, rng, b: Buffers) => {
    const site: SteerSite = { dim, mode: 0, hasMap: true, hasGate: true, hasRange: false, record: false, slot: 1, nSlots: 3, recordSlot: 0, maxTokens: 1, lambda: 1.2 };
    const shape: MatmulShape = { rows: dim, cols, inStride: 2 * cols, outStride: dim, inTokenOffset: 0, hasBias: false, eps: 0 };
    const xin = normals(rng, 2 * cols);
    const y0 = normals(rng, dim);
    const map: HookMap = { w: normals(rng, dim, 0.5, 1), b: normals(rng, dim, 0.3), gate: { a: normals(rng, dim, 1.5 / Math.sqrt(dim)), c: 0.3 } };
    const packed = packMap(map, dim);
    const W = segmentedWeights([{ format, rows: dim }], cols, rng, false);
    const yInit = filled(dim + 4);
    yInit.set(y0);
    const y = b.storage(yInit, 'y');
    const strengths = b.storage(filled(3), 'strengths');
    const gproj = matmulTCpu({ rows: dim, cols, inStride: dim, outStride: cols, accumulate: false }, map.gate!.a, W.cpu, 1);
    const bufs = [b.uniform(matmulParams(shape), 'params'), b.storage(xin, 'x'), b.storage(W.gpu[0], 'W'), y, b.uniform(steerParams(site), 'steer'), b.storage(packed, 'map'), strengths, b.storage(gproj, 'gproj')];
    await dispatchOnce(g, matmulSteerPipeline(g.cache, 'silu-mul', format, true), bufs, matmulSteerWorkgroups(1), 'matmul-steer');
    const wantY = yInit.slice();
    const s = matmulSteerCpu('silu-mul', site, shape, xin, W.cpu, wantY, packed);
    const wantS = filled(3);
    wantS[1] = s;
    return { parts: { x: diff(await readF32(g, y, dim + 4), wantY), strengths: diff(await readF32(g, strengths, 3), wantS) }, info: { format, dim, cols } };
  };
}

export const quantMatmulCases: KernelCases = {};
export const quantEmbedCases: KernelCases = {};
export const quantMatmulTCases: KernelCases = {};
export const quantMatmulSteerCases: KernelCases = {};

for (const f of ALL_FORMATS) {
  const cols = cols32(f, 64);
  // Rows not a multiple of the 64-row tile; decode (1 token) and prefill (5 tokens) tilings; rows with an odd
  // number of blocks (padded to whole words) where the format has 32-weight blocks (96 columns = 3 blocks).
  const oddCols = WEIGHT_FORMATS[f].blockWeights === 32 ? 96 : WEIGHT_FORMATS[f].blockWeights === 1 ? 70 : 256;
  quantMatmulCases[`${f}-plain-decode`] = matmulCase({ input: 'plain', segments: [{ format: f, rows: 37 }], cols: oddCols, tokens: 1, hasBias: true });
  quantMatmulCases[`${f}-rmsnorm-prefill`] = matmulCase({ input: 'rmsnorm', segments: [{ format: f, rows: 150 }], cols, tokens: 5, hasBias: false });
  quantMatmulCases[`${f}-silu-mul-accumulate`] = matmulCase({ input: 'silu-mul', segments: [{ format: f, rows: 70 }], cols: 2 * cols, tokens: 3, hasBias: false, accumulate: true });
  quantEmbedCases[f] = embedCase([{ format: f, rows: 50 }], oddCols, [3, 0, 49, 3, 17, 60], false);
  quantEmbedCases[`${f}-edge-scales`] = embedCase([{ format: f, rows: 20 }], cols, [19, 0, 1, 7], true);
  quantMatmulTCases[f] = matmulTCase([{ format: f, rows: 45 }], cols, 9);
}
// Segments of different formats, as fused q/k/v and gate/up become (Q4_K_M: Q4_K q/k with Q6_K v; stories260K's
// Q8_0 files: F32 rows), and one format split in two (a matrix bigger than one binding).
const KQ: Segment[] = [{ format: 'Q4_K', rows: 40 }, { format: 'Q6_K', rows: 27 }];
const Q8F: Segment[] = [{ format: 'Q8_0', rows: 33 }, { format: 'F32', rows: 16 }, { format: 'Q8_0', rows: 5 }];
const SPLIT: Segment[] = [{ format: 'Q4_1', rows: 64 }, { format: 'Q4_1', rows: 61 }];
quantMatmulCases['segments-Q4_K-Q6_K-prefill'] = matmulCase({ input: 'rmsnorm', segments: KQ, cols: 256, tokens: 4, hasBias: true });
quantMatmulCases['segments-Q4_K-Q6_K-decode'] = matmulCase({ input: 'plain', segments: KQ, cols: 512, tokens: 1, hasBias: false, accumulate: true });
quantMatmulCases['segments-Q8_0-F32-prefill'] = matmulCase({ input: 'silu-mul', segments: Q8F, cols: 64, tokens: 6, hasBias: true });
quantMatmulCases['segments-split-Q4_1-decode'] = matmulCase({ input: 'rmsnorm', segments: SPLIT, cols: 64, tokens: 1, hasBias: false });
quantEmbedCases['segments-Q4_K-Q6_K'] = embedCase(KQ, 256, [0, 39, 40, 66, 70, 12], false);
quantEmbedCases['segments-split-Q4_1'] = embedCase(SPLIT, 64, [63, 64, 124, 0, 200], false);
quantMatmulTCases['segments-Q8_0-F32'] = matmulTCase(Q8F, 64, 11);
quantMatmulTCases['segments-Q4_K-Q6_K'] = matmulTCase(KQ, 256, 3);
for (const f of ['BF16', 'Q8_0', 'Q4_0', 'Q4_1'] as WeightFormat[]) quantMatmulSteerCases[f] = matmulSteerCase(f, 64, 64);
quantMatmulSteerCases.Q4_K = matmulSteerCase('Q4_K', 48, 256);
quantMatmulSteerCases.Q6_K = matmulSteerCase('Q6_K', 64, 256);
