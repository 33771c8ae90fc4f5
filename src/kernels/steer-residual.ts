import body from './steer-residual.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { defineParams, withParams } from './params.ts';
import { TOKEN_COUNT, tokenCount } from './token-count.ts';
import type { HookMap } from '../core/steer-map.ts';

export interface SteerSite {
  dim: number;
  /** 0: x += z'(z) (attn/mlp hooks); 1: x = z'(x) (resid hook). */
  mode: 0 | 1;
  hasMap: boolean;
  hasGate: boolean;
  hasRange: boolean;
  record: boolean;
  slot: number;
  nSlots: number;
  recordSlot: number;
  maxTokens: number;
  lambda: number;
}

/** A hook's uniform (steer-residual and matmul-steer): SteerSite with the flags as 0/1. */
export const STEER_PARAMS = defineParams('SteerParams', {
  dim: 'u32', mode: 'u32', hasMap: 'u32', hasGate: 'u32', hasRange: 'u32', record: 'u32', slot: 'u32', nSlots: 'u32',
  recordSlot: 'u32', maxTokens: 'u32', lambda: 'f32',
});
const source = withParams(body, STEER_PARAMS, TOKEN_COUNT);

/** perToken: a workgroup per token (few tokens); perThread: a thread per token, no barrier (many tokens). */
export type SteerPass = 'perToken' | 'perThread';

/**
 * Bindings: params, z, x, map, strengths, rec, count (uniform: tokens as u32). One dispatch per hook: the DSAS gate
 * (when the site has one) and the map together.
 */
export function steerPipeline(cache: PipelineCache, pass: SteerPass = 'perToken'): GPUComputePipeline {
  return cache.get(source.replace(`fn ${pass}(`, 'fn main('), `steer-residual-${pass}`);
}
/**
 * The pass for a step of `tokens` tokens. `barrierFree` (CPU implementations of WebGPU, see prefersBarrierFree):
 * always perThread — there a gated perToken workgroup's barrier costs more than one thread doing the whole row.
 */
export function steerPass(tokens: number, barrierFree = false): SteerPass {
  return tokens > 1 || barrierFree ? 'perThread' : 'perToken';
}
export function steerParams(s: SteerSite): ArrayBuffer {
  const { dim, mode, slot, nSlots, recordSlot, maxTokens, lambda } = s;
  const flag = (b: boolean) => (b ? 1 : 0);
  return STEER_PARAMS.pack({
    dim, mode, hasMap: flag(s.hasMap), hasGate: flag(s.hasGate), hasRange: flag(s.hasRange), record: flag(s.record), slot, nSlots,
    recordSlot, maxTokens, lambda,
  });
}
export function steerWorkgroups(tokens: number, pass: SteerPass = 'perToken'): [number, number, number] {
  if (tokens === 0) return [0, 0, 0];
  return pass === 'perToken' ? [tokens, 1, 1] : [Math.ceil(tokens / 64), 1, 1];
}
/** The count uniform: the number of tokens. */
export function steerCount(tokens: number): ArrayBuffer {
  return tokenCount(tokens);
}

/** Float count of one hook's packed map: w | b | a | c (padded to 4) | lo | hi. */
export function packedMapLength(dim: number): number {
  return 5 * dim + 4;
}

/** Packs a HookMap into the layout the kernel reads. */
export function packMap(map: HookMap, dim: number): Float32Array {
  const out = new Float32Array(packedMapLength(dim));
  out.set(map.w, 0);
  out.set(map.b, dim);
  if (map.gate) {
    out.set(map.gate.a, 2 * dim);
    out[3 * dim] = map.gate.c;
  }
  if (map.range) {
    out.set(map.range.lo, 3 * dim + 4);
    out.set(map.range.hi, 4 * dim + 4);
  }
  return out;
}

/** CPU twin: applies one site to every token; returns the gate values per token (1 when ungated). */
export function steerCpu(s: SteerSite, z: Float32Array, x: Float32Array, packed: Float32Array, tokens: number, rec?: Float32Array): number[] {
  const dim = s.dim;
  const gates: number[] = [];
  for (let t = 0; t < tokens; t++) {
    const row = t * dim;
    const src = s.mode === 0 ? z : x;
    let g = 1;
    if (s.hasGate) {
      let d = packed[3 * dim];
      for (let j = 0; j < dim; j++) d += packed[2 * dim + j] * src[row + j];
      g = 1 / (1 + Math.exp(-d));
    }
    gates.push(g);
    const k = s.lambda * g;
    for (let j = 0; j < dim; j++) {
      const v = src[row + j];
      if (s.record && rec) rec[(s.recordSlot * s.maxTokens + t) * dim + j] = v;
      let o = v;
      const inside = !s.hasRange || (v >= packed[3 * dim + 4 + j] && v <= packed[4 * dim + 4 + j]);
      if (s.hasMap && inside) o = v + k * ((packed[j] - 1) * v + packed[dim + j]);
      x[row + j] = s.mode === 0 ? x[row + j] + o : o;
    }
  }
  return gates;
}
