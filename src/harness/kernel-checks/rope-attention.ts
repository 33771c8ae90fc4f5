/** Cases for rope-kv.wgsl and attention.wgsl (GQA, several tokens at pos0 > 0, a two-layer cache with layer 1 used). */
import { attentionChunks, attentionCpu, attentionParams, attentionPipeline, attentionScratchFloats, attentionStep, attentionWorkgroups } from '../../kernels/attention.ts';
import { ropeKvCpu, ropeKvParams, ropeKvPipeline, ropeKvWorkgroups, ropeTable, STEP, type AttentionShape } from '../../kernels/rope-kv.ts';
import { diff, filled, normals } from './compare.ts';
import { dispatchOnce, readF32 } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

interface ShapeCase {
  nHeads: number;
  nKv: number;
  headDim: number;
  maxPos: number;
  /** Layers in the cache; the case writes/reads the last one (layerOffset > 0 when > 1). */
  layers: number;
  pos0: number;
  tokens: number;
}

function shapeOf(c: ShapeCase): AttentionShape {
  const cacheBlock = c.nKv * c.maxPos * c.headDim;
  return {
    nHeads: c.nHeads,
    nKv: c.nKv,
    headDim: c.headDim,
    qkvStride: (c.nHeads + 2 * c.nKv) * c.headDim,
    maxPos: c.maxPos,
    layerOffset: (c.layers - 1) * cacheBlock,
  };
}

function info(c: ShapeCase, extra: Record<string, number> = {}): Record<string, number> {
  return { nHeads: c.nHeads, nKv: c.nKv, headDim: c.headDim, maxPos: c.maxPos, layers: c.layers, pos0: c.pos0, tokens: c.tokens, ...extra };
}

function ropeCase(c: ShapeCase & { theta: number }): KernelCases[string] {
  return async (g, rng, b) => {
    const s = shapeOf(c);
    const cacheLen = c.layers * c.nKv * c.maxPos * c.headDim;
    const qkv = normals(rng, c.tokens * s.qkvStride);
    // Caches start with random contents: everything the kernel must not write has to survive.
    const kCache = normals(rng, cacheLen);
    const vCache = normals(rng, cacheLen);
    const table = ropeTable(c.headDim, c.theta, c.maxPos);
    const qkvBuf = b.storage(qkv, 'qkv');
    const kBuf = b.storage(kCache, 'kCache');
    const vBuf = b.storage(vCache, 'vCache');
    const bufs = [b.uniform(STEP.pack({ tokens: c.tokens, pos0: c.pos0, chunks: 0 }), 'step'), b.uniform(ropeKvParams(s), 'params'), qkvBuf, b.storage(table, 'cosSin'), kBuf, vBuf];
    await dispatchOnce(g, ropeKvPipeline(g.cache), bufs, ropeKvWorkgroups(s, c.tokens), 'rope-kv');
    const gpuQkv = await readF32(g, qkvBuf, qkv.length);
    const gpuK = await readF32(g, kBuf, cacheLen);
    const gpuV = await readF32(g, vBuf, cacheLen);
    ropeKvCpu(s, qkv, table, kCache, vCache, c.pos0, c.tokens);
    return { parts: { qkv: diff(gpuQkv, qkv), kCache: diff(gpuK, kCache), vCache: diff(gpuV, vCache) }, info: info(c, { theta: c.theta }) };
  };
}

export const ropeKvCases: KernelCases = {
  hd16: ropeCase({ nHeads: 8, nKv: 2, headDim: 16, maxPos: 24, layers: 2, pos0: 5, tokens: 3, theta: 10000 }),
  hd64: ropeCase({ nHeads: 8, nKv: 2, headDim: 64, maxPos: 32, layers: 2, pos0: 9, tokens: 4, theta: 500000 }),
  'hd64-pos0-0': ropeCase({ nHeads: 8, nKv: 8, headDim: 64, maxPos: 8, layers: 1, pos0: 0, tokens: 2, theta: 10000 }),
  'hd128-far': ropeCase({ nHeads: 4, nKv: 1, headDim: 128, maxPos: 300, layers: 1, pos0: 290, tokens: 3, theta: 10000 }),
  // More tokens than one workgroup's 16.
  'hd8-many-tokens': ropeCase({ nHeads: 8, nKv: 4, headDim: 8, maxPos: 48, layers: 2, pos0: 3, tokens: 37, theta: 10000 }),
};

function attentionCase(c: ShapeCase & { qScale: number }): KernelCases[string] {
  return async (g, rng, b) => {
    const s = shapeOf(c);
    const cacheLen = c.layers * c.nKv * c.maxPos * c.headDim;
    const qkv = normals(rng, c.tokens * s.qkvStride, c.qScale);
    // Positions after pos0 + t hold random values too: a causal-mask error shows.
    const kCache = normals(rng, cacheLen);
    const vCache = normals(rng, cacheLen);
    const outStride = c.nHeads * c.headDim + 8;
    const outLen = c.tokens * outStride;
    const out = b.storage(filled(outLen), 'out');
    const chunks = attentionChunks(s, c.tokens, c.pos0);
    const part = b.storage(filled(attentionScratchFloats(s, c.tokens)), 'part');
    const bufs = [b.uniform(attentionStep(s, c.tokens, c.pos0), 'step'), b.uniform(attentionParams(s, outStride), 'params'), b.storage(qkv, 'qkv'), b.storage(kCache, 'kCache'), b.storage(vCache, 'vCache'), out, part];
    for (const pass of ['partial', 'combine'] as const) {
      const wg = attentionWorkgroups(s, c.tokens, chunks, pass);
      if (wg[0] > 0) await dispatchOnce(g, attentionPipeline(g.cache, c.headDim, pass), bufs, wg, `attention-${pass}`);
    }
    const gpu = await readF32(g, out, outLen);
    const cpu = attentionCpu(s, qkv, kCache, vCache, c.pos0, c.tokens, outStride);
    const want = filled(outLen);
    for (let t = 0; t < c.tokens; t++) want.set(cpu.subarray(t * outStride, t * outStride + c.nHeads * c.headDim), t * outStride);
    return { parts: { out: diff(gpu, want) }, info: info(c, { positions: c.pos0 + c.tokens, qScale: c.qScale, chunks }) };
  };
}

export const attentionCases: KernelCases = {
  // n = 71..73 positions: two 64-chunks, the second partial.
  hd64: attentionCase({ nHeads: 8, nKv: 2, headDim: 64, maxPos: 80, layers: 2, pos0: 70, tokens: 3, qScale: 1 }),
  // Peaky softmax (score std ≈ 8): the running max changes between chunks.
  'hd64-peaky': attentionCase({ nHeads: 8, nKv: 2, headDim: 64, maxPos: 140, layers: 1, pos0: 126, tokens: 4, qScale: 8 }),
  // n = 131, 132: three chunks; two values per thread (128 = 2·64).
  hd128: attentionCase({ nHeads: 8, nKv: 2, headDim: 128, maxPos: 136, layers: 2, pos0: 130, tokens: 2, qScale: 1 }),
  // n = 65, 66: the second chunk holds 1 or 2 positions; four values per thread (the largest head dim).
  hd256: attentionCase({ nHeads: 8, nKv: 2, headDim: 256, maxPos: 68, layers: 2, pos0: 64, tokens: 2, qScale: 1 }),
  // Prefill from position 0 (n = 1..5), plain multi-head.
  'hd64-prefill': attentionCase({ nHeads: 4, nKv: 4, headDim: 64, maxPos: 8, layers: 1, pos0: 0, tokens: 5, qScale: 1 }),
  // Multi-query (one KV head for four query heads), small head dim.
  'hd16-mqa': attentionCase({ nHeads: 4, nKv: 1, headDim: 16, maxPos: 110, layers: 2, pos0: 100, tokens: 3, qScale: 1 }),
  // Decode (one token) far into the cache: several position chunks, merged by the combine pass; peaky scores.
  'hd8-decode-chunks': attentionCase({ nHeads: 8, nKv: 4, headDim: 8, maxPos: 1100, layers: 2, pos0: 1090, tokens: 1, qScale: 6 }),
  // Prefill of 200 tokens from 100 with one head: two chunks of 150 positions, tokens whose causal range ends
  // inside the first chunk (so their second chunk is empty) and inside the second.
  'hd32-prefill-chunks': attentionCase({ nHeads: 1, nKv: 1, headDim: 32, maxPos: 310, layers: 1, pos0: 100, tokens: 200, qScale: 2 }),
};
