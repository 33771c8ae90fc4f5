// The Hugging Face tensor names and shapes a ModelSpec implies, and a check of a checkpoint against them.
import type { ModelSpec } from '../spec.ts';

export class CheckpointTensorError extends Error {
  override name = 'CheckpointTensorError';
}

export interface ExpectedTensor {
  name: string;
  shape: number[];
  /** The config fields the shape comes from, e.g. "[vocab_size, hidden_size]". */
  implies: string;
}

export const LM_HEAD = 'lm_head.weight';

/** Every tensor the model needs, in checkpoint order (embeddings, final norm, LM head, then layers). */
export function expectedTensors(spec: ModelSpec): ExpectedTensor[] {
  const D = spec.hiddenSize;
  const I = spec.intermediateSize;
  const qRows = spec.numHeads * spec.headDim;
  const kvRows = spec.numKvHeads * spec.headDim;
  const qFields = 'num_attention_heads*head_dim';
  const kvFields = 'num_key_value_heads*head_dim';
  const out: ExpectedTensor[] = [
    { name: 'model.embed_tokens.weight', shape: [spec.vocabSize, D], implies: '[vocab_size, hidden_size]' },
    { name: 'model.norm.weight', shape: [D], implies: '[hidden_size]' },
  ];
  if (!spec.tiedEmbeddings) out.push({ name: LM_HEAD, shape: [spec.vocabSize, D], implies: '[vocab_size, hidden_size]' });
  for (let i = 0; i < spec.numLayers; i++) {
    const p = `model.layers.${i}.`;
    out.push(
      { name: `${p}input_layernorm.weight`, shape: [D], implies: '[hidden_size]' },
      { name: `${p}post_attention_layernorm.weight`, shape: [D], implies: '[hidden_size]' },
      { name: `${p}self_attn.q_proj.weight`, shape: [qRows, D], implies: `[${qFields}, hidden_size]` },
      { name: `${p}self_attn.k_proj.weight`, shape: [kvRows, D], implies: `[${kvFields}, hidden_size]` },
      { name: `${p}self_attn.v_proj.weight`, shape: [kvRows, D], implies: `[${kvFields}, hidden_size]` },
      { name: `${p}self_attn.o_proj.weight`, shape: [D, qRows], implies: `[hidden_size, ${qFields}]` },
      { name: `${p}mlp.gate_proj.weight`, shape: [I, D], implies: '[intermediate_size, hidden_size]' },
      { name: `${p}mlp.up_proj.weight`, shape: [I, D], implies: '[intermediate_size, hidden_size]' },
      { name: `${p}mlp.down_proj.weight`, shape: [D, I], implies: '[hidden_size, intermediate_size]' },
    );
    if (spec.qkvBias) {
      out.push(
        { name: `${p}self_attn.q_proj.bias`, shape: [qRows], implies: `[${qFields}]` },
        { name: `${p}self_attn.k_proj.bias`, shape: [kvRows], implies: `[${kvFields}]` },
        { name: `${p}self_attn.v_proj.bias`, shape: [kvRows], implies: `[${kvFields}]` },
      );
    }
  }
  return out;
}

export function expectedTensorShapes(spec: ModelSpec): Map<string, number[]> {
  return new Map(expectedTensors(spec).map((t) => [t.name, t.shape]));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throw if a needed tensor is missing or has the wrong shape; extra tensors are ignored. */
export function checkTensors(spec: ModelSpec, available: Map<string, { shape: number[] }>): void {
  for (const t of expectedTensors(spec)) {
    const found = available.get(t.name);
    if (!found) {
      const hint = t.name === LM_HEAD ? ' (the config says tie_word_embeddings is false)' : '';
      throw new CheckpointTensorError(`checkpoint has no tensor "${t.name}"${hint}`);
    }
    if (!sameShape(found.shape, t.shape)) {
      throw new CheckpointTensorError(
        `tensor "${t.name}" has shape [${found.shape.join(', ')}] but the config implies [${t.shape.join(', ')}] = ${t.implies}`,
      );
    }
  }
}

/** Tied when the config says so or when the checkpoint has no `lm_head.weight` (a tied checkpoint may still ship one). */
export function resolveTiedEmbeddings(spec: ModelSpec, names: Iterable<string>): ModelSpec {
  if (spec.tiedEmbeddings) return spec;
  for (const n of names) if (n === LM_HEAD) return spec;
  return { ...spec, tiedEmbeddings: true };
}
