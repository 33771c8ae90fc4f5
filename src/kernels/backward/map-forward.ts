import body from './map-forward.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';

export interface MapForwardSite {
  dim: number;
  /** 0: x += z'(z) (attn/mlp hooks); 1: x = z'(z) (resid hook, z a copy of the stream). */
  mode: 0 | 1;
  hasMap: boolean;
  hasGate: boolean;
  slot: number;
  nSlots: number;
}

export type MapForwardPass = 'gate' | 'apply';

/** MapForwardSite with the flags as 0/1. */
export const MAP_FORWARD_PARAMS = defineParams('MapForwardParams', { dim: 'u32', mode: 'u32', hasMap: 'u32', hasGate: 'u32', slot: 'u32', nSlots: 'u32' });
const source = withParams(body, MAP_FORWARD_PARAMS, PACKED_COUNT);

/** Floats of a packed trainable map: w | b | a | c (c padded to 4). */
export function trainMapFloats(dim: number): number {
  return 3 * dim + 4;
}

/** Packs (w, b[, a, c]) into the layout map-forward, mean-pool and map-backward read. */
export function packTrainMap(m: { w: ArrayLike<number>; b: ArrayLike<number>; gate?: { a: ArrayLike<number>; c: number } }, dim: number, out = new Float32Array(trainMapFloats(dim))): Float32Array {
  out.fill(0);
  out.set(m.w, 0);
  out.set(m.b, dim);
  if (m.gate) {
    out.set(m.gate.a, 2 * dim);
    out[3 * dim] = m.gate.c;
  }
  return out;
}

/** Bindings (both passes): params, z, x, map, strengths, count. */
export function mapForwardPipeline(cache: PipelineCache, pass: MapForwardPass): GPUComputePipeline {
  return cache.get(source.replace(`fn ${pass}(`, 'fn main('), `map-forward-${pass}`);
}
export function mapForwardParams(s: MapForwardSite): ArrayBuffer {
  const { dim, mode, slot, nSlots } = s;
  return MAP_FORWARD_PARAMS.pack({ dim, mode, hasMap: s.hasMap ? 1 : 0, hasGate: s.hasGate ? 1 : 0, slot, nSlots });
}
export function mapForwardPasses(s: MapForwardSite): MapForwardPass[] {
  return s.hasMap && s.hasGate ? ['gate', 'apply'] : ['apply'];
}
export function mapForwardWorkgroups(dim: number, tokens: number, pass: MapForwardPass): [number, number, number] {
  if (tokens === 0) return [0, 0, 0];
  return pass === 'gate' ? [Math.ceil(tokens / 64), 1, 1] : [Math.ceil(dim / 64), tokens, 1];
}

/** CPU twin (float64 inside): updates x, writes the gate values into strengths (gated maps). */
export function mapForwardCpu(s: MapForwardSite, z: Float32Array, x: Float32Array, packed: Float32Array, strengths: Float32Array, tokens: number): void {
  const { dim } = s;
  for (let t = 0; t < tokens; t++) {
    let st = 1;
    if (s.hasMap && s.hasGate) {
      let d = packed[3 * dim];
      for (let j = 0; j < dim; j++) d += packed[2 * dim + j] * z[t * dim + j];
      st = 1 / (1 + Math.exp(-d));
      strengths[t * s.nSlots + s.slot] = st;
    }
    for (let j = 0; j < dim; j++) {
      const v = z[t * dim + j];
      const o = s.hasMap ? v + st * ((packed[j] - 1) * v + packed[dim + j]) : v;
      x[t * dim + j] = s.mode === 0 ? x[t * dim + j] + o : o;
    }
  }
}
