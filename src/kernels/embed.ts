import body from './embed.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { withWeights, type WeightFormat } from './weights-access.ts';
import { defineParams, withParams } from './params.ts';
import { TOKEN_COUNT, tokenCount } from './token-count.ts';

export const EMBED_PARAMS = defineParams('EmbedParams', { dim: 'u32', vocab: 'u32', rows: 'u32', rowOffset: 'u32' });
const source = withParams(body, EMBED_PARAMS, TOKEN_COUNT);

/**
 * Embedding lookup: x[t] = E[ids[t]], one dispatch per row segment of E. Bindings: params, ids, E (a segment in the GPU
 * weight layout of `format`), x, count (uniform: tokens as u32).
 */
export function embedPipeline(cache: PipelineCache, format: WeightFormat): GPUComputePipeline {
  return cache.get(withWeights(source, format), `embed-${format}`);
}
/** The segment holds rows rowOffset..rowOffset + rows of the vocab (default: all of them). */
export function embedParams(dim: number, vocab: number, rows = vocab, rowOffset = 0): ArrayBuffer {
  return EMBED_PARAMS.pack({ dim, vocab, rows, rowOffset });
}
/** The count uniform: the number of tokens. */
export function embedCount(tokens: number): ArrayBuffer {
  return tokenCount(tokens);
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
