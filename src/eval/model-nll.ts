/**
 * The negative log-likelihood of a token sequence under the GPU model as it is set up now (steered or not): one
 * forward pass from position 0 (the KV cache is rewritten from the start, as generate's prefill does), logits read
 * back only for the positions that predict a scored token.
 */
import type { GpuModel } from '../model/gpu/gpu-model.ts';
import { sequenceNll, type NllSum } from './perplexity.ts';

/**
 * Σ −log p(ids[k] | ids[..k]) for k = first..n−1 (first ≥ 1: the first token has no prediction). ids[0..first−1)
 * run without logits; the rest run in pieces of at most `model.logitRows` tokens, each at its own positions.
 */
export async function modelNll(model: GpuModel, ids: readonly number[], first: number): Promise<NllSum> {
  if (!(Number.isInteger(first) && first >= 1)) throw new Error(`the first scored token must be at index ≥ 1, got ${first}`);
  if (first >= ids.length) return { nll: 0, count: 0 };
  const rows: Float32Array[] = [];
  // Positions first−1 … n−2 predict tokens first … n−1; the last token is not fed.
  const from = first - 1;
  const end = ids.length - 1;
  if (from > 0) await model.run(ids.slice(0, from), 0, { logits: 'none' });
  const piece = Math.max(1, model.logitRows);
  for (let start = from; start < end; start += piece) {
    const r = await model.run(ids.slice(start, Math.min(end, start + piece)), start, { logits: 'all' });
    rows.push(...r.logits);
  }
  return sequenceNll(rows, ids.slice(first));
}
