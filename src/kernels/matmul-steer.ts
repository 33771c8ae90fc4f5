import body from './matmul-steer.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { matmulTCpu } from './backward/matmul-t.ts';
import { MATMUL_PARAMS, matmulCpu, type MatmulShape } from './matmul.ts';
import { withParams } from './params.ts';
import { STEER_PARAMS, steerCpu, type SteerSite } from './steer-residual.ts';
import { withWeights, type WeightFormat } from './weights-access.ts';

export type MatmulSteerInput = 'plain' | 'silu-mul';

const source = withParams(body, MATMUL_PARAMS, STEER_PARAMS);

/** Rows one workgroup computes: the hook's whole input. */
export const MATMUL_STEER_MAX_ROWS = 64;

/**
 * A steered attn/mlp hook fused into the matmul that produces its input (o_proj: plain, down_proj: silu-mul), for
 * one-token steps of models with hidden size ≤ 64. Bindings: params (matmulParams: rows = hidden size), x (the
 * matmul's input), W, y (the residual stream: y += z'(z)), steer (steerParams of the site), map (packMap),
 * strengths, gproj (gated: Wᵀa, see gate-projection.ts; else any small buffer). One workgroup. `gated` must be the
 * site's hasGate.
 */
export function matmulSteerPipeline(cache: PipelineCache, input: MatmulSteerInput, dtype: WeightFormat, gated: boolean): GPUComputePipeline {
  const src = source.replace('INPUT_MODE_VALUE', input === 'plain' ? '0u' : '1u').replace('GATED_VALUE', String(gated));
  return cache.get(withWeights(src, dtype), `matmul-steer-${input}-${dtype}${gated ? '-gated' : ''}`);
}
export function matmulSteerWorkgroups(tokens: number): [number, number, number] {
  return tokens === 1 ? [1, 1, 1] : [0, 0, 0];
}
/** Sites the fused kernel takes: mode 0 with a map, nothing recorded, at most 64 neurons. */
export function matmulSteerFits(site: SteerSite): boolean {
  return site.mode === 0 && site.hasMap && !site.record && site.dim <= MATMUL_STEER_MAX_ROWS;
}

/**
 * CPU twin: z = the matmul (matmulCpu); the gate logit as a one-row matmul of the projected gate vector (Wᵀa) over
 * the same input, as the kernel sums it; then the map with k = λ·s on the residual y (steerCpu, mode 0). Returns s.
 */
export function matmulSteerCpu(input: MatmulSteerInput, site: SteerSite, shape: MatmulShape, x: Float32Array, W: Float32Array, y: Float32Array, packed: Float32Array): number {
  const dim = site.dim;
  const z = matmulCpu(input, shape, x, null, W, null, 1);
  let s = 1;
  if (site.hasGate) {
    const gproj = matmulTCpu({ rows: dim, cols: shape.cols, inStride: dim, outStride: shape.cols, accumulate: false }, packed.subarray(2 * dim, 3 * dim), W, 1);
    const logit = packed[3 * dim] + matmulCpu(input, { ...shape, rows: 1, outStride: 1 }, x, null, gproj, null, 1)[0];
    s = 1 / (1 + Math.exp(-logit));
  }
  steerCpu({ ...site, hasGate: false, lambda: site.lambda * s }, z, y, packed, 1);
  return s;
}
