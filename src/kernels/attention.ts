import body from './attention.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { defineParams, withParams } from './params.ts';
import { STEP, type AttentionShape } from './rope-kv.ts';

export type AttentionPass = 'partial' | 'combine';

export const ATTENTION_PARAMS = defineParams('AttentionParams', {
  nHeads: 'u32', nKv: 'u32', headDim: 'u32', qkvStride: 'u32', maxPos: 'u32', layerOffset: 'u32', outStride: 'u32',
  scale: 'f32',
});
const source = withParams(body, STEP, ATTENTION_PARAMS);

/**
 * Bindings (both passes): step (tokens, pos0, chunks), params, qkv, kCache, vCache, out, part (scratch of
 * attentionScratchFloats). Head dims: multiples of 4 (the pipeline is compiled for one head dim).
 */
export function attentionPipeline(cache: PipelineCache, headDim: number, pass: AttentionPass = 'partial'): GPUComputePipeline {
  if (headDim % 4 !== 0 || headDim <= 0) throw new Error(`attention needs a head dim that is a multiple of 4, got ${headDim}`);
  const code = source.replace('HD4_VALUE', `${headDim / 4}u`).replace(`fn ${pass}(`, 'fn main(');
  return cache.get(code, `attention-${pass}-hd${headDim}`);
}
export function attentionParams(s: AttentionShape, outStride: number): ArrayBuffer {
  const { nHeads, nKv, headDim, qkvStride, maxPos, layerOffset } = s;
  return ATTENTION_PARAMS.pack({ nHeads, nKv, headDim, qkvStride, maxPos, layerOffset, outStride, scale: 1 / Math.sqrt(headDim) });
}

/**
 * Threads the partial pass aims for; a chunk is never shorter than MIN_CHUNK positions (each extra chunk costs the
 * combine dispatch, which short contexts are better off without).
 */
const TARGET_THREADS = 1024;
const MIN_CHUNK = 256;

/** Position chunks of a step: enough (token, head, chunk) threads to fill the GPU, ≥ MIN_CHUNK positions each. */
export function attentionChunks(s: AttentionShape, tokens: number, pos0: number): number {
  const byWork = Math.ceil(TARGET_THREADS / (tokens * s.nHeads));
  return Math.max(1, Math.min(Math.ceil((pos0 + tokens) / MIN_CHUNK), byWork));
}
/** Floats of the `part` scratch buffer for steps of up to maxTokens tokens. */
export function attentionScratchFloats(s: AttentionShape, maxTokens: number): number {
  // tokens·H·chunks ≤ tokens·H + TARGET_THREADS
  return (maxTokens * s.nHeads + TARGET_THREADS) * (s.headDim + 2);
}
/** The step uniform: tokens, pos0 and the chunk count (rope-kv reads the first two). */
export function attentionStep(s: AttentionShape, tokens: number, pos0: number): ArrayBuffer {
  return STEP.pack({ tokens, pos0, chunks: attentionChunks(s, tokens, pos0) });
}
export function attentionWorkgroups(s: AttentionShape, tokens: number, chunks: number, pass: AttentionPass = 'partial'): [number, number, number] {
  if (pass === 'partial') return [Math.ceil((tokens * s.nHeads * chunks) / 64), 1, 1];
  return chunks > 1 ? [Math.ceil((tokens * s.nHeads * s.headDim) / 64), 1, 1] : [0, 0, 0];
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
