import body from './repetition-penalty.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { defineParams, withParams } from './params.ts';

export const PENALTY_PARAMS = defineParams('PenaltyParams', { count: 'u32', rowOffset: 'u32', penalty: 'f32' });
const source = withParams(body, PENALTY_PARAMS);

/** Bindings: params, ids (distinct), logits. */
export function repetitionPenaltyPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'repetition-penalty');
}
export function repetitionPenaltyParams(count: number, rowOffset: number, penalty: number): ArrayBuffer {
  return PENALTY_PARAMS.pack({ count, rowOffset, penalty });
}
/** CPU twin (also what the CPU sampler uses). ids must be distinct. */
export function repetitionPenaltyCpu(logits: Float32Array, ids: Iterable<number>, penaltyValue: number, offset = 0): void {
  const penalty = Math.fround(penaltyValue); // the kernel's uniform holds it as f32
  for (const id of ids) {
    const v = logits[offset + id];
    logits[offset + id] = v > 0 ? v / penalty : v * penalty;
  }
}
