import { describe, expect, it } from 'vitest';
import { GgufBytes } from '../../testing/gguf-bytes.ts';
import { parseModelConfig } from '../config.ts';
import { readGguf } from './gguf.ts';
import { GgufMeta, ggufConfig, hfTensorName } from './gguf-model.ts';
import { openWeightSource } from './weight-sources.ts';
import type { ModelFiles } from './model-files.ts';

type Kv = [string, 'u32' | 'f32' | 'str' | 'bool' | 'strs' | 'u32s', unknown];

/** A GGUF file with the given metadata and zero-filled F32 tensors (dims innermost first). */
function gguf(kvs: Kv[], tensors: [string, number[]][]): Uint8Array {
  const b = new GgufBytes().header(3, tensors.length, kvs.length);
  for (const [k, t, v] of kvs) {
    b.str(k);
    if (t === 'u32') b.u32(4).u32(v as number);
    else if (t === 'f32') b.u32(6).f32(v as number);
    else if (t === 'str') b.u32(8).str(v as string);
    else if (t === 'bool') b.u32(7).u8(v ? 1 : 0);
    else if (t === 'strs') {
      b.u32(9).u32(8).u64((v as string[]).length);
      for (const s of v as string[]) b.str(s);
    } else {
      b.u32(9).u32(4).u64((v as number[]).length);
      for (const n of v as number[]) b.u32(n);
    }
  }
  let offset = 0;
  const sizes: number[] = [];
  for (const [name, dims] of tensors) {
    b.tensorInfo(name, dims, 0, offset);
    const bytes = dims.reduce((p, d) => p * d, 1) * 4;
    sizes.push(bytes);
    offset += Math.ceil(bytes / 32) * 32;
  }
  b.pad(32);
  return Uint8Array.from([...b.bytes(), ...new Uint8Array(offset)]);
}

/** A tiny qwen2 file: hidden 8, 2 heads of 4, 1 kv head, ffn 12, 2 layers, vocab 6, with biases and an LM head. */
function tinyQwen2(edit: (kvs: Kv[], tensors: [string, number[]][]) => void = () => undefined): Uint8Array {
  const kvs: Kv[] = [
    ['general.architecture', 'str', 'qwen2'],
    ['qwen2.embedding_length', 'u32', 8],
    ['qwen2.block_count', 'u32', 2],
    ['qwen2.feed_forward_length', 'u32', 12],
    ['qwen2.attention.head_count', 'u32', 2],
    ['qwen2.attention.head_count_kv', 'u32', 1],
    ['qwen2.attention.layer_norm_rms_epsilon', 'f32', 1e-6],
    ['qwen2.rope.freq_base', 'f32', 1000000],
    ['qwen2.context_length', 'u32', 32768],
    ['tokenizer.ggml.model', 'str', 'gpt2'],
    ['tokenizer.ggml.pre', 'str', 'qwen2'],
    ['tokenizer.ggml.tokens', 'strs', ['a', 'b', 'ab', '<|endoftext|>', '<|im_start|>', '<|im_end|>']],
    ['tokenizer.ggml.token_type', 'u32s', [1, 1, 1, 3, 3, 3]],
    ['tokenizer.ggml.merges', 'strs', ['a b']],
    ['tokenizer.ggml.eos_token_id', 'u32', 5],
    ['tokenizer.ggml.bos_token_id', 'u32', 3],
    ['tokenizer.chat_template', 'str', '{% for m in messages %}<|im_start|>{{ m.content }}<|im_end|>{% endfor %}<|endoftext|>'],
  ];
  const tensors: [string, number[]][] = [['token_embd.weight', [8, 6]], ['output_norm.weight', [8]], ['output.weight', [8, 6]]];
  for (let l = 0; l < 2; l++) {
    tensors.push(
      [`blk.${l}.attn_norm.weight`, [8]], [`blk.${l}.ffn_norm.weight`, [8]],
      [`blk.${l}.attn_q.weight`, [8, 8]], [`blk.${l}.attn_k.weight`, [8, 4]], [`blk.${l}.attn_v.weight`, [8, 4]],
      [`blk.${l}.attn_q.bias`, [8]], [`blk.${l}.attn_k.bias`, [4]], [`blk.${l}.attn_v.bias`, [4]],
      [`blk.${l}.attn_output.weight`, [8, 8]], [`blk.${l}.ffn_gate.weight`, [8, 12]], [`blk.${l}.ffn_up.weight`, [8, 12]],
      [`blk.${l}.ffn_down.weight`, [12, 8]],
    );
  }
  edit(kvs, tensors);
  return gguf(kvs, tensors);
}

function memFiles(bytes: Uint8Array, name = 'm.gguf'): ModelFiles {
  return {
    id: `dir/${name}`,
    text: async () => null,
    range: async (_n, s, e) => ({ bytes: bytes.slice(s, e), size: bytes.length }),
    stream: async () => new Blob([bytes as BlobPart]).stream(),
  };
}

const config = (bytes: Uint8Array) => ggufConfig(new GgufMeta(readGguf(bytes), 'm.gguf'));

describe('GGUF metadata → config', () => {
  it('maps qwen2: biases, GQA, rope base, an untied LM head, end-of-turn tokens as stops', async () => {
    const spec = parseModelConfig(config(tinyQwen2()));
    expect(spec).toEqual({
      modelType: 'qwen2', hiddenSize: 8, intermediateSize: 12, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 4,
      vocabSize: 6, maxPositions: 32768, rmsNormEps: Math.fround(1e-6), ropeTheta: 1000000, tiedEmbeddings: false,
      qkvBias: true, bosTokenId: 3, eosTokenIds: [5, 3],
    });
    const src = await openWeightSource(memFiles(tinyQwen2()));
    expect(src.tensors.find((t) => t.name === 'model.layers.1.self_attn.k_proj.weight')).toMatchObject({ shape: [4, 8], format: 'F32' });
    expect(src.tensors.find((t) => t.name === 'lm_head.weight')).toMatchObject({ shape: [6, 8] });
    // qwen2 rows are not permuted.
    const q = src.tensors.find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')!;
    const rows = Uint8Array.from({ length: 8 * 32 }, (_, i) => i >> 5);
    expect(src.prepare(q, rows)).toBe(rows);
  });

  it('ties the embedding when output.weight is absent', () => {
    const c = config(tinyQwen2((_k, t) => t.splice(t.findIndex(([n]) => n === 'output.weight'), 1)));
    expect(c.tie_word_embeddings).toBe(true);
  });

  it('refuses what it cannot run, naming it', () => {
    const withKv = (k: string, v: Kv) => tinyQwen2((kvs) => kvs.splice(kvs.findIndex(([n]) => n === k), 1, v));
    expect(() => config(withKv('general.architecture', ['general.architecture', 'str', 'mamba']))).toThrow(/m\.gguf: architecture "mamba" is not supported \(supported: llama, qwen2\)/);
    expect(() => config(withKv('tokenizer.ggml.tokens', ['tokenizer.ggml.tokens', 'strs', ['a', 'b']]))).toThrow(/the vocabulary has 2 tokens \(tokenizer.ggml.tokens\) but token_embd.weight has 6 rows/);
    expect(() => config(tinyQwen2((kvs) => kvs.splice(1, 1)))).toThrow(/metadata "qwen2.embedding_length" is missing/);
    expect(() => config(tinyQwen2((kvs) => kvs.push(['qwen2.rope.scaling.type', 'str', 'yarn'])))).toThrow(/"qwen2.rope.scaling.type" is "yarn"; only plain RoPE/);
    expect(() => config(tinyQwen2((kvs) => kvs.push(['qwen2.rope.dimension_count', 'u32', 2])))).toThrow(/partial rotary/);
    expect(() => config(withKv('qwen2.attention.head_count_kv', ['qwen2.attention.head_count_kv', 'u32s', [1, 1]]))).toThrow(/differs per layer/);
    expect(() => config(withKv('tokenizer.ggml.eos_token_id', ['tokenizer.ggml.eos_token_id', 'u32', 99]))).toThrow(/special token id 99 is outside the vocabulary of 6/);
    expect(() => config(tinyQwen2((_k, t) => t.splice(0, 1)))).toThrow(/has no tensor "token_embd.weight"/);
  });

  it('names GGUF tensors the Hugging Face way', () => {
    expect(hfTensorName('blk.12.ffn_down.weight')).toBe('model.layers.12.mlp.down_proj.weight');
    expect(hfTensorName('blk.0.attn_k.bias')).toBe('model.layers.0.self_attn.k_proj.bias');
    expect(hfTensorName('output.weight')).toBe('lm_head.weight');
    expect(hfTensorName('rope_freqs.weight')).toBeNull();
  });
});

describe('byte-level BPE tokenizer from GGUF metadata', () => {
  it('applies the merges, matches control tokens whole, and the chat template', async () => {
    const { createTokenizer } = await import('../tokenizer.ts');
    const src = await openWeightSource(memFiles(tinyQwen2()));
    const tok = await createTokenizer(src.tokenizer!.json, src.tokenizer!.config);
    expect(tok.encode('abba')).toEqual([2, 1, 0]);
    expect(tok.encode('a<|im_end|>b')).toEqual([0, 5, 1]);
    expect(tok.encodeChat([{ role: 'user', content: 'ab' }])).toEqual([4, 2, 5, 3]);
    expect(tok.decode([2, 1, 5])).toBe('abb');
  });
});
