import { describe, expect, it } from 'vitest';
import { CATALOG, catalogSpec, findCatalogModel } from '../catalog.ts';
import { parseModelConfig } from '../config.ts';
import { bytesInWords, checkFit, estimateGpuMemory, memoryBudget } from './memory-estimate.ts';
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
    // Fixed: step 16, result 16, dummies 32, lm head 32 + count 16, argmax 16, penalty 16, sample 32 → 176.
    // Gate values 16·4 = 64, token staging 16 + 64 = 80, embed uniform 16, 2 layers · 6 uniforms · 32 = 384 → 544.
    expect(e.scratchBytes).toBe(4928 + 176 + 544);
    expect(e.totalBytes).toBe(5792 + 4096 + 5648);
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
    // rope 512·4·4 = 8192; penalty ids 2048 → 47616. Fixed 176. Gate values 512, token staging 528, embed 16,
    // layer uniforms 384 → 1440.
    expect(e.scratchBytes).toBe(47616 + 176 + 1440);
    expect(e.totalBytes).toBe(5792 + 32768 + 49232);
    // The act buffer ties the KV buffers at 16384; the first seen (KV) is named.
    expect(e.largest).toEqual({ label: 'KV cache (K or V)', bytes: 16384 });
  });

  it('f16 files stay 2 bytes a weight; BF16 files become f32 (4 bytes)', () => {
    const f16 = estimateGpuMemory(tiny, 'F16');
    const bf16 = estimateGpuMemory(tiny, 'BF16');
    expect(f16.gpuDType).toBe('f16');
    expect(bf16.gpuDType).toBe('f32');
    // embed 512, norm 32; per layer norms 64, qkv 256, o 128, gate_up 512, down 256 = 1216.
    expect(f16.weightBytes).toBe(512 + 32 + 2 * 1216);
    expect(bf16.weightBytes).toBe(estimateGpuMemory(tiny, 'F32').weightBytes);
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
    expect(e.largest).toEqual({ label: 'embed_tokens', bytes: 56_623_104 });
    expect(e.params).toBe(134_515_008);
  });
});

describe('checkFit', () => {
  const swiftshader = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };
  it('refuses a tensor larger than one binding, in words', () => {
    const qwen = findCatalogModel('Qwen/Qwen2.5-0.5B-Instruct')!;
    const e = estimateGpuMemory(catalogSpec(qwen), qwen.fileDType);
    // BF16 → f32: 151936 · 896 · 4 bytes = 544,538,624 = 519 MiB.
    expect(e.largest).toEqual({ label: 'embed_tokens', bytes: 544_538_624 });
    const v = checkFit(qwen.name, e, { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }, 4 * 2 ** 30);
    expect(v).toEqual({ fits: false, hard: true, reason: 'Qwen2.5-0.5B-Instruct needs 519 MB in one buffer (embed_tokens); this GPU allows 128 MB per binding.' });
    expect(checkFit(qwen.name, e, swiftshader, 4 * 2 ** 30)).toEqual({ fits: true });
  });

  it('names the buffer limit when it is the smaller one', () => {
    const e = estimateGpuMemory(tiny, 'F32');
    const v = checkFit('tiny', e, { maxBufferSize: 1024, maxStorageBufferBindingSize: 2 ** 20 }, 2 ** 30);
    expect(v).toMatchObject({ fits: false, hard: true, reason: 'tiny needs 2.0 KB in one buffer (KV cache (K or V)); this GPU allows 1.0 KB per buffer.' });
  });

  it('refuses, softly, a model over the total budget', () => {
    const tl = findCatalogModel('tinyllama/TinyLlama-1.1B-Chat-v1.0@main')!;
    const e = estimateGpuMemory(catalogSpec(tl), tl.fileDType);
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
