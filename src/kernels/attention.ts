import source from './attention.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { f32, packParams, u32 } from './params.ts';
import type { AttentionShape } from './rope-kv.ts';

/** Bindings: step, params, qkv, kCache, vCache, out. Head dims up to 256. */
export function attentionPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'attention');
}
export function attentionParams(s: AttentionShape, outStride: number): ArrayBuffer {
  return packParams([
    u32(s.nHeads), u32(s.nKv), u32(s.headDim), u32(s.qkvStride), u32(s.maxPos), u32(s.layerOffset), u32(outStride),
    f32(1 / Math.sqrt(s.headDim)),
  ]);
}
export function attentionWorkgroups(s: AttentionShape, tokens: number): [number, number, number] {
  return [s.nHeads, tokens, 1];
}

/** CPU twin: causal softmax attention of every (token, head) over cache positions 0..pos0+t. */
export function attentionCpu(s: AttentionShape, qkv: Float32Array, kCache: Float32Array, vCache: Float32Array, pos0: number, tokens: number, outStride: number): Float32Array {
  const hd = s.headDim;
  const out = new Float32Array(tokens * outStride);
  const group = s.nHeads / s.nKv;
  for (let t = 0; t < tokens; t++) {
    const n = pos0 + t + 1;
    for (let h = 0; h < s.nHeads; h++) {
      const base = s.layerOffset + Math.floor(h / group) * s.maxPos * hd;
      const scores = new Float64Array(n);
      let m = -Infinity;
      for (let p = 0; p < n; p++) {
        let d = 0;
        for (let k = 0; k < hd; k++) d += qkv[t * s.qkvStride + h * hd + k] * kCache[base + p * hd + k];
        scores[p] = d / Math.sqrt(hd);
        m = Math.max(m, scores[p]);
      }
      let sum = 0;
      for (let p = 0; p < n; p++) sum += (scores[p] = Math.exp(scores[p] - m));
      for (let k = 0; k < hd; k++) {
        let a = 0;
        for (let p = 0; p < n; p++) a += scores[p] * vCache[base + p * hd + k];
        out[t * outStride + h * hd + k] = a / sum;
      }
    }
  }
  return out;
}
