import { describe, expect, it } from 'vitest';
import { CATALOG, catalogSpec, findCatalogModel } from '../catalog.ts';
import { parseModelConfig } from '../config.ts';
import { bytesInWords, checkFit, estimateGpuMemory, estimateGpuMemoryFor, memoryBudget } from './memory-estimate.ts';
import type { ModelSpec } from '../spec.ts';

const tiny: ModelSpec = {
  modelType: 'llama', hiddenSize: 8, intermediateSize: 16, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 4, vocabSize: 32,
  maxPositions: 64, rmsNormEps: 1e-5, ropeTheta: 10000, tiedEmbeddings: true, qkvBias: false, bosTokenId: 1, eosTokenIds: [2],
};

describe('estimateGpuMemory', () => {
  it('a tiny f32 model, computed by hand', () => {
    const e = estimateGpuMemory(tiny, 'F32');
    expect(e.gpuDType).toBe('f32');
    expect(e.contextLength).toBe(64); // min(max_position_embeddings, 2048)
    // embed 32·8·4 = 1024, final norm 32; per layer: norms 64, qkv (8+4+4)·8·4 = 512, o 256, gate_up 1024, down 512 = 2368.
    expect(e.weightBytes).toBe(1024 + 32 + 2 * 2368);
    // K and V: 2 layers · 1 kv head · 64 positions · 4 dims · 4 bytes = 2048 each.
    expect(e.kvBytes).toBe(4096);
    // Chunk: per token (max(16, 2·16) + 8 + 2·8 + 1)·4 = 228 bytes; 128·228 > (5792 + 4096)/8 = 1236 → halved down to
    // the 16-token minimum.
    expect(e.maxChunk).toBe(16);
    // Layout: act max(16·32, 32)·4 = 2048; z/attention part 16·8·4 = 512 (64 positions: one attention chunk, no
    // partials); ids 64; x 512; attention output 16·8·4 = 512; rope 64·4·4 = 1024; penalty ids 256 → 4928.
    // Fixed: step 16, result 16, dummies 32, lm head 48 + count 16, argmax 16, penalty 16, sample 32 → 192.
    // Gate values 16·4 = 64, token staging 16 + 64 = 80, embed uniform 16, 2 layers · (rope, attention 2 · 32 + 4
    // matmul uniforms · 48) = 512 → 672.
    expect(e.scratchBytes).toBe(4928 + 192 + 672);
    expect(e.totalBytes).toBe(5792 + 4096 + 5792);
    expect(e.largest).toEqual({ label: 'KV cache (K or V)', bytes: 2048 });
    // 6 hooks: maps (5·8 + 4)·4 = 176 + uniform 48 each = 1344; recorded 6·16·8·4 = 3072; gate values 16·6·4 = 384
    // instead of 64: +320; token staging 16 + 384 = 400 instead of 80: +320.
    expect(e.steeringBytes).toBe(1344 + 3072 + 320 + 320);
    expect(e.params).toBe(32 * 8 + 8 + 2 * (16 + 16 * 8 + 8 * 8 + 3 * 16 * 8));
  });

  it('128-token chunks over a 512-position context: attention partials size the shared z buffer, computed by hand', () => {
    const e = estimateGpuMemory({ ...tiny, maxPositions: 512 }, 'F32', { maxChunk: 128 });
    expect(e.maxChunk).toBe(128);
    // K and V: 2 · 1 · 512 · 4 · 4 = 16384 each.
    expect(e.kvBytes).toBe(32768);
    // act max(128·32, 32)·4 = 16384; attention at t tokens ending at position 512: min(⌈512/256⌉, ⌈1024/(2t)⌉) = 2
    // chunks for every t ≤ 128, so partials t·2 heads·2 chunks·(4 + 2) floats, 3072 at t = 128 (< the cap
    // (128·2 + 1024)·6 = 7680): z/part max(128·8, 3072)·4 = 12288; ids 512; x 4096; attention output 4096;
    // rope 512·4·4 = 8192; penalty ids 2048 → 47616. Fixed 192. Gate values 512, token staging 528, embed 16,
    // layer uniforms 512 → 1568.
    expect(e.scratchBytes).toBe(47616 + 192 + 1568);
    expect(e.totalBytes).toBe(5792 + 32768 + 49376);
    // The act buffer ties the KV buffers at 16384; the first seen (KV) is named.
    expect(e.largest).toEqual({ label: 'KV cache (K or V)', bytes: 16384 });
  });

  it('f16 and BF16 files stay 2 bytes a weight', () => {
    const f16 = estimateGpuMemory(tiny, 'F16');
    const bf16 = estimateGpuMemory(tiny, 'BF16');
    expect(f16.gpuDType).toBe('f16');
    expect(bf16.gpuDType).toBe('bf16');
    // embed 512, norm 32; per layer norms 64, qkv 256, o 128, gate_up 512, down 256 = 1216.
    expect(f16.weightBytes).toBe(512 + 32 + 2 * 1216);
    expect(bf16.weightBytes).toBe(f16.weightBytes);
  });

  it('per-tensor formats: a Q4_K_M-style mix, computed by hand, and segments from a small binding', () => {
    const wide = { ...tiny, hiddenSize: 256, intermediateSize: 256, numHeads: 4, numKvHeads: 2, headDim: 64 };
    const q4km = (n: string) => (/v_proj|down_proj|embed/.test(n) ? 'Q6_K' : 'Q4_K') as 'Q4_K' | 'Q6_K';
    const e = estimateGpuMemoryFor(wide, q4km);
    expect(e.gpuDType).toBe('Q4_K+Q6_K');
    // Rows of 256 weights: Q4_K 144 bytes, Q6_K 210 padded to whole words, 212. embed 32 rows Q6_K = 6784; norm 1024;
    // per layer: norms 2048, qkv (256 + 128) Q4_K rows + 128 Q6_K rows = 55296 + 27136, o 256·144 = 36864,
    // gate_up 512·144 = 73728, down 256·212 = 54272 → 249344.
    expect(e.weightBytes).toBe(6784 + 1024 + 2 * 249344);
    // qkv is two segments: one more matmul uniform (48 bytes) a layer than one format would have.
    expect(e.scratchBytes - estimateGpuMemory(wide, 'Q4_K').scratchBytes).toBe(2 * 48);
    // With a 16 KiB binding every big matrix splits: gate_up (73728 bytes) into 5 segments of ≤ 16384.
    const split = estimateGpuMemoryFor(wide, q4km, { maxBinding: 16384 });
    // Per layer: qkv 4 (Q4_K) + 2 (Q6_K) segments, o 3, gate_up 5, down 4 instead of 2 + 1 + 1 + 1: 13 more uniforms.
    expect(split.scratchBytes - e.scratchBytes).toBe(2 * 13 * 48);
    expect(split.weightBytes).toBeGreaterThanOrEqual(e.weightBytes);
  });

  it('untied heads and qkv biases add their buffers; the context follows maxContext', () => {
    const e = estimateGpuMemory({ ...tiny, tiedEmbeddings: false, qkvBias: true }, 'F32', { maxContext: 32 });
    // + lm_head 1024, + a (16 floats) bias per layer = 64 bytes each.
    expect(e.weightBytes).toBe(5792 + 1024 + 2 * 64);
    expect(e.contextLength).toBe(32);
    expect(e.kvBytes).toBe(2048);
  });

  it('SmolLM2-135M with f16 weights, computed by hand', () => {
    const spec = parseModelConfig(CATALOG[0].config);
    const e = estimateGpuMemory(spec, 'F16');
    // embed 49152·576·2 = 56,623,104; norm 2304; per layer: norms 4608, qkv 960·576·2 = 1,105,920, o 663,552,
    // gate_up 3072·576·2 = 3,538,944, down 1,769,472 → 7,082,496 · 30 layers.
    expect(e.weightBytes).toBe(56_623_104 + 2304 + 30 * 7_082_496);
    // 30 layers · 3 kv heads · 2048 positions · 64 dims · 4 bytes, for K and for V.
    expect(e.kvBytes).toBe(2 * 47_185_920);
    // Weight matrices split to fit a binding: the largest buffer that cannot is one of the KV caches.
    expect(e.largest).toEqual({ label: 'KV cache (K or V)', bytes: 47_185_920 });
    expect(estimateGpuMemory(spec, 'F16', { maxBinding: 2 ** 30 }).largest).toEqual({ label: 'embed_tokens', bytes: 56_623_104 });
    expect(e.params).toBe(134_515_008);
  });
});

describe('checkFit', () => {
  const swiftshader = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };
  it('a matrix larger than one binding fits in segments; a KV cache larger than one refuses, in words', () => {
    const qwen = findCatalogModel('Qwen/Qwen2.5-0.5B-Instruct')!;
    const limits = { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 };
    const e = estimateGpuMemory(catalogSpec(qwen), qwen.fileDType, { maxBinding: limits.maxStorageBufferBindingSize });
    // BF16 embedding 151936 · 896 · 2 bytes = 272,269,312 (260 MiB): three segments of 50645 rows.
    expect(e.largest.bytes).toBeLessThanOrEqual(2 ** 27);
    expect(checkFit(qwen.name, e, limits, 4 * 2 ** 30)).toEqual({ fits: true });
    const long = estimateGpuMemory(catalogSpec(qwen), qwen.fileDType, { maxContext: 32768, maxBinding: limits.maxStorageBufferBindingSize });
    expect(checkFit(qwen.name, long, limits, 16 * 2 ** 30)).toMatchObject({ fits: false, hard: true, reason: expect.stringMatching(/in one buffer \(KV cache \(K or V\)\); this GPU allows 128 MB per binding/) });
    expect(checkFit(qwen.name, e, swiftshader, 4 * 2 ** 30)).toEqual({ fits: true });
  });

  it('names the buffer limit when it is the smaller one', () => {
    const e = estimateGpuMemory(tiny, 'F32');
    const v = checkFit('tiny', e, { maxBufferSize: 1024, maxStorageBufferBindingSize: 2 ** 20 }, 2 ** 30);
    expect(v).toMatchObject({ fits: false, hard: true, reason: 'tiny needs 2.0 KB in one buffer (KV cache (K or V)); this GPU allows 1.0 KB per buffer.' });
  });

  it('refuses, softly, a model over the total budget', () => {
    const tl = findCatalogModel('tinyllama/TinyLlama-1.1B-Chat-v1.0@main')!;
    // As f32 (its BF16 file stays 2 bytes a weight, about 2.3 GB in all).
    const e = estimateGpuMemory(catalogSpec(tl), 'F32');
    expect(e.totalBytes).toBeGreaterThan(4 * 2 ** 30);
    const v = checkFit(tl.name, e, swiftshader, memoryBudget(16));
    expect(v).toMatchObject({ fits: false, hard: false });
    if (!v.fits) expect(v.reason).toMatch(/^TinyLlama-1\.1B-Chat needs 4\.\d GB of GPU memory in all; this page budgets 4\.0 GB/);
  });

  it('budget: half the device memory, 1 to 4 GiB, 2 GiB when unknown', () => {
    expect(memoryBudget(8)).toBe(4 * 2 ** 30);
    expect(memoryBudget(32)).toBe(4 * 2 ** 30);
    expect(memoryBudget(4)).toBe(2 * 2 ** 30);
    expect(memoryBudget(undefined)).toBe(2 * 2 ** 30);
    expect(memoryBudget(0.5)).toBe(2 ** 30);
  });

  it('bytes in words', () => {
    expect(bytesInWords(512)).toBe('512 B');
    expect(bytesInWords(2 ** 27)).toBe('128 MB');
    expect(bytesInWords(1.5 * 2 ** 30)).toBe('1.5 GB');
  });
});

describe('catalog', () => {
  it('every entry parses, and its download is about 2 bytes a parameter (BF16)', () => {
    for (const m of CATALOG) {
      const e = estimateGpuMemory(catalogSpec(m), m.fileDType);
      expect(m.downloadBytes / (2 * e.params)).toBeGreaterThan(0.99);
      expect(m.downloadBytes / (2 * e.params)).toBeLessThan(1.03);
    }
  });
});
