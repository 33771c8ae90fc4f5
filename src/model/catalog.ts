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
import { parseModelConfig } from './config.ts';
import type { ModelSpec, WeightDType } from './spec.ts';

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
}

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
  },
  {
    hubId: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    name: 'SmolLM2-360M-Instruct',
    blurb: 'Better text than 135M at under three times the cost.',
    fileDType: 'BF16',
    downloadBytes: 723_674_912 + 3_500_000,
    // ../shared/models/configs/smollm2-360m.json
    config: { ...SMOLLM2_COMMON, hidden_size: 960, intermediate_size: 2560, num_hidden_layers: 32, num_attention_heads: 15, num_key_value_heads: 5 },
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
  },
];

export function catalogSpec(m: CatalogModel): ModelSpec {
  return parseModelConfig(m.config);
}

/** The catalog entry for a hub id (ignoring an @revision and letter case), if any. */
export function findCatalogModel(ref: string): CatalogModel | undefined {
  const id = ref.trim().split('@')[0].toLowerCase();
  return CATALOG.find((m) => m.hubId.toLowerCase() === id);
}
