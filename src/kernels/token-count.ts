import { defineParams } from './params.ts';

/**
 * The count uniform of the forward kernels that run over a step's tokens (embed, matmul, steer-residual): the number
 * of tokens. The LinEAS tape binds its packed count (backward/count.ts) there, which starts with the same field.
 */
export const TOKEN_COUNT = defineParams('TokenCount', { tokens: 'u32' });

export function tokenCount(tokens: number): ArrayBuffer {
  return TOKEN_COUNT.pack({ tokens });
}
