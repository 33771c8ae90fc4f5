import body from './mean-pool.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';

export interface PoolSite {
  dim: number;
  hasMap: boolean;
  hasGate: boolean;
  /** Gate column in strengths ([token·nSlots + slot]). */
  slot: number;
  nSlots: number;
  /** Block of the pooled buffer: rows [poolSlot·maxPrompts + b]. */
  poolSlot: number;
  maxPrompts: number;
}

/** PoolSite with the flags as 0/1. */
export const MEAN_POOL_PARAMS = defineParams('MeanPoolParams', {
  dim: 'u32', hasMap: 'u32', hasGate: 'u32', slot: 'u32', nSlots: 'u32', poolSlot: 'u32', maxPrompts: 'u32',
});
const source = withParams(body, MEAN_POOL_PARAMS, PACKED_COUNT);

/** Bindings: params, z, map (packTrainMap layout), strengths, prompts (packBatch), pooled, count. */
export function meanPoolPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'mean-pool');
}
export function meanPoolParams(s: PoolSite): ArrayBuffer {
  const { dim, slot, nSlots, poolSlot, maxPrompts } = s;
  return MEAN_POOL_PARAMS.pack({ dim, hasMap: s.hasMap ? 1 : 0, hasGate: s.hasGate ? 1 : 0, slot, nSlots, poolSlot, maxPrompts });
}
export function meanPoolWorkgroups(dim: number, prompts: number): [number, number, number] {
  return prompts === 0 ? [0, 0, 0] : [Math.ceil(dim / 64), prompts, 1];
}

/** CPU twin (float64 sums): writes rows poolSlot·maxPrompts + b of `pooled`. */
export function meanPoolCpu(s: PoolSite, z: Float32Array, packed: Float32Array, strengths: Float32Array, prompts: Uint32Array, nPrompts: number, pooled: Float32Array): void {
  const { dim } = s;
  for (let b = 0; b < nPrompts; b++) {
    const start = prompts[2 * b];
    const len = prompts[2 * b + 1];
    for (let j = 0; j < dim; j++) {
      let acc = 0;
      for (let t = start; t < start + len; t++) {
        const v = z[t * dim + j];
        let o = v;
        if (s.hasMap) {
          const st = s.hasGate ? strengths[t * s.nSlots + s.slot] : 1;
          o = v + st * ((packed[j] - 1) * v + packed[dim + j]);
        }
        acc += o;
      }
      pooled[(s.poolSlot * s.maxPrompts + b) * dim + j] = acc / len;
    }
  }
}
