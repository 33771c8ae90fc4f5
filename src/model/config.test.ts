import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelConfigError, parseModelConfig } from './config.ts';
import { SHARED_DIR, STORIES260K_DIR } from '../testing/node-paths.ts';
import { tinyLlamaGqa, tinyQwen2 } from '../testing/test-configs.ts';

const readJson = (p: string): unknown => JSON.parse(fs.readFileSync(p, 'utf8'));
const configsDir = path.join(SHARED_DIR, 'models/configs');

const base = (): Record<string, unknown> => ({ ...tinyLlamaGqa });

function refusal(cfg: unknown): string {
  try {
    parseModelConfig(cfg);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelConfigError);
    return (e as Error).message;
  }
  throw new Error('expected parseModelConfig to refuse');
}

describe('parseModelConfig on the shared configs', () => {
  it('parses stories260K', () => {
    expect(parseModelConfig(readJson(path.join(STORIES260K_DIR, 'config.json')))).toEqual({
      modelType: 'llama', hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, headDim: 8,
      vocabSize: 512, maxPositions: 512, rmsNormEps: 1e-5, ropeTheta: 10000, tiedEmbeddings: true, qkvBias: false,
      bosTokenId: 1, eosTokenIds: [2],
    });
  });

  it('parses SmolLM2-135M and -360M', () => {
    const s135 = parseModelConfig(readJson(path.join(configsDir, 'smollm2-135m.json')));
    expect(s135).toMatchObject({ modelType: 'llama', hiddenSize: 576, numHeads: 9, numKvHeads: 3, headDim: 64, numLayers: 30, tiedEmbeddings: true, qkvBias: false, ropeTheta: 100000 });
    const s360 = parseModelConfig(readJson(path.join(configsDir, 'smollm2-360m.json')));
    expect(s360).toMatchObject({ hiddenSize: 960, numHeads: 15, numKvHeads: 5, headDim: 64, numLayers: 32, intermediateSize: 2560 });
  });

  it('parses Qwen2.5-0.5B with q/k/v biases', () => {
    expect(parseModelConfig(readJson(path.join(configsDir, 'qwen2.5-0.5b.json')))).toEqual({
      modelType: 'qwen2', hiddenSize: 896, intermediateSize: 4864, numLayers: 24, numHeads: 14, numKvHeads: 2, headDim: 64,
      vocabSize: 151936, maxPositions: 32768, rmsNormEps: 1e-6, ropeTheta: 1000000, tiedEmbeddings: true, qkvBias: true,
      bosTokenId: 151643, eosTokenIds: [151645],
    });
  });

  it('parses the tiny test configs', () => {
    expect(parseModelConfig(tinyLlamaGqa)).toMatchObject({ numHeads: 8, numKvHeads: 2, headDim: 8, tiedEmbeddings: false, qkvBias: false });
    expect(parseModelConfig(tinyQwen2)).toMatchObject({ headDim: 16, tiedEmbeddings: true, qkvBias: true });
  });
});

describe('parseModelConfig defaults', () => {
  it('fills kv heads, head_dim, eps, theta, tying and token ids', () => {
    const cfg = { model_type: 'llama', hidden_size: 32, intermediate_size: 40, num_hidden_layers: 1, num_attention_heads: 4, vocab_size: 10, max_position_embeddings: 16 };
    expect(parseModelConfig(cfg)).toEqual({
      modelType: 'llama', hiddenSize: 32, intermediateSize: 40, numLayers: 1, numHeads: 4, numKvHeads: 4, headDim: 8,
      vocabSize: 10, maxPositions: 16, rmsNormEps: 1e-6, ropeTheta: 10000, tiedEmbeddings: false, qkvBias: false,
      bosTokenId: null, eosTokenIds: [],
    });
  });

  it('reads attention_bias for llama, eos lists, null bos and an explicit head_dim', () => {
    const s = parseModelConfig({ ...base(), attention_bias: true, eos_token_id: [2, 7], bos_token_id: null, head_dim: 32 });
    expect(s.qkvBias).toBe(true);
    expect(s.eosTokenIds).toEqual([2, 7]);
    expect(s.bosTokenId).toBeNull();
    expect(s.headDim).toBe(32);
  });

  it('accepts sliding_window when use_sliding_window is false or absent', () => {
    expect(() => parseModelConfig({ ...base(), sliding_window: 4096 })).not.toThrow();
    expect(() => parseModelConfig({ ...base(), sliding_window: 4096, use_sliding_window: false })).not.toThrow();
    expect(() => parseModelConfig({ ...base(), rope_scaling: null })).not.toThrow();
  });
});

describe('parseModelConfig refusals name the field', () => {
  it('refuses a non-object', () => {
    expect(refusal([1, 2])).toMatch(/JSON object/);
  });

  it('refuses other model types, naming the value and the supported ones', () => {
    const msg = refusal({ ...base(), model_type: 'mistral' });
    expect(msg).toContain('model_type');
    expect(msg).toContain('mistral');
    expect(msg).toMatch(/llama.*qwen2/);
    expect(refusal({ ...base(), model_type: undefined })).toContain('model_type');
  });

  it.each([
    ['hidden_size', undefined, /"hidden_size" is missing/],
    ['hidden_size', 0, /"hidden_size" must be a positive integer, found 0/],
    ['intermediate_size', 12.5, /"intermediate_size" must be a positive integer, found 12.5/],
    ['num_hidden_layers', '2', /"num_hidden_layers" must be a positive integer, found "2"/],
    ['num_attention_heads', -8, /"num_attention_heads" must be a positive integer/],
    ['num_key_value_heads', 0, /"num_key_value_heads" must be a positive integer/],
    ['vocab_size', undefined, /"vocab_size" is missing/],
    ['max_position_embeddings', null, /"max_position_embeddings" is missing/],
    ['head_dim', 7.5, /"head_dim" must be a positive integer/],
    ['rms_norm_eps', -1, /"rms_norm_eps" must be a positive number/],
    ['rope_theta', 'big', /"rope_theta" must be a positive number/],
    ['tie_word_embeddings', 'yes', /"tie_word_embeddings" must be true or false/],
    ['bos_token_id', 1.5, /"bos_token_id"/],
    ['eos_token_id', [2, 'x'], /"eos_token_id"/],
  ])('refuses %s = %j', (field, value, pattern) => {
    expect(refusal({ ...base(), [field]: value })).toMatch(pattern);
  });

  it('refuses heads not divisible by kv heads', () => {
    const msg = refusal({ ...base(), num_attention_heads: 8, num_key_value_heads: 3 });
    expect(msg).toContain('num_attention_heads');
    expect(msg).toContain('num_key_value_heads');
  });

  it('refuses hidden_size not divisible by heads when head_dim is absent', () => {
    expect(refusal({ ...base(), hidden_size: 60 })).toMatch(/"hidden_size" \(60\) is not divisible by "num_attention_heads" \(8\)/);
  });

  it('refuses rope_scaling, naming its rope_type or type', () => {
    const yarn = refusal({ ...base(), rope_scaling: { rope_type: 'yarn', factor: 4 } });
    expect(yarn).toContain('rope_scaling');
    expect(yarn).toContain('yarn');
    expect(refusal({ ...base(), rope_scaling: { type: 'linear', factor: 2 } })).toContain('linear');
  });

  it('refuses hidden_act other than silu', () => {
    const msg = refusal({ ...base(), hidden_act: 'gelu' });
    expect(msg).toContain('hidden_act');
    expect(msg).toContain('gelu');
  });

  it('refuses sliding-window attention when use_sliding_window is true', () => {
    const msg = refusal({ ...base(), use_sliding_window: true, sliding_window: 4096 });
    expect(msg).toContain('use_sliding_window');
    expect(msg).toContain('4096');
  });

  it('refuses mlp_bias: true', () => {
    expect(refusal({ ...base(), mlp_bias: true })).toContain('mlp_bias');
  });
});
