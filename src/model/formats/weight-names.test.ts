import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../config.ts';
import { parseSafetensorsFile } from './safetensors.ts';
import type { ModelSpec } from '../spec.ts';
import { CheckpointTensorError, checkTensors, expectedTensorShapes, resolveTiedEmbeddings } from './weight-names.ts';
import { STORIES260K_DIR } from '../../testing/node-paths.ts';
import { tinyLlamaGqa, tinyQwen2 } from '../../testing/test-configs.ts';

const llama = parseModelConfig(tinyLlamaGqa); // D 64, I 96, 2 layers, 8 heads, 2 kv heads, hd 8, V 512, untied
const qwen = parseModelConfig(tinyQwen2); // D 64, I 128, 2 layers, 4 heads, 2 kv heads, hd 16, V 512, tied, biases

function availableFrom(shapes: Map<string, number[]>): Map<string, { shape: number[] }> {
  return new Map([...shapes].map(([k, shape]) => [k, { shape: [...shape] }]));
}

function refusal(spec: ModelSpec, available: Map<string, { shape: number[] }>): string {
  try {
    checkTensors(spec, available);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointTensorError);
    return (e as Error).message;
  }
  throw new Error('expected checkTensors to refuse');
}

describe('expectedTensorShapes', () => {
  it('lists the GQA llama tensors with hand-computed shapes', () => {
    const s = expectedTensorShapes(llama);
    expect(s.size).toBe(3 + 2 * 9);
    expect(s.get('model.embed_tokens.weight')).toEqual([512, 64]);
    expect(s.get('lm_head.weight')).toEqual([512, 64]);
    expect(s.get('model.norm.weight')).toEqual([64]);
    expect(s.get('model.layers.1.input_layernorm.weight')).toEqual([64]);
    expect(s.get('model.layers.1.post_attention_layernorm.weight')).toEqual([64]);
    expect(s.get('model.layers.0.self_attn.q_proj.weight')).toEqual([64, 64]);
    expect(s.get('model.layers.0.self_attn.k_proj.weight')).toEqual([16, 64]);
    expect(s.get('model.layers.0.self_attn.v_proj.weight')).toEqual([16, 64]);
    expect(s.get('model.layers.0.self_attn.o_proj.weight')).toEqual([64, 64]);
    expect(s.get('model.layers.1.mlp.gate_proj.weight')).toEqual([96, 64]);
    expect(s.get('model.layers.1.mlp.up_proj.weight')).toEqual([96, 64]);
    expect(s.get('model.layers.1.mlp.down_proj.weight')).toEqual([64, 96]);
    expect(s.has('model.layers.0.self_attn.q_proj.bias')).toBe(false);
    expect(s.has('model.layers.2.input_layernorm.weight')).toBe(false);
  });

  it('adds q/k/v biases and drops lm_head for tied qwen2', () => {
    const s = expectedTensorShapes(qwen);
    expect(s.size).toBe(2 + 2 * 12);
    expect(s.has('lm_head.weight')).toBe(false);
    expect(s.get('model.layers.1.self_attn.q_proj.bias')).toEqual([64]);
    expect(s.get('model.layers.1.self_attn.k_proj.bias')).toEqual([32]);
    expect(s.get('model.layers.1.self_attn.v_proj.bias')).toEqual([32]);
    expect(s.get('model.layers.0.self_attn.k_proj.weight')).toEqual([32, 64]);
  });

  it('uses head_dim, not hidden/heads, for the attention shapes', () => {
    const s = expectedTensorShapes({ ...qwen, headDim: 32 });
    expect(s.get('model.layers.0.self_attn.q_proj.weight')).toEqual([128, 64]);
    expect(s.get('model.layers.0.self_attn.o_proj.weight')).toEqual([64, 128]);
  });
});

describe('checkTensors', () => {
  it('passes on the real stories260K checkpoint', () => {
    const dir = STORIES260K_DIR;
    const spec = parseModelConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
    const file = new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors')));
    const { tensors } = parseSafetensorsFile(file, 'model.safetensors');
    expect(() => checkTensors(spec, tensors)).not.toThrow();
    expect(() => checkTensors({ ...spec, numLayers: 6 }, tensors)).toThrow('config: "num_hidden_layers" is 6 but the checkpoint has 5 layers (model.layers.0…4)');
    expect(() => checkTensors({ ...spec, numLayers: 4 }, tensors)).toThrow('config: "num_hidden_layers" is 4 but the checkpoint has 5 layers (model.layers.0…4)');
  });

  it('ignores extra tensors such as rotary inv_freq', () => {
    const available = availableFrom(expectedTensorShapes(llama));
    available.set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [4] });
    expect(() => checkTensors(llama, available)).not.toThrow();
  });

  it('names a missing tensor', () => {
    const available = availableFrom(expectedTensorShapes(qwen));
    available.delete('model.layers.1.self_attn.v_proj.bias');
    expect(refusal(qwen, available)).toContain('"model.layers.1.self_attn.v_proj.bias"');
    const noHead = availableFrom(expectedTensorShapes(llama));
    noHead.delete('lm_head.weight');
    expect(refusal(llama, noHead)).toMatch(/"lm_head\.weight".*tie_word_embeddings/);
  });

  it('names tensor, expected and found shape and the config fields of a mismatch', () => {
    const available = availableFrom(expectedTensorShapes(llama));
    available.set('model.layers.1.self_attn.k_proj.weight', { shape: [64, 64] });
    const msg = refusal(llama, available);
    expect(msg).toContain('"model.layers.1.self_attn.k_proj.weight"');
    expect(msg).toContain('[64, 64]');
    expect(msg).toContain('[16, 64]');
    expect(msg).toContain('num_key_value_heads*head_dim');
    expect(msg).toContain('hidden_size');

    const down = availableFrom(expectedTensorShapes(llama));
    down.set('model.layers.0.mlp.down_proj.weight', { shape: [96, 64] }); // transposed
    expect(refusal(llama, down)).toMatch(/down_proj.*\[96, 64\].*\[64, 96\].*\[hidden_size, intermediate_size\]/);
  });
});

describe('resolveTiedEmbeddings', () => {
  it('keeps a tied config tied even when lm_head.weight ships', () => {
    expect(resolveTiedEmbeddings(qwen, ['lm_head.weight', 'model.norm.weight']).tiedEmbeddings).toBe(true);
  });
  it('keeps an untied config untied when lm_head.weight is present', () => {
    expect(resolveTiedEmbeddings(llama, ['model.norm.weight', 'lm_head.weight']).tiedEmbeddings).toBe(false);
  });
  it('ties an untied config when lm_head.weight is absent, without changing the input', () => {
    const resolved = resolveTiedEmbeddings(llama, new Map([['model.norm.weight', 1]]).keys());
    expect(resolved.tiedEmbeddings).toBe(true);
    expect(llama.tiedEmbeddings).toBe(false);
    expect({ ...resolved, tiedEmbeddings: false }).toEqual(llama);
  });
});
