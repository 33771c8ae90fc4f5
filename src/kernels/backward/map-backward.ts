import body from './map-backward.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';

export interface MapBackSite {
  dim: number;
  hasMap: boolean;
  hasGate: boolean;
  /** Add the hook's pooled-row gradient (dpooled block poolSlot, divided by each prompt's length). */
  hasPool: boolean;
  slot: number;
  nSlots: number;
  poolSlot: number;
  maxPrompts: number;
  /** Float offset of this hook's w | b | a | c block in the grads buffer (mapGradFloats each). */
  gradBase: number;
  /** Float offset of the per-token gate scratch (one float per token) in the grads buffer, after every block. */
  dlogitBase: number;
}

export type MapBackPass = 'dlogit' | 'apply';

/** MapBackSite with the flags as 0/1. */
export const MAP_BACKWARD_PARAMS = defineParams('MapBackwardParams', {
  dim: 'u32', hasMap: 'u32', hasGate: 'u32', hasPool: 'u32', slot: 'u32', nSlots: 'u32', poolSlot: 'u32', maxPrompts: 'u32',
  gradBase: 'u32', dlogitBase: 'u32',
});
const source = withParams(body, MAP_BACKWARD_PARAMS, PACKED_COUNT);

/** Floats of one hook's gradient block: w, b, a (dim each), c padded to 4. */
export function mapGradFloats(dim: number): number {
  return 3 * dim + 4;
}

/**
 * Bindings (both passes): params, gin, z, map (packTrainMap layout), strengths, tok (packBatch), dpooled, gout, grads
 * (gradient blocks, then the gate scratch at dlogitBase), count. Gated maps run 'dlogit' then 'apply'; others only 'apply'.
 */
export function mapBackwardPipeline(cache: PipelineCache, pass: MapBackPass): GPUComputePipeline {
  return cache.get(source.replace(`fn ${pass}(`, 'fn main('), `map-backward-${pass}`);
}
export function mapBackwardParams(s: MapBackSite): ArrayBuffer {
  const { dim, slot, nSlots, poolSlot, maxPrompts, gradBase, dlogitBase } = s;
  const flag = (b: boolean) => (b ? 1 : 0);
  return MAP_BACKWARD_PARAMS.pack({
    dim, hasMap: flag(s.hasMap), hasGate: flag(s.hasGate), hasPool: flag(s.hasPool), slot, nSlots, poolSlot, maxPrompts, gradBase, dlogitBase,
  });
}
export function mapBackwardPasses(s: MapBackSite): MapBackPass[] {
  return s.hasMap && s.hasGate ? ['dlogit', 'apply'] : ['apply'];
}
export function mapBackwardWorkgroups(dim: number, tokens: number, pass: MapBackPass): [number, number, number] {
  if (tokens === 0) return [0, 0, 0];
  return [Math.ceil((pass === 'dlogit' ? tokens : dim) / 64), 1, 1];
}

/** CPU twin (float64): returns gout; adds the parameter gradients into `grads` (at gradBase). */
export function mapBackwardCpu(
  s: MapBackSite,
  gin: Float32Array,
  z: Float32Array,
  packed: Float32Array,
  strengths: Float32Array,
  tok: Uint32Array,
  dpooled: Float32Array,
  tokens: number,
  grads: Float32Array,
): Float32Array {
  const { dim } = s;
  const gout = new Float32Array(tokens * dim);
  const acc = new Float64Array(3 * dim + 1);
  const g = new Float64Array(dim);
  for (let t = 0; t < tokens; t++) {
    const b = tok[4 * t];
    const len = tok[4 * t + 3];
    for (let j = 0; j < dim; j++) {
      g[j] = gin[t * dim + j] + (s.hasPool ? dpooled[(s.poolSlot * s.maxPrompts + b) * dim + j] / len : 0);
    }
    if (!s.hasMap) {
      for (let j = 0; j < dim; j++) gout[t * dim + j] = g[j];
      continue;
    }
    const st = s.hasGate ? strengths[t * s.nSlots + s.slot] : 1;
    let dl = 0;
    if (s.hasGate) {
      let r = 0;
      for (let j = 0; j < dim; j++) r += g[j] * ((packed[j] - 1) * z[t * dim + j] + packed[dim + j]);
      dl = r * st * (1 - st);
      acc[3 * dim] += dl;
    }
    for (let j = 0; j < dim; j++) {
      const zv = z[t * dim + j];
      acc[j] += st * zv * g[j];
      acc[dim + j] += st * g[j];
      if (s.hasGate) acc[2 * dim + j] += dl * zv;
      gout[t * dim + j] = g[j] * (1 + st * (packed[j] - 1)) + (s.hasGate ? dl * packed[2 * dim + j] : 0);
    }
  }
  if (s.hasMap) {
    for (let j = 0; j < 2 * dim; j++) grads[s.gradBase + j] += acc[j];
    if (s.hasGate) {
      for (let j = 0; j < dim; j++) grads[s.gradBase + 2 * dim + j] += acc[2 * dim + j];
      grads[s.gradBase + 3 * dim] += acc[3 * dim];
    }
  }
  return gout;
}
