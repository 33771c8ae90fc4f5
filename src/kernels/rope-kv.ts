import body from './rope-kv.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { defineParams, withParams } from './params.ts';

export interface AttentionShape {
  nHeads: number;
  nKv: number;
  headDim: number;
  /** Floats per token in the qkv buffer: (nHeads + 2·nKv)·headDim. */
  qkvStride: number;
  /** Positions the KV cache holds. */
  maxPos: number;
  /** Float offset of this layer's block in the K (and V) cache: layer·nKv·maxPos·headDim. */
  layerOffset: number;
}

/** The step uniform rope-kv and attention share (attention.ts attentionStep packs it; rope-kv reads tokens, pos0). */
export const STEP = defineParams('Step', { tokens: 'u32', pos0: 'u32', chunks: 'u32' });
export const ROPE_KV_PARAMS = defineParams('RopeKvParams', { nHeads: 'u32', nKv: 'u32', headDim: 'u32', qkvStride: 'u32', maxPos: 'u32', layerOffset: 'u32' });
const source = withParams(body, STEP, ROPE_KV_PARAMS);

/** Bindings: step, params, qkv, cosSin, kCache, vCache. */
export function ropeKvPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'rope-kv');
}
export function ropeKvParams(s: AttentionShape): ArrayBuffer {
  const { nHeads, nKv, headDim, qkvStride, maxPos, layerOffset } = s;
  return ROPE_KV_PARAMS.pack({ nHeads, nKv, headDim, qkvStride, maxPos, layerOffset });
}
export function ropeKvWorkgroups(s: AttentionShape, tokens: number): [number, number, number] {
  const threads = ((s.nHeads + s.nKv) * s.headDim) / 2 + s.nKv * s.headDim;
  return [Math.ceil(threads / 64), Math.ceil(tokens / 16), 1];
}

/** cos/sin table [maxPos][headDim/2] as interleaved (cos, sin) pairs, computed in float64 (inv_freq = θ^(−2i/hd)). */
export function ropeTable(headDim: number, theta: number, maxPos: number): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(maxPos * half * 2);
  for (let p = 0; p < maxPos; p++) {
    for (let i = 0; i < half; i++) {
      const invFreq = 1 / Math.pow(theta, (2 * i) / headDim);
      const angle = p * invFreq;
      out[(p * half + i) * 2] = Math.cos(angle);
      out[(p * half + i) * 2 + 1] = Math.sin(angle);
    }
  }
  return out;
}

/** CPU twin: returns the rotated qkv and the K/V cache blocks written for this step. */
export function ropeKvCpu(
  s: AttentionShape,
  qkv: Float32Array,
  table: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  pos0: number,
  tokens: number,
): void {
  const hd = s.headDim;
  const half = hd / 2;
  for (let t = 0; t < tokens; t++) {
    const pos = pos0 + t;
    const row = t * s.qkvStride;
    for (let head = 0; head < s.nHeads + s.nKv; head++) {
      const base = row + head * hd;
      for (let k = 0; k < half; k++) {
        const c = table[(pos * half + k) * 2];
        const sn = table[(pos * half + k) * 2 + 1];
        const x1 = qkv[base + k];
        const x2 = qkv[base + k + half];
        const o1 = x1 * c - x2 * sn;
        const o2 = x2 * c + x1 * sn;
        if (head < s.nHeads) {
          qkv[base + k] = o1;
          qkv[base + k + half] = o2;
        } else {
          const dst = s.layerOffset + ((head - s.nHeads) * s.maxPos + pos) * hd;
          kCache[dst + k] = o1;
          kCache[dst + k + half] = o2;
        }
      }
    }
    for (let kvh = 0; kvh < s.nKv; kvh++) {
      for (let d = 0; d < hd; d++) {
        vCache[s.layerOffset + (kvh * s.maxPos + pos) * hd + d] = qkv[row + (s.nHeads + s.nKv) * hd + kvh * hd + d];
      }
    }
  }
}
