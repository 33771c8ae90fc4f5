/**
 * GGUF `llama` / `qwen2` files in our terms: the Hugging Face config.json they imply, their tensor names mapped to
 * Hugging Face names, and llama.cpp's q/k row permutation of `llama` files undone (whole rows moved as bytes, so
 * quantized rows move too). Metadata keys: `{arch}.embedding_length`, `.block_count`, … (docs/real-models.md).
 */
import { ggufPlain, GgufError, type GgufFile } from './gguf.ts';

export const GGUF_ARCHITECTURES = ['llama', 'qwen2'] as const;
export type GgufArchitecture = (typeof GGUF_ARCHITECTURES)[number];

/** Plain metadata accessors with errors that name the key. */
export class GgufMeta {
  constructor(
    readonly file: GgufFile,
    readonly fileName: string,
  ) {}
  has(key: string): boolean {
    return this.file.kv.has(key);
  }
  get(key: string): unknown {
    return ggufPlain(this.file.kv.get(key));
  }
  fail(msg: string): never {
    throw new GgufError(`${this.fileName}: ${msg}`);
  }
  string(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(`metadata "${key}" must be a string, found ${String(v)}`);
    return v as string;
  }
  number(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    if (typeof v !== 'number') this.fail(`metadata "${key}" must be a number, found ${Array.isArray(v) ? 'an array' : String(v)}`);
    return v as number;
  }
  requiredNumber(key: string): number {
    const v = this.number(key);
    if (v === undefined) this.fail(`metadata "${key}" is missing`);
    return v as number;
  }
  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(`metadata "${key}" must be true or false, found ${String(v)}`);
    return v as boolean;
  }
  array(key: string): unknown[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(`metadata "${key}" must be an array`);
    return v as unknown[];
  }
}

export function ggufArchitecture(meta: GgufMeta): GgufArchitecture {
  const arch = meta.string('general.architecture');
  if (arch === undefined) meta.fail('metadata "general.architecture" is missing');
  if (!(GGUF_ARCHITECTURES as readonly string[]).includes(arch!)) {
    meta.fail(`architecture "${arch}" is not supported (supported: ${GGUF_ARCHITECTURES.join(', ')})`);
  }
  return arch as GgufArchitecture;
}

const LAYER_NAMES: Record<string, string> = {
  attn_norm: 'input_layernorm',
  ffn_norm: 'post_attention_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};
const TOP_NAMES: Record<string, string> = {
  token_embd: 'model.embed_tokens',
  output_norm: 'model.norm',
  output: 'lm_head',
};

/** The Hugging Face name of a GGUF tensor, or null for tensors the engine does not use. */
export function hfTensorName(ggufName: string): string | null {
  const m = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(ggufName);
  if (m) {
    const base = LAYER_NAMES[m[2]];
    return base ? `model.layers.${Number(m[1])}.${base}.${m[3]}` : null;
  }
  const t = /^(\w+)\.(weight|bias)$/.exec(ggufName);
  const base = t ? TOP_NAMES[t[1]] : undefined;
  return base ? `${base}.${t![2]}` : null;
}

function tokenId(meta: GgufMeta, key: string): number | undefined {
  const v = meta.number(key);
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) meta.fail(`metadata "${key}" must be a token id, found ${v}`);
  return v;
}

/**
 * Tokens that end a turn or a text in the common chat formats: generation stops on them when the vocabulary has them
 * as control tokens (llama.cpp does the same: Qwen2.5's files name `<|im_end|>` as eos, `<|endoftext|>` also ends).
 */
const END_OF_GENERATION_TOKENS = ['<|im_end|>', '<|endoftext|>', '<|eot_id|>', '<|eom_id|>', '<|end_of_text|>', '<|end|>', '<end_of_turn>', '<EOT>'];
const CONTROL_TOKEN = 3;

/** Every token that ends generation: eos, eot, eom, and the end-of-turn / end-of-text control tokens of the vocabulary. */
export function ggufStopTokenIds(meta: GgufMeta): number[] {
  const ids: number[] = [];
  for (const k of ['tokenizer.ggml.eos_token_id', 'tokenizer.ggml.eot_token_id', 'tokenizer.ggml.eom_token_id']) {
    const id = tokenId(meta, k);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  const tokens = meta.array('tokenizer.ggml.tokens') ?? [];
  const types = meta.array('tokenizer.ggml.token_type');
  for (const t of END_OF_GENERATION_TOKENS) {
    const id = tokens.indexOf(t);
    if (id >= 0 && (!types || types[id] === CONTROL_TOKEN) && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The config.json a GGUF `llama` / `qwen2` file implies (refusing what the engine does not implement). */
export function ggufConfig(meta: GgufMeta): Record<string, unknown> {
  const arch = ggufArchitecture(meta);
  const k = (key: string) => `${arch}.${key}`;
  const tensors = new Map(meta.file.tensors.map((t) => [t.name, t]));
  const embd = tensors.get('token_embd.weight');
  if (!embd) meta.fail('has no tensor "token_embd.weight" (the token embedding)');
  if (embd!.dims.length !== 2) meta.fail(`token_embd.weight has dims [${embd!.dims.join(', ')}], expected 2`);
  const hidden = meta.requiredNumber(k('embedding_length'));
  const heads = meta.requiredNumber(k('attention.head_count'));
  const kvHeadsValue = meta.get(k('attention.head_count_kv'));
  if (Array.isArray(kvHeadsValue)) meta.fail(`"${k('attention.head_count_kv')}" differs per layer; one value for all layers is supported`);
  const kvHeads = meta.number(k('attention.head_count_kv')) ?? heads;
  const headDim = meta.number(k('attention.key_length')) ?? hidden / heads;
  const valueLength = meta.number(k('attention.value_length'));
  if (valueLength !== undefined && valueLength !== headDim) meta.fail(`"${k('attention.value_length')}" ${valueLength} differs from the key length ${headDim}`);
  const ropeDims = meta.number(k('rope.dimension_count'));
  if (ropeDims !== undefined && ropeDims !== headDim) meta.fail(`"${k('rope.dimension_count')}" is ${ropeDims}: partial rotary embeddings (head size ${headDim}) are not supported`);
  const scaling = meta.string(k('rope.scaling.type'));
  if (scaling !== undefined && scaling !== 'none') meta.fail(`"${k('rope.scaling.type')}" is "${scaling}"; only plain RoPE is supported`);
  if (tensors.has('rope_freqs.weight')) meta.fail('has "rope_freqs.weight" (scaled RoPE frequencies); only plain RoPE is supported');
  const embRows = embd!.dims[1];
  const tokens = meta.array('tokenizer.ggml.tokens');
  if (tokens && tokens.length !== embRows) {
    meta.fail(`the vocabulary has ${tokens.length} tokens (tokenizer.ggml.tokens) but token_embd.weight has ${embRows} rows`);
  }
  const declared = meta.number(k('vocab_size'));
  if (declared !== undefined && declared !== embRows) meta.fail(`"${k('vocab_size')}" is ${declared} but token_embd.weight has ${embRows} rows`);
  const output = tensors.get('output.weight');
  if (output && output.dims[1] !== embRows) meta.fail(`output.weight has ${output.dims[1]} rows but token_embd.weight has ${embRows}`);
  const bos = tokenId(meta, 'tokenizer.ggml.bos_token_id');
  const eos = ggufStopTokenIds(meta);
  for (const id of [bos ?? 0, ...eos]) if (id >= embRows) meta.fail(`special token id ${id} is outside the vocabulary of ${embRows} tokens`);
  const ffn = meta.number(k('feed_forward_length'));
  return {
    model_type: arch,
    architectures: [arch === 'llama' ? 'LlamaForCausalLM' : 'Qwen2ForCausalLM'],
    hidden_size: hidden,
    intermediate_size: ffn ?? tensors.get('blk.0.ffn_up.weight')?.dims[1],
    num_hidden_layers: meta.requiredNumber(k('block_count')),
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    vocab_size: embRows,
    max_position_embeddings: meta.requiredNumber(k('context_length')),
    rms_norm_eps: meta.number(k('attention.layer_norm_rms_epsilon')) ?? 1e-6,
    rope_theta: meta.number(k('rope.freq_base')) ?? 10000,
    hidden_act: 'silu',
    tie_word_embeddings: !output,
    attention_bias: arch === 'qwen2' || tensors.has('blk.0.attn_q.bias'),
    bos_token_id: bos ?? null,
    eos_token_id: eos.length === 1 ? eos[0] : eos,
  };
}

/**
 * Undoes llama.cpp's permutation of q/k rows: within each head of `rows / nHead` rows, file row 2i + j holds
 * Hugging Face row j·(headDim/2) + i. Rows are `rowLen` bytes each (any format).
 */
export function unpermuteRows(bytes: Uint8Array, rows: number, rowLen: number, nHead: number): Uint8Array {
  if (bytes.byteLength !== rows * rowLen) throw new GgufError(`q/k un-permutation: ${bytes.byteLength} bytes for ${rows} rows of ${rowLen}`);
  if (rows % nHead !== 0 || (rows / nHead) % 2 !== 0) throw new GgufError(`q/k un-permutation: ${rows} rows do not split into ${nHead} heads of even size`);
  const headDim = rows / nHead;
  const half = headDim / 2;
  const out = new Uint8Array(bytes.byteLength);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (h * headDim + 2 * i + j) * rowLen;
        const to = (h * headDim + j * half + i) * rowLen;
        out.set(bytes.subarray(from, from + rowLen), to);
      }
    }
  }
  return out;
}
