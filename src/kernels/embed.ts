import source from './embed.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { withWeights, type GpuWeightDType } from './weights-access.ts';
import { packParams, u32 } from './params.ts';

/** Embedding lookup: x[t] = E[ids[t]]. Bindings: params, ids, E (GPU weight layout), x, count (uniform: tokens as u32). */
export function embedPipeline(cache: PipelineCache, dtype: GpuWeightDType): GPUComputePipeline {
  return cache.get(withWeights(source, dtype), `embed-${dtype}`);
}
export function embedParams(dim: number, vocab: number): ArrayBuffer {
  return packParams([u32(dim), u32(vocab)]);
}
/** The count uniform: the number of tokens. */
export function embedCount(tokens: number): ArrayBuffer {
  return packParams([u32(tokens)]);
}
export function embedWorkgroups(dim: number, tokens: number): [number, number, number] {
  return [Math.ceil(dim / 2 / 64), Math.ceil(tokens / 16), 1];
}

/** CPU twin. */
export function embedCpu(ids: ArrayLike<number>, E: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(ids.length * dim);
  for (let t = 0; t < ids.length; t++) out.set(E.subarray(ids[t] * dim, (ids[t] + 1) * dim), t * dim);
  return out;
}
