// The CPU reference forward pass (Float64) of a Llama/Qwen2 decoder, with hook points, steering and a KV cache.
// Semantics follow ../shared/tools/torch_llama.py; every GPU kernel and the GPU engine are checked against it.
import { hookName, type HookName, type ModelSpec } from '../spec.ts';
import type { CpuWeights } from './weights.ts';
import { createCpuKvCache, type CpuKvCache } from './kv-cache.ts';
import { addInPlace, applyRope, linear, rmsNorm, ropeInvFreq, siluMul } from './ops.ts';
import { CpuHookRunner, type CpuGateSlot, type CpuSteering } from './hooks.ts';

export type { CpuKvCache } from './kv-cache.ts';
export { createCpuKvCache } from './kv-cache.ts';
export type { CpuGateSlot, CpuSteering } from './hooks.ts';

export interface CpuForwardOptions {
  /** One intervention, or several applied in order (at a shared hook z ← steer_B(steer_A(z))). */
  steering?: CpuSteering | readonly CpuSteering[];
  /** Hooks whose arriving activation (before the hook's own map, after earlier maps) is recorded per position. */
  record?: Iterable<HookName>;
  /** Which positions get logits (default 'all'); 'last' returns a one-element array. */
  logits?: 'all' | 'last' | 'none';
  /** Keys/values of earlier positions; extended in place with the new ones. */
  cache?: CpuKvCache;
  /** Position of `ids[0]`; must equal `cache.length` (0 without a cache). */
  startPos?: number;
}

export interface CpuForwardResult {
  /** Logits (V each) of the processed positions, in order; see `CpuForwardOptions.logits`. */
  logits: Float32Array[];
  /** Per recorded hook, one vector per processed position (index k ↔ position startPos + k). */
  recorded: Map<HookName, Float64Array[]>;
  /** Per gated steered hook (when gates are in use), the gate value s per processed position. */
  strengths: Map<HookName, number[]>;
  /** Every gated map's gate values per processed position (forward order, then intervention order: the GPU's columns). */
  gateSlots: CpuGateSlot[];
}

/** Runs `ids` at positions startPos.. through the model. */
export function cpuForward(
  spec: ModelSpec,
  weights: CpuWeights,
  ids: number[],
  opts: CpuForwardOptions = {},
): CpuForwardResult {
  const cache = opts.cache ?? createCpuKvCache(spec);
  const startPos = opts.startPos ?? cache.length;
  if (startPos !== cache.length) {
    throw new Error(`startPos ${startPos} does not match the KV cache, which holds ${cache.length} positions`);
  }
  if (cache.keys.length !== spec.numLayers) throw new Error('the KV cache was made for another model');
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= spec.vocabSize) throw new Error(`token id ${id} is out of range`);
  }
  if (spec.numHeads % spec.numKvHeads !== 0 || spec.headDim % 2 !== 0) {
    throw new Error(`unsupported attention shape: ${spec.numHeads} heads, ${spec.numKvHeads} KV heads, head dim ${spec.headDim}`);
  }
  const hooks = new CpuHookRunner(spec, opts.steering, opts.record);
  const D = spec.hiddenSize;
  const embed = weights.get('model.embed_tokens.weight');
  const xs = ids.map((id) => Float64Array.from(embed.subarray(id * D, (id + 1) * D)));
  const invFreq = ropeInvFreq(spec.headDim, spec.ropeTheta);

  for (let layer = 0; layer < spec.numLayers; layer++) {
    const block = new BlockWeights(spec, weights, layer);
    for (let s = 0; s < xs.length; s++) {
      const x = xs[s];
      const attn = attention(spec, block, rmsNorm(x, block.inputNorm, spec.rmsNormEps), startPos + s, cache, invFreq);
      hooks.at(hookName(layer, 'attn'), attn);
      addInPlace(x, attn);
      const h = rmsNorm(x, block.postNorm, spec.rmsNormEps);
      const gate = block.lin('mlp.gate_proj', h, spec.intermediateSize);
      const up = block.lin('mlp.up_proj', h, spec.intermediateSize);
      const mlp = block.lin('mlp.down_proj', siluMul(gate, up), D);
      hooks.at(hookName(layer, 'mlp'), mlp);
      addInPlace(x, mlp);
      hooks.at(hookName(layer, 'resid'), x);
    }
  }
  cache.length += ids.length;

  return { logits: lmHead(spec, weights, xs, opts.logits ?? 'all'), recorded: hooks.recorded, strengths: hooks.strengths, gateSlots: hooks.slots };
}

/** The weights of one decoder layer, looked up by their HF names. */
class BlockWeights {
  readonly inputNorm: Float32Array;
  readonly postNorm: Float32Array;
  private readonly prefix: string;

  constructor(
    private readonly spec: ModelSpec,
    private readonly weights: CpuWeights,
    readonly layer: number,
  ) {
    this.prefix = `model.layers.${layer}.`;
    this.inputNorm = weights.get(this.prefix + 'input_layernorm.weight');
    this.postNorm = weights.get(this.prefix + 'post_attention_layernorm.weight');
  }

  /** A linear layer, with its bias when the checkpoint has one (q/k/v must have one when spec.qkvBias). */
  lin(name: string, x: Float64Array, outDim: number): Float64Array {
    const base = this.prefix + name;
    const isQkv = /self_attn\.[qkv]_proj$/.test(name);
    const needBias = isQkv && this.spec.qkvBias;
    const bias = needBias || this.weights.has(base + '.bias') ? this.weights.get(base + '.bias') : undefined;
    return linear(x, this.weights.get(base + '.weight'), outDim, bias);
  }
}

/** o_proj output of causal GQA self-attention for one position; appends the position's K/V to the cache. */
function attention(
  spec: ModelSpec,
  block: BlockWeights,
  h: Float64Array,
  pos: number,
  cache: CpuKvCache,
  invFreq: Float64Array,
): Float64Array {
  const { numHeads: H, numKvHeads: KV, headDim: hd } = spec;
  const q = block.lin('self_attn.q_proj', h, H * hd);
  const k = block.lin('self_attn.k_proj', h, KV * hd);
  const v = block.lin('self_attn.v_proj', h, KV * hd);
  applyRope(q, H, hd, pos, invFreq);
  applyRope(k, KV, hd, pos, invFreq);
  const keys = cache.keys[block.layer];
  const values = cache.values[block.layer];
  if (keys.length !== pos) throw new Error(`KV cache of layer ${block.layer} holds ${keys.length} positions, expected ${pos}`);
  keys.push(k);
  values.push(v);

  const rep = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const o = new Float64Array(H * hd);
  const scores = new Float64Array(pos + 1);
  for (let head = 0; head < H; head++) {
    const qo = head * hd;
    const ko = Math.floor(head / rep) * hd;
    let max = -Infinity;
    for (let p = 0; p <= pos; p++) {
      const kp = keys[p];
      let dot = 0;
      for (let j = 0; j < hd; j++) dot += q[qo + j] * kp[ko + j];
      scores[p] = dot * scale;
      if (scores[p] > max) max = scores[p];
    }
    let sum = 0;
    for (let p = 0; p <= pos; p++) {
      scores[p] = Math.exp(scores[p] - max);
      sum += scores[p];
    }
    for (let p = 0; p <= pos; p++) {
      const a = scores[p] / sum;
      const vp = values[p];
      for (let j = 0; j < hd; j++) o[qo + j] += a * vp[ko + j];
    }
  }
  return block.lin('self_attn.o_proj', o, spec.hiddenSize);
}

/** Final RMSNorm and LM head (tied to the embedding when the checkpoint has no lm_head). */
function lmHead(spec: ModelSpec, weights: CpuWeights, xs: Float64Array[], which: 'all' | 'last' | 'none'): Float32Array[] {
  if (which === 'none' || xs.length === 0) return [];
  const rows = which === 'last' ? [xs[xs.length - 1]] : xs;
  const norm = weights.get('model.norm.weight');
  const tied = spec.tiedEmbeddings || !weights.has('lm_head.weight');
  const head = weights.get(tied ? 'model.embed_tokens.weight' : 'lm_head.weight');
  return rows.map((x) => Float32Array.from(linear(rmsNorm(x, norm, spec.rmsNormEps), head, spec.vocabSize)));
}
