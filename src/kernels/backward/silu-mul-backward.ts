import body from './silu-mul-backward.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';

export const SILU_MUL_BACKWARD_PARAMS = defineParams('SiluMulBackwardParams', { inter: 'u32' });
const source = withParams(body, SILU_MUL_BACKWARD_PARAMS, PACKED_COUNT);

/** Bindings: params, gu (gate ‖ up per token), dact, dgu, count. */
export function siluMulBackwardPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'silu-mul-backward');
}
export function siluMulBackwardParams(inter: number): ArrayBuffer {
  return SILU_MUL_BACKWARD_PARAMS.pack({ inter });
}
export function siluMulBackwardWorkgroups(inter: number, tokens: number): [number, number, number] {
  return tokens === 0 ? [0, 0, 0] : [Math.ceil(inter / 64), tokens, 1];
}

/** CPU twin (float64). */
export function siluMulBackwardCpu(inter: number, gu: Float32Array, dact: Float32Array, tokens: number): Float32Array {
  const dgu = new Float32Array(tokens * 2 * inter);
  for (let t = 0; t < tokens; t++) {
    const o = t * 2 * inter;
    for (let j = 0; j < inter; j++) {
      const g = gu[o + j];
      const u = gu[o + inter + j];
      const sig = 1 / (1 + Math.exp(-g));
      const da = dact[t * inter + j];
      dgu[o + j] = da * u * sig * (1 + g * (1 - sig));
      dgu[o + inter + j] = da * g * sig;
    }
  }
  return dgu;
}
