// Parse a Hugging Face `config.json` of a Llama-family model into a ModelSpec, refusing what we don't implement.
import type { ModelSpec, ModelType } from './spec.ts';

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

const SUPPORTED_MODEL_TYPES: readonly ModelType[] = ['llama', 'qwen2'];

type ConfigObject = Record<string, unknown>;

function isObject(v: unknown): v is ConfigObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === undefined ? 'missing' : JSON.stringify(v);
}

function positiveInt(c: ConfigObject, field: string, fallback?: number): number {
  const v = c[field];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ModelConfigError(`config.json: "${field}" is missing (a positive integer is required)`);
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ModelConfigError(`config.json: "${field}" must be a positive integer, found ${describe(v)}`);
  }
  return v;
}

function positiveNumber(c: ConfigObject, field: string, fallback: number): number {
  const v = c[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ModelConfigError(`config.json: "${field}" must be a positive number, found ${describe(v)}`);
  }
  return v;
}

function optionalBool(c: ConfigObject, field: string, fallback: boolean): boolean {
  const v = c[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new ModelConfigError(`config.json: "${field}" must be true or false, found ${describe(v)}`);
  return v;
}

function isTokenId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function bosTokenId(c: ConfigObject): number | null {
  const v = c.bos_token_id;
  if (v === undefined || v === null) return null;
  if (!isTokenId(v)) throw new ModelConfigError(`config.json: "bos_token_id" must be a token id or null, found ${describe(v)}`);
  return v;
}

function eosTokenIds(c: ConfigObject): number[] {
  const v = c.eos_token_id;
  if (v === undefined || v === null) return [];
  if (isTokenId(v)) return [v];
  if (Array.isArray(v) && v.every(isTokenId)) return [...v];
  throw new ModelConfigError(`config.json: "eos_token_id" must be a token id or a list of token ids, found ${describe(v)}`);
}

function modelType(c: ConfigObject): ModelType {
  const v = c.model_type;
  const supported = SUPPORTED_MODEL_TYPES.join(', ');
  if (typeof v !== 'string' || !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(v)) {
    throw new ModelConfigError(`config.json: "model_type" ${describe(v)} is not supported (supported: ${supported})`);
  }
  return v as ModelType;
}

/** Refuse features that change the maths in ways this engine does not implement. */
function refuseUnsupportedFeatures(c: ConfigObject): void {
  const act = c.hidden_act;
  if (act !== undefined && act !== 'silu') {
    throw new ModelConfigError(`config.json: "hidden_act" ${describe(act)} is not supported (only "silu")`);
  }
  const scaling = c.rope_scaling;
  if (scaling !== undefined && scaling !== null) {
    const kind = isObject(scaling) ? (scaling.rope_type ?? scaling.type) : undefined;
    throw new ModelConfigError(
      `config.json: "rope_scaling" is not supported (rope_type ${describe(kind)}); only plain RoPE with rope_theta is implemented`,
    );
  }
  if (optionalBool(c, 'use_sliding_window', false)) {
    throw new ModelConfigError(
      `config.json: "use_sliding_window" is true (sliding_window ${describe(c.sliding_window)}); sliding-window attention is not supported`,
    );
  }
  if (optionalBool(c, 'mlp_bias', false)) {
    throw new ModelConfigError('config.json: "mlp_bias" is true; MLP biases are not supported');
  }
}

export function parseModelConfig(json: unknown): ModelSpec {
  if (!isObject(json)) throw new ModelConfigError(`config.json must be a JSON object, found ${describe(json)}`);
  const c = json;
  const type = modelType(c);
  refuseUnsupportedFeatures(c);

  const hiddenSize = positiveInt(c, 'hidden_size');
  const numHeads = positiveInt(c, 'num_attention_heads');
  const numKvHeads = positiveInt(c, 'num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ModelConfigError(
      `config.json: "num_attention_heads" (${numHeads}) must be a multiple of "num_key_value_heads" (${numKvHeads})`,
    );
  }
  if (c.head_dim == null && hiddenSize % numHeads !== 0) {
    throw new ModelConfigError(
      `config.json: "hidden_size" (${hiddenSize}) is not divisible by "num_attention_heads" (${numHeads}) and "head_dim" is not given`,
    );
  }
  const headDim = positiveInt(c, 'head_dim', hiddenSize / numHeads);
  if (headDim % 2 !== 0) throw new ModelConfigError(`config.json: "head_dim" must be even for RoPE, found ${headDim}`);

  return {
    modelType: type,
    hiddenSize,
    intermediateSize: positiveInt(c, 'intermediate_size'),
    numLayers: positiveInt(c, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: positiveInt(c, 'vocab_size'),
    maxPositions: positiveInt(c, 'max_position_embeddings'),
    rmsNormEps: positiveNumber(c, 'rms_norm_eps', 1e-6),
    ropeTheta: positiveNumber(c, 'rope_theta', 10000),
    tiedEmbeddings: optionalBool(c, 'tie_word_embeddings', false),
    qkvBias: type === 'qwen2' ? true : optionalBool(c, 'attention_bias', false),
    bosTokenId: bosTokenId(c),
    eosTokenIds: eosTokenIds(c),
  };
}
