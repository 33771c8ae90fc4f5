// The CPU reference forward pass on the real stories260K checkpoint: greedy ids, KV cache, steering semantics.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { cpuForward, createCpuKvCache, type CpuForwardResult } from './forward.ts';
import { cpuGreedy } from './generate.ts';
import { loadCpuWeights } from './weights-from-disk.node.ts';
import type { CpuWeights } from './weights.ts';
import { makeRng } from '../../core/seeded-random.ts';
import { HOOK_KINDS, hookName, type HookName, type ModelSpec } from '../spec.ts';
import type { HookMap } from '../../core/steer-map.ts';
import { SHARED_DIR, STORIES260K_DIR, STORIES_REFERENCE_IDS, STORIES_REFERENCE_TEXT } from '../../testing/node-paths.ts';

const PROMPT = STORIES_REFERENCE_IDS.slice(0, 5);

let spec: ModelSpec;
let weights: CpuWeights;

beforeAll(async () => {
  ({ spec, weights } = await loadCpuWeights(STORIES260K_DIR));
});

/** Deterministic uniform values in [lo, hi). */
function randomVector(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => lo + rng.uniform() * (hi - lo));
}

function identityMap(d: number): HookMap {
  return { w: new Float32Array(d).fill(1), b: new Float32Array(d) };
}

function randomMap(d: number, seed: number): HookMap {
  return { w: randomVector(d, seed, 0.5, 1.5), b: randomVector(d, seed + 1, -0.5, 0.5) };
}

function allHooks(): HookName[] {
  const out: HookName[] = [];
  for (let i = 0; i < spec.numLayers; i++) for (const k of HOOK_KINDS) out.push(hookName(i, k));
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxLogitDiff(a: CpuForwardResult, b: CpuForwardResult): number {
  expect(a.logits.length).toBe(b.logits.length);
  return Math.max(...a.logits.map((l, t) => maxAbsDiff(l, b.logits[t])));
}

describe('cpuForward on stories260K', () => {
  it('greedy decoding from "Once upon a time" gives the reference ids', () => {
    const out = cpuGreedy(spec, weights, PROMPT, 8);
    expect([...PROMPT, ...out]).toEqual(STORIES_REFERENCE_IDS);
  });

  it('a 60-token greedy run decodes to the reference story', async () => {
    env.localModelPath = path.join(SHARED_DIR, 'models') + path.sep;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    const tokenizer = await AutoTokenizer.from_pretrained('stories260K');
    const out = cpuGreedy(spec, weights, PROMPT, 60);
    expect(out).toHaveLength(60);
    const text = tokenizer.decode([...PROMPT, ...out], { skip_special_tokens: true });
    expect(text.startsWith(STORIES_REFERENCE_TEXT)).toBe(true);
  });

  it('logits are finite and one row per position; "last" and "none" select rows', () => {
    const full = cpuForward(spec, weights, STORIES_REFERENCE_IDS);
    expect(full.logits).toHaveLength(STORIES_REFERENCE_IDS.length);
    for (const row of full.logits) {
      expect(row).toHaveLength(spec.vocabSize);
      expect(row.every(Number.isFinite)).toBe(true);
    }
    const last = cpuForward(spec, weights, STORIES_REFERENCE_IDS, { logits: 'last' });
    expect(last.logits).toHaveLength(1);
    expect(maxAbsDiff(last.logits[0], full.logits[full.logits.length - 1])).toBe(0);
    expect(cpuForward(spec, weights, STORIES_REFERENCE_IDS, { logits: 'none' }).logits).toHaveLength(0);
  });

  it('KV-cache incremental logits, records and strengths equal the full recompute', () => {
    const d = spec.hiddenSize;
    const gated: HookMap = { ...randomMap(d, 7), gate: { a: randomVector(d, 9, -0.3, 0.3), c: 0.2 } };
    const steering = { maps: new Map<HookName, HookMap>([['1.attn', randomMap(d, 3)], ['2.mlp', gated]]), lambda: 0.8 };
    const record: HookName[] = ['0.attn', '2.mlp', '4.resid'];
    const ids = STORIES_REFERENCE_IDS;
    const full = cpuForward(spec, weights, ids, { steering, record });

    const cache = createCpuKvCache(spec);
    const chunks = [ids.slice(0, 3), ...ids.slice(3).map((id) => [id])];
    let pos = 0;
    for (const chunk of chunks) {
      const step = cpuForward(spec, weights, chunk, { cache, startPos: pos, steering, record });
      for (let k = 0; k < chunk.length; k++) {
        expect(maxAbsDiff(step.logits[k], full.logits[pos + k])).toBeLessThanOrEqual(1e-9);
        for (const h of record) expect(maxAbsDiff(step.recorded.get(h)![k], full.recorded.get(h)![pos + k])).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(step.strengths.get('2.mlp')![k] - full.strengths.get('2.mlp')![pos + k])).toBeLessThanOrEqual(1e-12);
      }
      pos += chunk.length;
      expect(cache.length).toBe(pos);
    }
  });

  it('refuses a startPos that does not match the cache', () => {
    const cache = createCpuKvCache(spec);
    cpuForward(spec, weights, PROMPT, { cache });
    expect(() => cpuForward(spec, weights, [5], { cache, startPos: 2 })).toThrow(/startPos/);
    expect(() => cpuForward(spec, weights, [spec.vocabSize])).toThrow(/out of range/);
  });

  it('identity maps, λ = 0 and a closed gate leave logits unchanged; a real map changes them', () => {
    const d = spec.hiddenSize;
    const ids = STORIES_REFERENCE_IDS;
    const base = cpuForward(spec, weights, ids);
    const every = (make: (h: HookName, i: number) => HookMap) => new Map(allHooks().map((h, i) => [h, make(h, i)]));

    const identity = cpuForward(spec, weights, ids, { steering: { maps: every(() => identityMap(d)), lambda: 1 } });
    expect(maxLogitDiff(identity, base)).toBeLessThanOrEqual(1e-6);

    const off = cpuForward(spec, weights, ids, { steering: { maps: every((_, i) => randomMap(d, 100 + i)), lambda: 0 } });
    expect(maxLogitDiff(off, base)).toBeLessThanOrEqual(1e-6);

    const closed = every((_, i) => ({ ...randomMap(d, 200 + i), gate: { a: randomVector(d, 300 + i, -0.1, 0.1), c: -1e4 } }));
    const gated = cpuForward(spec, weights, ids, { steering: { maps: closed, lambda: 1 } });
    expect(maxLogitDiff(gated, base)).toBeLessThanOrEqual(1e-6);
    for (const s of gated.strengths.values()) for (const v of s) expect(v).toBeLessThan(1e-30);

    // The same closed gates with useGate false steer at full strength and report no strengths.
    const ungated = cpuForward(spec, weights, ids, { steering: { maps: closed, lambda: 1, useGate: false } });
    expect(maxLogitDiff(ungated, base)).toBeGreaterThan(1e-3);
    expect(ungated.strengths.size).toBe(0);

    for (const h of ['0.attn', '2.mlp', '4.resid'] as HookName[]) {
      const one = cpuForward(spec, weights, ids, { steering: { maps: new Map([[h, randomMap(d, 5)]]), lambda: 1 } });
      expect(maxLogitDiff(one, base)).toBeGreaterThan(1e-3);
    }
  });

  it('records the pre-map activation at a steered hook and the steered stream downstream', () => {
    const d = spec.hiddenSize;
    const ids = STORIES_REFERENCE_IDS;
    const record: HookName[] = ['0.attn', '0.mlp', '0.resid', '1.attn'];
    const base = cpuForward(spec, weights, ids, { record });
    const shift: HookMap = { w: new Float32Array(d).fill(1), b: randomVector(d, 11, -1, 1) };
    const steered = cpuForward(spec, weights, ids, { record, steering: { maps: new Map([['0.attn', shift]]), lambda: 1 } });
    for (let t = 0; t < ids.length; t++) {
      expect(maxAbsDiff(steered.recorded.get('0.attn')![t], base.recorded.get('0.attn')![t])).toBe(0);
      expect(maxAbsDiff(steered.recorded.get('0.mlp')![t], base.recorded.get('0.mlp')![t])).toBeGreaterThan(1e-4);
    }

    // Steering the residual stream: the recorded resid is pre-map, the next layer sees the shifted stream.
    const resid = cpuForward(spec, weights, ids, { record, steering: { maps: new Map([['0.resid', shift]]), lambda: 1 } });
    for (let t = 0; t < ids.length; t++) {
      expect(maxAbsDiff(resid.recorded.get('0.resid')![t], base.recorded.get('0.resid')![t])).toBe(0);
      expect(maxAbsDiff(resid.recorded.get('1.attn')![t], base.recorded.get('1.attn')![t])).toBeGreaterThan(1e-4);
    }
  });

  it("a gate's recorded strength is σ(aᵀz + c) of the recorded pre-map activation", () => {
    const d = spec.hiddenSize;
    const ids = STORIES_REFERENCE_IDS;
    const gate = { a: randomVector(d, 21, -0.5, 0.5), c: 0.3 };
    const maps = new Map<HookName, HookMap>([
      ['0.attn', randomMap(d, 17)],
      ['2.mlp', { ...randomMap(d, 19), gate }],
    ]);
    const run = cpuForward(spec, weights, ids, { record: ['2.mlp'], steering: { maps, lambda: 1 } });
    const s = run.strengths.get('2.mlp')!;
    expect(s).toHaveLength(ids.length);
    expect([...run.strengths.keys()]).toEqual(['2.mlp']);
    const values = new Set<number>();
    run.recorded.get('2.mlp')!.forEach((z, t) => {
      let dot = gate.c;
      for (let j = 0; j < d; j++) dot += gate.a[j] * z[j];
      const expected = 1 / (1 + Math.exp(-dot));
      expect(Math.abs(s[t] - expected)).toBeLessThanOrEqual(1e-12);
      values.add(Math.round(expected * 1e6));
    });
    expect(values.size).toBeGreaterThan(1); // the gate really varies per token
  });
});
