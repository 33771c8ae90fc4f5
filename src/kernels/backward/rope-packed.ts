import body from './rope-packed.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';

export interface PackedHeads {
  nHeads: number;
  nKv: number;
  headDim: number;
  /** Floats per token of qkv: (nHeads + 2·nKv)·headDim. */
  qkvStride: number;
}

export const ROPE_PACKED_PARAMS = defineParams('RopePackedParams', { nHeads: 'u32', nKv: 'u32', headDim: 'u32', qkvStride: 'u32', sign: 'f32' });
const source = withParams(body, ROPE_PACKED_PARAMS, PACKED_COUNT);

/** Bindings: params, qkv (rotated in place), cosSin (rope-kv.ts ropeTable), tok (packBatch), count. */
export function ropePackedPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'rope-packed');
}
/** sign +1: the forward rotation; −1: its inverse (= transpose), the backward. */
export function ropePackedParams(s: PackedHeads, sign: 1 | -1): ArrayBuffer {
  const { nHeads, nKv, headDim, qkvStride } = s;
  return ROPE_PACKED_PARAMS.pack({ nHeads, nKv, headDim, qkvStride, sign });
}
export function ropePackedWorkgroups(s: PackedHeads, tokens: number): [number, number, number] {
  if (tokens === 0) return [0, 0, 0];
  return [Math.ceil(((s.nHeads + s.nKv) * s.headDim) / 2 / 64), tokens, 1];
}

/** CPU twin: rotates the q and k heads of qkv in place (float32 table, float64 arithmetic). */
export function ropePackedCpu(s: PackedHeads, qkv: Float32Array, table: Float32Array, tok: Uint32Array, tokens: number, sign: 1 | -1): void {
  const hd = s.headDim;
  const half = hd / 2;
  for (let t = 0; t < tokens; t++) {
    const pos = tok[4 * t + 1];
    for (let head = 0; head < s.nHeads + s.nKv; head++) {
      const base = t * s.qkvStride + head * hd;
      for (let k = 0; k < half; k++) {
        const c = table[(pos * half + k) * 2];
        const sn = sign * table[(pos * half + k) * 2 + 1];
        const x1 = qkv[base + k];
        const x2 = qkv[base + k + half];
        qkv[base + k] = x1 * c - x2 * sn;
        qkv[base + k + half] = x2 * c + x1 * sn;
      }
    }
  }
}
