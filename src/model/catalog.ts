/**
 * Models the app offers without any search: Hugging Face hub repositories this engine runs (llama / qwen2, plain
 * RoPE). Their config fields are embedded so the list, and each model's memory need, render without a network.
 *
 * Shapes: SmolLM2-135M, SmolLM2-360M and Qwen2.5-0.5B are copied from ../shared/models/configs/*.json (the configs of
 * those models). TinyLlama-1.1B-Chat-v1.0 is not there: its fields are from the public config.json of
 * TinyLlama/TinyLlama-1.1B-Chat-v1.0, written from knowledge (not fetched here, no network). The weight dtype of the
 * files (all four publish BF16 `model.safetensors`; the shared configs say float16 because they describe the
 * random-weight F16 benchmark checkpoints) and the download sizes are from the hub listings, also from knowledge:
 * approximate, for display only. catalog.test.ts checks each size against the parameter count.
 */
import type { WeightFormat } from '../core/weight-format.ts';
import { parseModelConfig } from './config.ts';
import type { FormatOf } from './gpu/weight-plan.ts';
import type { ModelSpec, WeightDType } from './spec.ts';

/**
 * One file of a catalog model on the hub: the repo's BF16 safetensors, or a GGUF file of a quantized repo. The file
 * names are the repos' own (from knowledge, not fetched here); the sizes are approximate, for display (catalog.test.ts
 * checks each against the weight bytes of its format). Which tensors a GGUF keeps in another format follows
 * llama.cpp's quantizer: the embedding of a tied model (also its LM head) in Q8_0 when its rows do not split into
 * 256-wide K-quant blocks (SmolLM2's 576 and 960, Qwen's 896), an untied LM head in Q6_K (TinyLlama) or Q8_0.
 */
export interface CatalogFormat {
  /** What the loader is given: the hub id (safetensors) or `owner/repo/file.gguf`. */
  ref: string;
  /** e.g. "BF16 safetensors", "Q4_0 GGUF". */
  label: string;
  file: string;
  /** Approximate size of the file, bytes. */
  fileBytes: number;
  /** The matrices' format. */
  matrices: WeightFormat;
  /** The token embedding's format, when not `matrices`. */
  embed?: WeightFormat;
  /** The LM head's format, for a file that stores one (Qwen's GGUFs store output.weight even though the model ties it). */
  lmHead?: WeightFormat;
}

export interface CatalogModel {
  /** Hub id (owner/name): what the loader fetches. */
  hubId: string;
  /** Short name for the UI. */
  name: string;
  /** One line on what it is. */
  blurb: string;
  /** The weight file's dtype on the hub. */
  fileDType: WeightDType;
  /** Approximate download: the weight files plus tokenizer files, bytes. */
  downloadBytes: number;
  /** The config.json fields the engine reads. */
  config: Record<string, unknown>;
  /** The files it can be loaded from, the repo's own safetensors first. */
  formats: readonly CatalogFormat[];
}

const safetensors = (hubId: string, fileBytes: number): CatalogFormat => ({ ref: hubId, label: 'BF16 safetensors', file: 'model.safetensors', fileBytes, matrices: 'BF16' });
const gguf = (repo: string, file: string, fileBytes: number, matrices: WeightFormat, extra: Partial<CatalogFormat> = {}): CatalogFormat => ({
  ref: `${repo}/${file}`,
  label: `${matrices} GGUF`,
  file,
  fileBytes,
  matrices,
  ...extra,
});

const SMOLLM2_COMMON = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 49152,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
  rope_theta: 100000.0,
  hidden_act: 'silu',
  tie_word_embeddings: true,
  bos_token_id: 1,
  eos_token_id: 2,
  attention_bias: false,
  mlp_bias: false,
};

export const CATALOG: readonly CatalogModel[] = [
  {
    hubId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    name: 'SmolLM2-135M-Instruct',
    blurb: 'The smallest chat model here; quick to try.',
    fileDType: 'BF16',
    downloadBytes: 269_060_552 + 3_500_000,
    // ../shared/models/configs/smollm2-135m.json
    config: { ...SMOLLM2_COMMON, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3 },
    formats: [
      safetensors('HuggingFaceTB/SmolLM2-135M-Instruct', 269_060_552),
      gguf('bartowski/SmolLM2-135M-Instruct-GGUF', 'SmolLM2-135M-Instruct-Q8_0.gguf', 145_000_000, 'Q8_0'),
      gguf('bartowski/SmolLM2-135M-Instruct-GGUF', 'SmolLM2-135M-Instruct-Q4_0.gguf', 92_000_000, 'Q4_0', { embed: 'Q8_0' }),
    ],
  },
  {
    hubId: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    name: 'SmolLM2-360M-Instruct',
    blurb: 'Better text than 135M at under three times the cost.',
    fileDType: 'BF16',
    downloadBytes: 723_674_912 + 3_500_000,
    // ../shared/models/configs/smollm2-360m.json
    config: { ...SMOLLM2_COMMON, hidden_size: 960, intermediate_size: 2560, num_hidden_layers: 32, num_attention_heads: 15, num_key_value_heads: 5 },
    formats: [
      safetensors('HuggingFaceTB/SmolLM2-360M-Instruct', 723_674_912),
      gguf('bartowski/SmolLM2-360M-Instruct-GGUF', 'SmolLM2-360M-Instruct-Q8_0.gguf', 386_000_000, 'Q8_0'),
      gguf('bartowski/SmolLM2-360M-Instruct-GGUF', 'SmolLM2-360M-Instruct-Q4_0.gguf', 229_000_000, 'Q4_0', { embed: 'Q8_0' }),
    ],
  },
  {
    hubId: 'Qwen/Qwen2.5-0.5B-Instruct',
    name: 'Qwen2.5-0.5B-Instruct',
    blurb: 'Multilingual chat model with a 152k-token vocabulary.',
    fileDType: 'BF16',
    downloadBytes: 988_097_824 + 11_400_000,
    // ../shared/models/configs/qwen2.5-0.5b.json
    config: {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      vocab_size: 151936,
      max_position_embeddings: 32768,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      hidden_act: 'silu',
      tie_word_embeddings: true,
      bos_token_id: 151643,
      eos_token_id: 151645,
    },
    formats: [
      safetensors('Qwen/Qwen2.5-0.5B-Instruct', 988_097_824),
      gguf('Qwen/Qwen2.5-0.5B-Instruct-GGUF', 'qwen2.5-0.5b-instruct-q8_0.gguf', 676_000_000, 'Q8_0', { lmHead: 'Q8_0' }),
      gguf('Qwen/Qwen2.5-0.5B-Instruct-GGUF', 'qwen2.5-0.5b-instruct-q4_0.gguf', 429_000_000, 'Q4_0', { lmHead: 'Q8_0' }),
    ],
  },
  {
    hubId: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0',
    name: 'TinyLlama-1.1B-Chat',
    blurb: 'The largest here: 1.1 billion parameters, untied LM head.',
    fileDType: 'BF16',
    downloadBytes: 2_200_119_864 + 2_000_000,
    // Not in ../shared/models/configs: the public config.json of TinyLlama/TinyLlama-1.1B-Chat-v1.0, from knowledge.
    config: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 2048,
      intermediate_size: 5632,
      num_hidden_layers: 22,
      num_attention_heads: 32,
      num_key_value_heads: 4,
      vocab_size: 32000,
      max_position_embeddings: 2048,
      rms_norm_eps: 1e-5,
      rope_theta: 10000.0,
      hidden_act: 'silu',
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
      attention_bias: false,
    },
    formats: [
      safetensors('TinyLlama/TinyLlama-1.1B-Chat-v1.0', 2_200_119_864),
      gguf('TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF', 'tinyllama-1.1b-chat-v1.0.Q8_0.gguf', 1_170_000_000, 'Q8_0'),
      gguf('TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF', 'tinyllama-1.1b-chat-v1.0.Q4_0.gguf', 638_000_000, 'Q4_0', { lmHead: 'Q6_K' }),
    ],
  },
];

export function catalogSpec(m: CatalogModel): ModelSpec {
  return parseModelConfig(m.config);
}

/** The catalog entry for a hub id (ignoring an @revision and letter case), if any. */
export function findCatalogModel(ref: string): CatalogModel | undefined {
  return findCatalogFormat(ref)?.model;
}

/** The catalog entry and format for a hub id or one of its GGUF files (`owner/repo/file.gguf`), if any. */
export function findCatalogFormat(ref: string): { model: CatalogModel; format: CatalogFormat } | undefined {
  const id = ref.trim().replace(/@[\w.-]+/, '').toLowerCase();
  for (const model of CATALOG) {
    const format = model.formats.find((f) => f.ref.toLowerCase() === id);
    if (format) return { model, format };
  }
  return undefined;
}

/** The spec a format loads as: Qwen's GGUFs store the LM head apart, so the model loads untied. */
export function catalogFormatSpec(m: CatalogModel, f: CatalogFormat): ModelSpec {
  const spec = catalogSpec(m);
  return f.lmHead && spec.tiedEmbeddings ? { ...spec, tiedEmbeddings: false } : spec;
}

/** Each tensor's format in the file (by Hugging Face name), for estimateGpuMemoryFor. */
export function catalogFormatOf(f: CatalogFormat): FormatOf {
  return (tensor) => (tensor === 'model.embed_tokens.weight' ? (f.embed ?? f.matrices) : tensor === 'lm_head.weight' ? (f.lmHead ?? f.embed ?? f.matrices) : f.matrices);
}
