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

const LAYER_PREFIX = /^model\.layers\.(\d+)\./;

/**
 * The layer count the tensor names imply (model.layers.<i>.… for i = 0…N-1), checked against num_hidden_layers before
 * the expected names are built (a config's 10⁹ layers would be 9·10⁹ names). Layers must be numbered without gaps.
 */
function checkLayerCount(spec: ModelSpec, names: Iterable<string>): void {
  const layers = new Set<number>();
  for (const n of names) {
    const m = LAYER_PREFIX.exec(n);
    if (m) layers.add(Number(m[1]));
  }
  let top = -1;
  for (const l of layers) if (l > top) top = l;
  if (layers.size !== top + 1) {
    const gaps: number[] = [];
    for (let i = 0; i <= top && gaps.length < 5; i++) if (!layers.has(i)) gaps.push(i);
    throw new CheckpointTensorError(
      `the checkpoint has tensors of layers up to model.layers.${top} but none of layer ${gaps.join(', ')}${gaps.length === 5 ? ', …' : ''} (${layers.size} layers are present)`,
    );
  }
  if (layers.size !== spec.numLayers) {
    const have = layers.size === 0 ? 'no layers (no model.layers.<i> tensors)' : `${layers.size} layers (model.layers.0…${top})`;
    throw new CheckpointTensorError(`config: "num_hidden_layers" is ${spec.numLayers} but the checkpoint has ${have}`);
  }
}

/** Tensors a checkpoint may carry that the model does not read: rotary frequency buffers (recomputed from rope_theta). */
function isHarmlessExtra(name: string, spec: ModelSpec): boolean {
  return name.endsWith('.rotary_emb.inv_freq') || (name === LM_HEAD && spec.tiedEmbeddings);
}

/**
 * Throw if the layer count disagrees with the tensor names, a needed tensor is missing or has the wrong shape, or the
 * checkpoint holds tensors the config does not use (a config that would silently drop layers, biases or a head).
 */
export function checkTensors(spec: ModelSpec, available: Map<string, { shape: number[] }>): void {
  checkLayerCount(spec, available.keys());
  const expected = expectedTensors(spec);
  for (const t of expected) {
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
  const wanted = new Set(expected.map((t) => t.name));
  const unused = [...available.keys()].filter((n) => !wanted.has(n) && !isHarmlessExtra(n, spec));
  if (unused.length > 0) {
    const shown = unused.slice(0, 5).map((n) => `"${n}"`).join(', ');
    throw new CheckpointTensorError(
      `the checkpoint has ${unused.length} tensor${unused.length === 1 ? '' : 's'} the config does not use (${shown}${unused.length > 5 ? ', …' : ''}): it describes another model, or a feature this engine does not implement`,
    );
  }
}

/** Tied when the config says so or when the checkpoint has no `lm_head.weight` (a tied checkpoint may still ship one). */
export function resolveTiedEmbeddings(spec: ModelSpec, names: Iterable<string>): ModelSpec {
  if (spec.tiedEmbeddings) return spec;
  for (const n of names) if (n === LM_HEAD) return spec;
  return { ...spec, tiedEmbeddings: true };
}
