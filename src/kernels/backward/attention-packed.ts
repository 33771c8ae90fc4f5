import forwardBody from './attention-packed.wgsl?raw';
import backwardBody from './attention-backward.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';
import type { PackedHeads } from './rope-packed.ts';

export type AttentionBackwardPass = 'query' | 'key';

/** The uniform of the forward and both backward passes. */
export const ATTENTION_PACKED_PARAMS = defineParams('AttentionPackedParams', {
  nHeads: 'u32', nKv: 'u32', headDim: 'u32', qkvStride: 'u32', outStride: 'u32', scale: 'f32',
});
const forwardSource = withParams(forwardBody, ATTENTION_PACKED_PARAMS, PACKED_COUNT);
const backwardSource = withParams(backwardBody, ATTENTION_PACKED_PARAMS, PACKED_COUNT);

/** Forward bindings: params, qkv, tok, out, lse, count. */
export function attentionPackedPipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(forwardSource, 'attention-packed');
}
/** Backward bindings (both passes, query first): params, qkv, tok, dOut, lse, delta, dqkv, count. */
export function attentionBackwardPipeline(cache: PipelineCache, pass: AttentionBackwardPass): GPUComputePipeline {
  return cache.get(backwardSource.replace(`fn ${pass}(`, 'fn main('), `attention-backward-${pass}`);
}
export function attentionPackedParams(s: PackedHeads, outStride: number): ArrayBuffer {
  if (s.nHeads % s.nKv !== 0) throw new Error(`attention: ${s.nHeads} heads do not split into ${s.nKv} KV groups`);
  const { nHeads, nKv, headDim, qkvStride } = s;
  return ATTENTION_PACKED_PARAMS.pack({ nHeads, nKv, headDim, qkvStride, outStride, scale: 1 / Math.sqrt(headDim) });
}
export function attentionPackedWorkgroups(s: PackedHeads, tokens: number): [number, number, number] {
  return tokens === 0 ? [0, 0, 0] : [Math.ceil((tokens * s.nHeads) / 64), 1, 1];
}
export function attentionBackwardWorkgroups(s: PackedHeads, tokens: number, pass: AttentionBackwardPass): [number, number, number] {
  if (tokens === 0) return [0, 0, 0];
  return [Math.ceil((tokens * (pass === 'query' ? s.nHeads : s.nKv)) / 64), 1, 1];
}

/** Scores q_t·k_s/√hd of (t, h) over its prompt's tokens start..t (float64). */
function scores(s: PackedHeads, qkv: Float32Array, t: number, h: number, start: number): Float64Array {
  const hd = s.headDim;
  const kvh = Math.floor(h / (s.nHeads / s.nKv));
  const out = new Float64Array(t - start + 1);
  for (let u = start; u <= t; u++) {
    let d = 0;
    for (let j = 0; j < hd; j++) d += qkv[t * s.qkvStride + h * hd + j] * qkv[u * s.qkvStride + (s.nHeads + kvh) * hd + j];
    out[u - start] = d / Math.sqrt(hd);
  }
  return out;
}

/** CPU twin of the forward: out [tokens, outStride] and lse [tokens, H] (float64 inside). */
export function attentionPackedCpu(s: PackedHeads, qkv: Float32Array, tok: Uint32Array, tokens: number, outStride: number): { out: Float32Array; lse: Float32Array } {
  const hd = s.headDim;
  const out = new Float32Array(tokens * outStride);
  const lse = new Float32Array(tokens * s.nHeads);
  for (let t = 0; t < tokens; t++) {
    const start = tok[4 * t + 2];
    for (let h = 0; h < s.nHeads; h++) {
      const kvh = Math.floor(h / (s.nHeads / s.nKv));
      const sc = scores(s, qkv, t, h, start);
      const m = Math.max(...sc);
      let sum = 0;
      const acc = new Float64Array(hd);
      for (let u = start; u <= t; u++) {
        const p = Math.exp(sc[u - start] - m);
        sum += p;
        for (let j = 0; j < hd; j++) acc[j] += p * qkv[u * s.qkvStride + (s.nHeads + s.nKv + kvh) * hd + j];
      }
      for (let j = 0; j < hd; j++) out[t * outStride + h * hd + j] = acc[j] / sum;
      lse[t * s.nHeads + h] = m + Math.log(sum);
    }
  }
  return { out, lse };
}

/** CPU twin of the backward (probabilities from exact softmax, float64): dqkv [tokens, qkvStride]. */
export function attentionBackwardCpu(s: PackedHeads, qkv: Float32Array, tok: Uint32Array, dOut: Float32Array, tokens: number, outStride: number): Float32Array {
  const hd = s.headDim;
  const H = s.nHeads;
  const KV = s.nKv;
  const dqkv = new Float64Array(tokens * s.qkvStride);
  const scale = 1 / Math.sqrt(hd);
  for (let t = 0; t < tokens; t++) {
    const start = tok[4 * t + 2];
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / (H / KV));
      const sc = scores(s, qkv, t, h, start);
      const m = Math.max(...sc);
      let sum = 0;
      for (const v of sc) sum += Math.exp(v - m);
      const p = Array.from(sc, (v) => Math.exp(v - m) / sum);
      const dp = new Float64Array(sc.length);
      let dl = 0;
      for (let u = start; u <= t; u++) {
        let d = 0;
        for (let j = 0; j < hd; j++) d += dOut[t * outStride + h * hd + j] * qkv[u * s.qkvStride + (H + KV + kvh) * hd + j];
        dp[u - start] = d;
        dl += p[u - start] * d;
      }
      for (let u = start; u <= t; u++) {
        const pi = p[u - start];
        const ds = pi * (dp[u - start] - dl) * scale;
        const kb = u * s.qkvStride + (H + kvh) * hd;
        const vb = u * s.qkvStride + (H + KV + kvh) * hd;
        for (let j = 0; j < hd; j++) {
          dqkv[t * s.qkvStride + h * hd + j] += ds * qkv[kb + j];
          dqkv[kb + j] += ds * qkv[t * s.qkvStride + h * hd + j];
          dqkv[vb + j] += pi * dOut[t * outStride + h * hd + j];
        }
      }
    }
  }
  return Float32Array.from(dqkv);
}
