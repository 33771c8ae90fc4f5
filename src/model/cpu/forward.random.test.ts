// The CPU forward pass against naive loops written here, on random tiny checkpoints (qwen2 with biases, llama GQA).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuForward } from './forward.ts';
import { loadCpuWeights } from './weights-from-disk.node.ts';
import { cpuWeightsFromTensors, type CpuWeights } from './weights.ts';
import { ensureRandomCheckpoint } from '../../testing/random-checkpoint.node.ts';
import { tinyLlamaGqa, tinyQwen2 } from '../../testing/test-configs.ts';
import type { ModelSpec, WeightDType } from '../spec.ts';
import { CACHE_DIR } from '../../testing/node-paths.ts';

const IDS = [1, 17, 300, 42, 42, 511, 7, 99];

const CASES: { label: string; config: Record<string, unknown>; dtype: WeightDType; dir: string }[] = [
  { label: 'qwen2 (q/k/v biases, tied head)', config: tinyQwen2, dtype: 'F32', dir: 'cpu-forward-tiny-qwen2' },
  { label: 'llama GQA (untied head, f16)', config: tinyLlamaGqa, dtype: 'F16', dir: 'cpu-forward-tiny-llama-gqa' },
];

function rms(x: number[], w: Float32Array, eps: number): number[] {
  const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
  return x.map((v, j) => (v / Math.sqrt(ms + eps)) * w[j]);
}

/** Row `r` of a `[rows, cols]` matrix times x, plus bias[r]. */
function dotRow(m: Float32Array, r: number, x: number[], bias?: Float32Array): number {
  let s = bias ? bias[r] : 0;
  for (let c = 0; c < x.length; c++) s += m[r * x.length + c] * x[c];
  return s;
}

/** Rotate the pairs (j, j + hd/2) of one head by the angle pos·theta^(−2j/hd), written as complex multiplication. */
function rotate(head: number[], pos: number, theta: number): number[] {
  const hd = head.length;
  const out = [...head];
  for (let j = 0; j < hd / 2; j++) {
    const angle = pos * Math.pow(theta, (-2 * j) / hd);
    const re = head[j];
    const im = head[j + hd / 2];
    out[j] = re * Math.cos(angle) - im * Math.sin(angle);
    out[j + hd / 2] = re * Math.sin(angle) + im * Math.cos(angle);
  }
  return out;
}

/** Layer-0 attention output of one query head at position t (before o_proj), by the textbook formula. */
function naiveHead(spec: ModelSpec, W: CpuWeights, ids: number[], t: number, h: number): number[] {
  const { hiddenSize: D, headDim: hd } = spec;
  const kvHead = Math.floor((h * spec.numKvHeads) / spec.numHeads);
  const p = 'model.layers.0.self_attn.';
  const bias = (n: string) => (W.has(p + n + '.bias') ? W.get(p + n + '.bias') : undefined);
  const normed = ids.slice(0, t + 1).map((id) => {
    const e = [...W.get('model.embed_tokens.weight').subarray(id * D, (id + 1) * D)];
    return rms(e, W.get('model.layers.0.input_layernorm.weight'), spec.rmsNormEps);
  });
  const project = (n: string, x: number[], head: number) =>
    Array.from({ length: hd }, (_, j) => dotRow(W.get(p + n + '.weight'), head * hd + j, x, bias(n)));
  const q = rotate(project('q_proj', normed[t], h), t, spec.ropeTheta);
  const keys = normed.map((x, s) => rotate(project('k_proj', x, kvHead), s, spec.ropeTheta));
  const vals = normed.map((x) => project('v_proj', x, kvHead));
  const logits = keys.map((k) => k.reduce((a, kj, j) => a + kj * q[j], 0) / Math.sqrt(hd));
  const weights = logits.map((l) => Math.exp(l));
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: hd }, (_, j) => vals.reduce((a, v, s) => a + (weights[s] / total) * v[j], 0));
}

/** o_proj columns of one head times that head's output. */
function oProjOfHead(spec: ModelSpec, W: CpuWeights, h: number, head: number[]): number[] {
  const wo = W.get('model.layers.0.self_attn.o_proj.weight');
  const cols = spec.numHeads * spec.headDim;
  return Array.from({ length: spec.hiddenSize }, (_, r) =>
    head.reduce((a, v, j) => a + wo[r * cols + h * spec.headDim + j] * v, 0),
  );
}

/** The same weights with layer 0's o_proj zeroed outside the columns of head `h`. */
function onlyHead(spec: ModelSpec, W: CpuWeights, h: number): CpuWeights {
  const name = 'model.layers.0.self_attn.o_proj.weight';
  const cols = spec.numHeads * spec.headDim;
  const masked = W.get(name).map((v, i) => (Math.floor((i % cols) / spec.headDim) === h ? v : 0));
  return {
    get: (n) => (n === name ? masked : W.get(n)),
    has: (n) => W.has(n),
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(CASES)('cpuForward on a random tiny $label', ({ config, dtype, dir }) => {
  const load = async () =>
    loadCpuWeights(await ensureRandomCheckpoint(config, { dtype, seed: 5 }, path.join(CACHE_DIR, dir)));

  it('one attention head at one position matches a naive loop', async () => {
    const { spec, weights } = await load();
    expect(spec.numKvHeads).toBeLessThan(spec.numHeads);
    const t = IDS.length - 1;
    const h = spec.numHeads - 2; // GQA pairs it with KV head ⌊h/(H/KV)⌋, not h mod KV
    const naive = oProjOfHead(spec, weights, h, naiveHead(spec, weights, IDS, t, h));
    const run = cpuForward(spec, onlyHead(spec, weights, h), IDS, { record: ['0.attn'], logits: 'none' });
    expect(maxAbsDiff(run.recorded.get('0.attn')![t], naive)).toBeLessThanOrEqual(1e-9);
    expect(Math.max(...naive.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('every head, the MLP and the LM head of a position match naive loops', async () => {
    const { spec, weights } = await load();
    const D = spec.hiddenSize;
    const t = 4;
    const last = spec.numLayers - 1;
    const run = cpuForward(spec, weights, IDS, { record: ['0.attn', '0.mlp', `${last}.resid`] });

    const attn = new Array<number>(D).fill(0);
    for (let h = 0; h < spec.numHeads; h++) {
      oProjOfHead(spec, weights, h, naiveHead(spec, weights, IDS, t, h)).forEach((v, r) => (attn[r] += v));
    }
    expect(maxAbsDiff(run.recorded.get('0.attn')![t], attn)).toBeLessThanOrEqual(1e-9);

    const x = [...weights.get('model.embed_tokens.weight').subarray(IDS[t] * D, (IDS[t] + 1) * D)].map((v, j) => v + attn[j]);
    const hN = rms(x, weights.get('model.layers.0.post_attention_layernorm.weight'), spec.rmsNormEps);
    const I = spec.intermediateSize;
    const act = Array.from({ length: I }, (_, r) => {
      const g = dotRow(weights.get('model.layers.0.mlp.gate_proj.weight'), r, hN);
      return (g / (1 + Math.exp(-g))) * dotRow(weights.get('model.layers.0.mlp.up_proj.weight'), r, hN);
    });
    const mlp = Array.from({ length: D }, (_, r) => dotRow(weights.get('model.layers.0.mlp.down_proj.weight'), r, act));
    expect(maxAbsDiff(run.recorded.get('0.mlp')![t], mlp)).toBeLessThanOrEqual(1e-9);

    const headName = spec.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    expect(weights.has('lm_head.weight')).toBe(!spec.tiedEmbeddings);
    const final = rms([...run.recorded.get(`${last}.resid`)![t]], weights.get('model.norm.weight'), spec.rmsNormEps);
    const logits = Array.from({ length: spec.vocabSize }, (_, r) => dotRow(weights.get(headName), r, final));
    expect(maxAbsDiff(run.logits[t], logits)).toBeLessThanOrEqual(1e-5);
  });
});

describe('cpuForward on a hand-made one-layer model', () => {
  it('refuses a map of the wrong width and a hook past the last layer', () => {
    const spec: ModelSpec = {
      modelType: 'llama', hiddenSize: 4, intermediateSize: 4, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 2,
      vocabSize: 3, maxPositions: 8, rmsNormEps: 1e-6, ropeTheta: 10000, tiedEmbeddings: true, qkvBias: false,
      bosTokenId: null, eosTokenIds: [],
    };
    const ones = (n: number) => new Float32Array(n).fill(0.1);
    const p = 'model.layers.0.';
    const weights = cpuWeightsFromTensors(new Map([
      ['model.embed_tokens.weight', ones(12)], ['model.norm.weight', ones(4)],
      [p + 'input_layernorm.weight', ones(4)], [p + 'post_attention_layernorm.weight', ones(4)],
      [p + 'self_attn.q_proj.weight', ones(16)], [p + 'self_attn.k_proj.weight', ones(8)],
      [p + 'self_attn.v_proj.weight', ones(8)], [p + 'self_attn.o_proj.weight', ones(16)],
      [p + 'mlp.gate_proj.weight', ones(16)], [p + 'mlp.up_proj.weight', ones(16)], [p + 'mlp.down_proj.weight', ones(16)],
    ]));
    expect(cpuForward(spec, weights, [0, 2]).logits).toHaveLength(2);
    const bad = { w: ones(3), b: ones(3) };
    expect(() => cpuForward(spec, weights, [0], { steering: { maps: new Map([['0.mlp', bad]]), lambda: 1 } })).toThrow(/w has 3/);
    expect(() => cpuForward(spec, weights, [0], { record: ['1.attn'] })).toThrow(/1 layers/);
    expect(() => weights.get('lm_head.weight')).toThrow(/missing/);
  });
});
