import body from './rmsnorm-backward.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';

export const RMSNORM_BACKWARD_PARAMS = defineParams('RmsnormBackwardParams', { dim: 'u32', eps: 'f32' });
const source = withParams(body, RMSNORM_BACKWARD_PARAMS, PACKED_COUNT);

/** Bindings: params, x, g (norm weight), dy, dx (added into), count. */
export function rmsnormBackwardPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'rmsnorm-backward');
}
export function rmsnormBackwardParams(dim: number, eps: number): ArrayBuffer {
  return RMSNORM_BACKWARD_PARAMS.pack({ dim, eps });
}
export function rmsnormBackwardWorkgroups(tokens: number): [number, number, number] {
  return tokens === 0 ? [0, 0, 0] : [Math.ceil(tokens / 64), 1, 1];
}

/** CPU twin (float64): returns dxInit + the RMSNorm backward of dy. */
export function rmsnormBackwardCpu(dim: number, eps: number, x: Float32Array, g: Float32Array, dy: Float32Array, dxInit: Float32Array, tokens: number): Float32Array {
  const dx = dxInit.slice();
  for (let t = 0; t < tokens; t++) {
    const o = t * dim;
    let ss = 0;
    let d = 0;
    for (let j = 0; j < dim; j++) {
      ss += x[o + j] * x[o + j];
      d += x[o + j] * dy[o + j] * g[j];
    }
    const r = 1 / Math.sqrt(ss / dim + eps);
    const c = (r * r * r * d) / dim;
    for (let j = 0; j < dim; j++) dx[o + j] = dx[o + j] + (r * dy[o + j] * g[j] - x[o + j] * c);
  }
  return dx;
}
