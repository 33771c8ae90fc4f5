/**
 * Cases for the LinEAS tape kernels (src/kernels/backward): transposed matmul, RMSNorm backward, packed RoPE (and its
 * inverse), packed causal GQA attention and its backward, SiLU·mul backward, the trainable map's forward, mean
 * pooling, and the map + gate + pooling backward. Each against its CPU twin on seeded random inputs.
 */
import { ropeTable } from '../../kernels/rope-kv.ts';
import { rowWords, transposeWords } from '../../kernels/weights-access.ts';
import { FLOAT_FORMAT, type GpuWeightDType } from './compare.ts';
import { attentionBackwardCpu, attentionBackwardPipeline, attentionBackwardWorkgroups, attentionPackedCpu, attentionPackedParams, attentionPackedPipeline, attentionPackedWorkgroups } from '../../kernels/backward/attention-packed.ts';
import { packBatch, packedCount } from '../../kernels/backward/count.ts';
import { mapBackwardCpu, mapBackwardParams, mapBackwardPasses, mapBackwardPipeline, mapBackwardWorkgroups, mapGradFloats, type MapBackSite } from '../../kernels/backward/map-backward.ts';
import { mapForwardCpu, mapForwardParams, mapForwardPasses, mapForwardPipeline, mapForwardWorkgroups, packTrainMap, type MapForwardSite } from '../../kernels/backward/map-forward.ts';
import { matmulTCpu, matmulTParams, matmulTPipeline, matmulTWorkgroups, type MatmulTShape } from '../../kernels/backward/matmul-t.ts';
import { meanPoolCpu, meanPoolParams, meanPoolPipeline, meanPoolWorkgroups, type PoolSite } from '../../kernels/backward/mean-pool.ts';
import { rmsnormBackwardCpu, rmsnormBackwardParams, rmsnormBackwardPipeline, rmsnormBackwardWorkgroups } from '../../kernels/backward/rmsnorm-backward.ts';
import { ropePackedCpu, ropePackedParams, ropePackedPipeline, ropePackedWorkgroups, type PackedHeads } from '../../kernels/backward/rope-packed.ts';
import { siluMulBackwardCpu, siluMulBackwardParams, siluMulBackwardPipeline, siluMulBackwardWorkgroups } from '../../kernels/backward/silu-mul-backward.ts';
import type { Rng } from '../../core/seeded-random.ts';
import { diff, filled, normals, packF16, roundF16 } from './compare.ts';
import { dispatchOnce, readF32 } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

function gpuWeights(w: Float32Array, rows: number, cols: number, dtype: GpuWeightDType): { gpu: Uint32Array; cpu: Float32Array } {
  const words = dtype === 'f32' ? new Uint32Array(w.buffer, w.byteOffset, w.length) : packF16(w);
  return { gpu: transposeWords(words, rows, rowWords(FLOAT_FORMAT[dtype], cols)), cpu: dtype === 'f32' ? w : roundF16(w) };
}

function matmulTCase(dtype: GpuWeightDType, rows: number, cols: number, tokens: number, accumulate: boolean): KernelCases[string] {
  return async (g, rng, b) => {
    const s: MatmulTShape = { rows, cols, inStride: rows + 3, outStride: cols + 2, accumulate };
    const W = gpuWeights(normals(rng, rows * cols, 1 / Math.sqrt(rows)), rows, cols, dtype);
    const dy = normals(rng, tokens * s.inStride);
    const len = tokens * s.outStride + 8;
    const init = accumulate ? normals(rng, len) : filled(len);
    const dx = b.storage(init, 'dx');
    await dispatchOnce(g, matmulTPipeline(g.cache, FLOAT_FORMAT[dtype]), [b.uniform(matmulTParams(s), 'params'), b.storage(dy, 'dy'), b.storage(W.gpu, 'W'), dx, b.uniform(packedCount(tokens, 1), 'count')], matmulTWorkgroups(cols, tokens), 'matmul-t');
    const gpu = await readF32(g, dx, len);
    const want = init.slice();
    const cpu = matmulTCpu(s, dy, W.cpu, tokens, accumulate ? init : undefined);
    // Only the cols of each token row are written; the padding keeps its values.
    for (let t = 0; t < tokens; t++) for (let c = 0; c < cols; c++) want[t * s.outStride + c] = cpu[t * s.outStride + c];
    return { parts: { dx: diff(gpu, want) }, info: { dtype, rows, cols, tokens, accumulate } };
  };
}

function rmsCase(dim: number, tokens: number): KernelCases[string] {
  return async (g, rng, b) => {
    const x = normals(rng, tokens * dim, 2);
    const w = normals(rng, dim, 0.3, 1);
    const dy = normals(rng, tokens * dim);
    const init = normals(rng, tokens * dim);
    const dx = b.storage(init, 'dx');
    const eps = 1e-5;
    await dispatchOnce(g, rmsnormBackwardPipeline(g.cache), [b.uniform(rmsnormBackwardParams(dim, eps), 'params'), b.storage(x, 'x'), b.storage(w, 'g'), b.storage(dy, 'dy'), dx, b.uniform(packedCount(tokens, 1), 'count')], rmsnormBackwardWorkgroups(tokens), 'rmsnorm-backward');
    return { parts: { dx: diff(await readF32(g, dx, init.length), rmsnormBackwardCpu(dim, eps, x, w, dy, init, tokens)) }, info: { dim, tokens } };
  };
}

const heads = (nHeads: number, nKv: number, headDim: number): PackedHeads => ({ nHeads, nKv, headDim, qkvStride: (nHeads + 2 * nKv) * headDim });

function ropeCase(s: PackedHeads, lengths: number[], sign: 1 | -1): KernelCases[string] {
  return async (g, rng, b) => {
    const batch = packBatch(lengths);
    const T = batch.tokens;
    const maxPos = Math.max(...lengths);
    const table = ropeTable(s.headDim, 10000, maxPos);
    const qkv0 = normals(rng, T * s.qkvStride);
    const qkv = b.storage(qkv0, 'qkv');
    const bufs = [b.uniform(ropePackedParams(s, sign), 'params'), qkv, b.storage(table, 'cosSin'), b.storage(batch.tok, 'tok'), b.uniform(packedCount(T, lengths.length), 'count')];
    await dispatchOnce(g, ropePackedPipeline(g.cache), bufs, ropePackedWorkgroups(s, T), 'rope-packed');
    const gpu = await readF32(g, qkv, qkv0.length);
    const want = qkv0.slice();
    ropePackedCpu(s, want, table, batch.tok, T, sign);
    // The inverse rotation undoes the forward one (up to rounding): the backward is the transpose of a rotation.
    const back = gpu.slice();
    ropePackedCpu(s, back, table, batch.tok, T, sign === 1 ? -1 : 1);
    return { parts: { qkv: diff(gpu, want), roundTrip: diff(back, qkv0) }, info: { ...s, tokens: T, sign } };
  };
}

function attentionCase(s: PackedHeads, lengths: number[], peaky = 1): KernelCases[string] {
  return async (g, rng, b) => {
    const batch = packBatch(lengths);
    const T = batch.tokens;
    const outStride = s.nHeads * s.headDim + 4;
    const qkv = normals(rng, T * s.qkvStride, peaky);
    const out = b.storage(filled(T * outStride), 'out');
    const lse = b.storage(filled(T * s.nHeads), 'lse');
    const bufs = [b.uniform(attentionPackedParams(s, outStride), 'params'), b.storage(qkv, 'qkv'), b.storage(batch.tok, 'tok'), out, lse, b.uniform(packedCount(T, lengths.length), 'count')];
    await dispatchOnce(g, attentionPackedPipeline(g.cache), bufs, attentionPackedWorkgroups(s, T), 'attention-packed');
    const want = attentionPackedCpu(s, qkv, batch.tok, T, outStride);
    const wantOut = filled(T * outStride);
    for (let t = 0; t < T; t++) for (let i = 0; i < s.nHeads * s.headDim; i++) wantOut[t * outStride + i] = want.out[t * outStride + i];
    return { parts: { out: diff(await readF32(g, out, T * outStride), wantOut), lse: diff(await readF32(g, lse, T * s.nHeads), want.lse) }, info: { ...s, tokens: T, prompts: lengths.length } };
  };
}

function attentionBackwardCase(s: PackedHeads, lengths: number[]): KernelCases[string] {
  return async (g, rng, b) => {
    const batch = packBatch(lengths);
    const T = batch.tokens;
    const outStride = s.nHeads * s.headDim;
    const qkv = normals(rng, T * s.qkvStride);
    const dOut = normals(rng, T * outStride);
    const { lse } = attentionPackedCpu(s, qkv, batch.tok, T, outStride);
    const dqkv = b.storage(filled(T * s.qkvStride), 'dqkv');
    const bufs = [b.uniform(attentionPackedParams(s, outStride), 'params'), b.storage(qkv, 'qkv'), b.storage(batch.tok, 'tok'), b.storage(dOut, 'dOut'), b.storage(lse, 'lse'), b.storage(filled(T * s.nHeads), 'delta'), dqkv, b.uniform(packedCount(T, lengths.length), 'count')];
    for (const pass of ['query', 'key'] as const) await dispatchOnce(g, attentionBackwardPipeline(g.cache, pass), bufs, attentionBackwardWorkgroups(s, T, pass), `attention-backward-${pass}`);
    return { parts: { dqkv: diff(await readF32(g, dqkv, T * s.qkvStride), attentionBackwardCpu(s, qkv, batch.tok, dOut, T, outStride)) }, info: { ...s, tokens: T, prompts: lengths.length } };
  };
}

function siluCase(inter: number, tokens: number): KernelCases[string] {
  return async (g, rng, b) => {
    const gu = normals(rng, tokens * 2 * inter, 2);
    const dact = normals(rng, tokens * inter);
    const dgu = b.storage(filled(tokens * 2 * inter), 'dgu');
    await dispatchOnce(g, siluMulBackwardPipeline(g.cache), [b.uniform(siluMulBackwardParams(inter), 'params'), b.storage(gu, 'gu'), b.storage(dact, 'dact'), dgu, b.uniform(packedCount(tokens, 1), 'count')], siluMulBackwardWorkgroups(inter, tokens), 'silu-mul-backward');
    return { parts: { dgu: diff(await readF32(g, dgu, tokens * 2 * inter), siluMulBackwardCpu(inter, gu, dact, tokens)) }, info: { inter, tokens } };
  };
}

function randomMap(rng: Rng, dim: number, gate: boolean): Float32Array {
  return packTrainMap({ w: normals(rng, dim, 0.3, 1), b: normals(rng, dim, 0.3), gate: gate ? { a: normals(rng, dim, 1.5 / Math.sqrt(dim)), c: 0.2 } : undefined }, dim);
}

const N_SLOTS = 3;

function mapForwardCase(mode: 0 | 1, hasMap: boolean, hasGate: boolean, dim: number, tokens: number): KernelCases[string] {
  return async (g, rng, b) => {
    const site: MapForwardSite = { dim, mode, hasMap, hasGate, slot: 1, nSlots: N_SLOTS };
    const z = normals(rng, tokens * dim);
    const x0 = normals(rng, tokens * dim);
    const packed = randomMap(rng, dim, hasGate);
    const x = b.storage(x0, 'x');
    const strengths = b.storage(filled(tokens * N_SLOTS), 'strengths');
    const bufs = [b.uniform(mapForwardParams(site), 'params'), b.storage(z, 'z'), x, b.storage(packed, 'map'), strengths, b.uniform(packedCount(tokens, 1), 'count')];
    for (const pass of mapForwardPasses(site)) await dispatchOnce(g, mapForwardPipeline(g.cache, pass), bufs, mapForwardWorkgroups(dim, tokens, pass), `map-forward-${pass}`);
    const wantX = x0.slice();
    const wantS = filled(tokens * N_SLOTS);
    mapForwardCpu(site, z, wantX, packed, wantS, tokens);
    const parts = { x: diff(await readF32(g, x, x0.length), wantX) };
    return { parts: hasGate ? { ...parts, strengths: diff(await readF32(g, strengths, wantS.length), wantS) } : parts, info: { mode, hasMap, hasGate, dim, tokens } };
  };
}

function gateValues(rng: Rng, tokens: number): Float32Array {
  const s = filled(tokens * N_SLOTS);
  for (let t = 0; t < tokens; t++) s[t * N_SLOTS + 1] = 0.1 + 0.8 * rng.uniform();
  return s;
}

function meanPoolCase(hasMap: boolean, hasGate: boolean, dim: number, lengths: number[]): KernelCases[string] {
  return async (g, rng, b) => {
    const batch = packBatch(lengths);
    const T = batch.tokens;
    const maxPrompts = lengths.length + 1;
    const site: PoolSite = { dim, hasMap, hasGate, slot: 1, nSlots: N_SLOTS, poolSlot: 1, maxPrompts };
    const z = normals(rng, T * dim);
    const packed = randomMap(rng, dim, hasGate);
    const strengths = gateValues(rng, T);
    const len = 2 * maxPrompts * dim;
    const pooled = b.storage(filled(len), 'pooled');
    const bufs = [b.uniform(meanPoolParams(site), 'params'), b.storage(z, 'z'), b.storage(packed, 'map'), b.storage(strengths, 'strengths'), b.storage(batch.prompts, 'prompts'), pooled, b.uniform(packedCount(T, lengths.length), 'count')];
    await dispatchOnce(g, meanPoolPipeline(g.cache), bufs, meanPoolWorkgroups(dim, lengths.length), 'mean-pool');
    const want = filled(len);
    meanPoolCpu(site, z, packed, strengths, batch.prompts, lengths.length, want);
    return { parts: { pooled: diff(await readF32(g, pooled, len), want) }, info: { hasMap, hasGate, dim, prompts: lengths.length } };
  };
}

function mapBackwardCase(hasMap: boolean, hasGate: boolean, hasPool: boolean, dim: number, lengths: number[]): KernelCases[string] {
  return async (g, rng, b) => {
    const batch = packBatch(lengths);
    const T = batch.tokens;
    const maxPrompts = lengths.length + 1;
    const gradsLen = 2 * mapGradFloats(dim);
    const site: MapBackSite = { dim, hasMap, hasGate, hasPool, slot: 1, nSlots: N_SLOTS, poolSlot: 1, maxPrompts, gradBase: mapGradFloats(dim), dlogitBase: gradsLen };
    const gin = normals(rng, T * dim);
    const z = normals(rng, T * dim);
    const packed = randomMap(rng, dim, hasGate);
    const strengths = gateValues(rng, T);
    const dpooled = normals(rng, 2 * maxPrompts * dim);
    const grads0 = normals(rng, gradsLen);
    const grads = b.storage(Float32Array.from([...grads0, ...filled(T)]), 'grads');
    const gout = b.storage(filled(T * dim), 'gout');
    const bufs = [b.uniform(mapBackwardParams(site), 'params'), b.storage(gin, 'gin'), b.storage(z, 'z'), b.storage(packed, 'map'), b.storage(strengths, 'strengths'), b.storage(batch.tok, 'tok'), b.storage(dpooled, 'dpooled'), gout, grads, b.uniform(packedCount(T, lengths.length), 'count')];
    for (const pass of mapBackwardPasses(site)) await dispatchOnce(g, mapBackwardPipeline(g.cache, pass), bufs, mapBackwardWorkgroups(dim, T, pass), `map-backward-${pass}`);
    const wantGrads = grads0.slice();
    const wantOut = mapBackwardCpu(site, gin, z, packed, strengths, batch.tok, dpooled, T, wantGrads);
    return { parts: { gout: diff(await readF32(g, gout, T * dim), wantOut), grads: diff(await readF32(g, grads, gradsLen), wantGrads) }, info: { hasMap, hasGate, hasPool, dim, tokens: T } };
  };
}

const LENGTHS = [5, 1, 9, 3];

export const backwardKernels: Record<string, KernelCases> = {
  'matmul-t': Object.fromEntries(
    (['f32', 'f16'] as const).flatMap((d) => [
      [`${d}`, matmulTCase(d, 70, 48, 5, false)],
      [`${d}-accumulate`, matmulTCase(d, 96, 64, 9, true)],
      [`${d}-wide`, matmulTCase(d, 33, 200, 2, false)],
      [`${d}-one-token`, matmulTCase(d, 64, 130, 1, true)],
    ]),
  ),
  'rmsnorm-backward': { small: rmsCase(70, 5), 'many-tokens': rmsCase(64, 70) },
  'rope-packed': {
    'forward-hd16': ropeCase(heads(4, 2, 16), LENGTHS, 1),
    'inverse-hd16': ropeCase(heads(4, 2, 16), LENGTHS, -1),
    'inverse-hd64-long': ropeCase(heads(3, 1, 64), [40, 2], -1),
  },
  'attention-packed': {
    'gqa-hd16': attentionCase(heads(4, 2, 16), LENGTHS),
    'mha-hd8-peaky': attentionCase(heads(4, 4, 8), LENGTHS, 3),
    'mqa-hd32-long': attentionCase(heads(3, 1, 32), [70, 2]),
  },
  'attention-backward': {
    'gqa-hd16': attentionBackwardCase(heads(4, 2, 16), LENGTHS),
    'mha-hd8': attentionBackwardCase(heads(4, 4, 8), LENGTHS),
    'mqa-hd32-long': attentionBackwardCase(heads(3, 1, 32), [70, 2]),
  },
  'silu-mul-backward': { small: siluCase(96, 5), wide: siluCase(200, 3) },
  'map-forward': {
    'mode0-map': mapForwardCase(0, true, false, 70, 5),
    'mode0-gate': mapForwardCase(0, true, true, 70, 70),
    'mode1-gate': mapForwardCase(1, true, true, 100, 3),
    'mode0-plain': mapForwardCase(0, false, false, 64, 4),
  },
  'mean-pool': {
    plain: meanPoolCase(false, false, 70, LENGTHS),
    map: meanPoolCase(true, false, 70, LENGTHS),
    gate: meanPoolCase(true, true, 130, LENGTHS),
  },
  'map-backward': {
    'pool-only': mapBackwardCase(false, false, true, 70, LENGTHS),
    map: mapBackwardCase(true, false, false, 70, LENGTHS),
    'map-pool': mapBackwardCase(true, false, true, 70, LENGTHS),
    'gate-pool': mapBackwardCase(true, true, true, 130, LENGTHS),
    'gate-many-tokens': mapBackwardCase(true, true, false, 64, [70, 30]),
  },
};
