/**
 * Sampling from one logits row on the CPU: temperature, top-k, top-p (nucleus), seeded. The engine samples on the GPU
 * (src/kernels/sample.wgsl, the same rule); this is its reference. The repetition penalty is applied before this.
 * The rule: order the vocabulary by logit (descending, lower id first on ties), keep the top k, softmax at the
 * temperature over them, keep the shortest prefix whose probability reaches top-p, and walk that prefix in order
 * until the cumulative probability exceeds u · (its mass) for one uniform u.
 */
import type { Rng } from './seeded-random.ts';

/** Sampling as the page and the protocol state it (every field present; `greedy` overrides the rest). */
export interface SamplingSettings {
  greedy: boolean;
  temperature: number;
  topP: number;
  topK: number;
  repetitionPenalty: number;
  seed: number;
}

export interface SamplingOptions {
  greedy?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
}

export function validateSampling(o: SamplingOptions): void {
  if (o.temperature !== undefined && !(o.temperature >= 0)) throw new Error(`temperature must be ≥ 0, got ${o.temperature}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new Error(`top-p must be in (0, 1], got ${o.topP}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) throw new Error(`top-k must be a whole number ≥ 0, got ${o.topK}`);
  if (o.repetitionPenalty !== undefined && !(o.repetitionPenalty > 0)) throw new Error(`repetition penalty must be > 0, got ${o.repetitionPenalty}`);
}

/** True when the options reduce to the argmax (greedy flag or temperature 0, or top-k 1). */
export function isGreedy(o: SamplingOptions): boolean {
  return Boolean(o.greedy) || o.temperature === 0 || o.topK === 1;
}

export function sampleToken(logits: Float32Array, o: SamplingOptions, rng: Rng): number {
  return sampleWithUniform(logits, o, rng.uniform());
}

/** The sampling rule for a given uniform u in [0, 1). */
export function sampleWithUniform(logits: ArrayLike<number>, o: SamplingOptions, uniform: number): number {
  const { ids, probs } = samplingDistribution(logits, o);
  let u = uniform;
  for (let k = 0; k < ids.length; k++) {
    u -= probs[k];
    if (u < 0) return ids[k];
  }
  return ids[ids.length - 1];
}

/** The ids sampling can return, in order (logit descending, lower id first on ties), and their probabilities. */
export function samplingDistribution(logits: ArrayLike<number>, o: SamplingOptions): { ids: number[]; probs: number[] } {
  const temperature = o.temperature ?? 1;
  const n = logits.length;
  let idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => logits[b] - logits[a] || a - b);
  if (o.topK && o.topK > 0 && o.topK < n) idx = idx.slice(0, o.topK);
  const max = logits[idx[0]];
  const probs = idx.map((i) => Math.exp((logits[i] - max) / temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  for (let k = 0; k < probs.length; k++) probs[k] /= total;
  let keep = probs.length;
  const topP = o.topP ?? 1;
  if (topP < 1) {
    let cum = 0;
    for (let k = 0; k < probs.length; k++) {
      cum += probs[k];
      if (cum >= topP) {
        keep = k + 1;
        break;
      }
    }
  }
  const kept = probs.slice(0, keep);
  const mass = kept.reduce((a, b) => a + b, 0);
  return { ids: idx.slice(0, keep), probs: kept.map((p) => p / mass) };
}
