import { describe, expect, it } from 'vitest';
import { CATALOG, catalogSpec, findCatalogModel } from './catalog.ts';
import { parseModelConfig } from './config.ts';
import { bytesInWords, checkFit, estimateGpuMemory, memoryBudget } from './memory-estimate.ts';
import type { ModelSpec } from './spec.ts';

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
    // step 16, ids 512, x+z 8192, qkv 8192, attnOut 4096, attention scratch (128·2 + 1024)·6·4 = 30720, gate_up 16384,
    // logits 32·128·4 = 16384, result 16, strengths 128·6·4 = 3072, rope 1024, dummies 32, penalty ids 256,
    // uniforms 32 + 3·16 = 80, token staging 16 + 3072 = 3088.
    expect(e.scratchBytes).toBe(92064);
    expect(e.totalBytes).toBe(5792 + 4096 + 92064);
    expect(e.largest).toEqual({ label: 'attention scratch', bytes: 30720 });
    expect(e.params).toBe(32 * 8 + 8 + 2 * (16 + 16 * 8 + 8 * 8 + 3 * 16 * 8));
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
    const v = checkFit('tiny', e, { maxBufferSize: 16384, maxStorageBufferBindingSize: 2 ** 20 }, 2 ** 30);
    expect(v).toMatchObject({ fits: false, hard: true, reason: 'tiny needs 30 KB in one buffer (attention scratch); this GPU allows 16 KB per buffer.' });
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
