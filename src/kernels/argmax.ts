import body from './argmax.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { defineParams, withParams } from './params.ts';

export { NON_FINITE_BIT, decodeTokenWord, hasNonFinite } from './token-word.ts';

export const ARGMAX_PARAMS = defineParams('ArgmaxParams', { vocab: 'u32', rowOffset: 'u32' });
const source = withParams(body, ARGMAX_PARAMS);

/** Bindings: params, logits, result (a token word: id, top bit = the row is not finite). One workgroup. */
export function argmaxPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'argmax');
}
export function argmaxParams(vocab: number, rowOffset: number): ArrayBuffer {
  return ARGMAX_PARAMS.pack({ vocab, rowOffset });
}
/** CPU twin: first index of the maximum. */
export function argmaxCpu(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (logits[offset + i] > logits[offset + best]) best = i;
  return best;
}
