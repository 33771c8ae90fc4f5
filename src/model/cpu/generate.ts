import type { ModelSpec } from '../spec.ts';
import type { CpuWeights } from './weights.ts';
import { cpuForward, createCpuKvCache, type CpuForwardResult, type CpuSteering } from './forward.ts';

export interface CpuGreedyOptions {
  /** Applied at every position, prompt included (the cache is built under the same steering); several in order. */
  steering?: CpuSteering | readonly CpuSteering[];
  /** Stop after generating one of spec.eosTokenIds (default false: always `maxNew` tokens). */
  stopAtEos?: boolean;
  /** Called after each forward step (the prompt, then each generated token) with the token it chose. */
  onStep?: (nextId: number, step: CpuForwardResult) => void;
}

/** Greedy decoding through the KV cache path. Returns only the generated ids (not the prompt). */
export function cpuGreedy(
  spec: ModelSpec,
  weights: CpuWeights,
  promptIds: number[],
  maxNew: number,
  opts: CpuGreedyOptions = {},
): number[] {
  if (promptIds.length === 0) throw new Error('cpuGreedy needs at least one prompt token');
  const cache = createCpuKvCache(spec);
  const out: number[] = [];
  let input = promptIds;
  while (out.length < maxNew) {
    const step = cpuForward(spec, weights, input, { cache, steering: opts.steering, logits: 'last' });
    const next = argmax(step.logits[0]);
    opts.onStep?.(next, step);
    out.push(next);
    if (opts.stopAtEos && spec.eosTokenIds.includes(next)) break;
    input = [next];
  }
  return out;
}

/** Index of the largest value (the first one on ties, as torch.argmax). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
