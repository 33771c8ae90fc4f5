import source from './matmul-steer.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { matmulCpu, type MatmulShape } from './matmul.ts';
import { steerCpu, type SteerSite } from './steer-residual.ts';
import { withWeights, type GpuWeightDType } from './weights-access.ts';

export type MatmulSteerInput = 'plain' | 'silu-mul';

/** Rows one workgroup computes: the hook's whole input. */
export const MATMUL_STEER_MAX_ROWS = 64;

/**
 * A steered attn/mlp hook fused into the matmul that produces its input (o_proj: plain, down_proj: silu-mul), for
 * one-token steps of models with hidden size ≤ 64. Bindings: params (matmulParams: rows = hidden size), x (the
 * matmul's input), W, y (the residual stream: y += z'(z)), steer (steerParams of the site), map (packMap),
 * strengths. One workgroup.
 */
export function matmulSteerPipeline(cache: PipelineCache, input: MatmulSteerInput, dtype: GpuWeightDType): GPUComputePipeline {
  return cache.get(withWeights(source.replace('INPUT_MODE_VALUE', input === 'plain' ? '0u' : '1u'), dtype), `matmul-steer-${input}-${dtype}`);
}
export function matmulSteerWorkgroups(tokens: number): [number, number, number] {
  return tokens === 1 ? [1, 1, 1] : [0, 0, 0];
}
/** Sites the fused kernel takes: mode 0 with a map, nothing recorded, at most 64 neurons. */
export function matmulSteerFits(site: SteerSite): boolean {
  return site.mode === 0 && site.hasMap && !site.record && site.dim <= MATMUL_STEER_MAX_ROWS;
}

/** CPU twin: z = the matmul (matmulCpu), then the hook (steerCpu, mode 0) on the residual y. Returns s. */
export function matmulSteerCpu(input: MatmulSteerInput, site: SteerSite, shape: MatmulShape, x: Float32Array, W: Float32Array, y: Float32Array, packed: Float32Array): number {
  const z = matmulCpu(input, shape, x, null, W, null, 1);
  return steerCpu(site, z, y, packed, 1)[0];
}
