/**
 * What the LinEAS tape kernels share: the count uniform (tokens and prompts of the packed batch) and the per-token
 * info of a packed batch of prompts laid out one after another.
 */
import { defineParams } from '../params.ts';

/**
 * The count uniform of every kernel in this folder: tokens, prompts. The tape also binds it as embed/matmul/
 * steer-residual's TOKEN_COUNT (token-count.ts), which is its first field (params.test.ts checks the layouts agree).
 */
export const PACKED_COUNT = defineParams('PackedCount', { tokens: 'u32', prompts: 'u32' });

export function packedCount(tokens: number, prompts: number): ArrayBuffer {
  return PACKED_COUNT.pack({ tokens, prompts });
}

export interface PackedBatch {
  /** Per token: prompt index, position in its prompt, the prompt's first token, its length (vec4<u32> each). */
  tok: Uint32Array;
  /** Per prompt: first token, length (vec2<u32> each). */
  prompts: Uint32Array;
  tokens: number;
}

/** Lays out prompts of the given lengths one after another. */
export function packBatch(lengths: readonly number[]): PackedBatch {
  const tokens = lengths.reduce((a, b) => a + b, 0);
  const tok = new Uint32Array(4 * Math.max(1, tokens));
  const prompts = new Uint32Array(2 * Math.max(1, lengths.length));
  let start = 0;
  lengths.forEach((len, b) => {
    if (!(len > 0)) throw new Error(`prompt ${b} is empty`);
    prompts[2 * b] = start;
    prompts[2 * b + 1] = len;
    for (let p = 0; p < len; p++) tok.set([b, p, start, len], 4 * (start + p));
    start += len;
  });
  return { tok, prompts, tokens };
}
