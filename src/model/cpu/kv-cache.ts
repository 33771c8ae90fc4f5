import type { ModelSpec } from '../spec.ts';

/**
 * Keys (after RoPE) and values of every processed position, per layer, for the CPU forward pass.
 * `keys[layer][pos]` and `values[layer][pos]` hold `numKvHeads · headDim` numbers (head-major).
 */
export interface CpuKvCache {
  /** Number of positions already processed (the next token goes to position `length`). */
  length: number;
  readonly keys: Float64Array[][];
  readonly values: Float64Array[][];
}

export function createCpuKvCache(spec: ModelSpec): CpuKvCache {
  const keys: Float64Array[][] = [];
  const values: Float64Array[][] = [];
  for (let i = 0; i < spec.numLayers; i++) {
    keys.push([]);
    values.push([]);
  }
  return { length: 0, keys, values };
}
