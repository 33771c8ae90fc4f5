import body from './sample.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { sampleWithUniform, type SamplingOptions } from '../core/sampler.ts';
import { defineParams, withParams } from './params.ts';

export interface SampleSettings {
  /** > 0 (temperature 0 is greedy: the argmax kernel). */
  temperature: number;
  /** 0: no top-k. */
  topK: number;
  /** 1: no top-p. */
  topP: number;
  seed: number;
  /** Which uniform number of the seed's sequence the first sample uses (workgroup w uses counter + w). */
  counter: number;
}

export const SAMPLE_PARAMS = defineParams('SampleParams', {
  vocab: 'u32', rowOffset: 'u32', topK: 'u32', seed: 'u32', counter: 'u32', temperature: 'f32', topP: 'f32',
});
const source = withParams(body, SAMPLE_PARAMS);

/** Bindings: params, logits, result (a token word per sample: id, top bit = the row is not finite). One workgroup per sample. */
export function samplePipeline(cache: PipelineCache): GPUComputePipeline {
  return cache.get(source, 'sample');
}
export function sampleParams(vocab: number, rowOffset: number, s: SampleSettings): ArrayBuffer {
  const { topK, counter, temperature, topP } = s;
  // The seed word is the seed modulo 2³², as samplingUniform reads it (seeds may be any whole number).
  return SAMPLE_PARAMS.pack({ vocab, rowOffset, topK, seed: s.seed >>> 0, counter, temperature, topP });
}
export function sampleWorkgroups(samples: number): [number, number, number] {
  return [samples, 1, 1];
}

/**
 * The uniform number the kernel draws for call `n` (0-based) of `seed`: mulberry32 (makeRng(seed)'s n-th uniform)
 * truncated to its top 24 bits, so it is exact in f32.
 */
export function samplingUniform(seed: number, n: number): number {
  let t = ((seed >>> 0) + Math.imul((n + 1) >>> 0, 0x6d2b79f5)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  t = (t ^ (t >>> 14)) >>> 0;
  return (t >>> 8) / 16777216;
}

/** The options of the CPU sampler that give the same rule. */
export function samplingOptions(s: SampleSettings): SamplingOptions {
  return { temperature: s.temperature, topK: s.topK, topP: s.topP, seed: s.seed };
}

/**
 * CPU twin: the CPU sampler (src/model/sampler.ts) with the kernel's uniform. The kernel's weights are f32 and summed
 * in another order, so an id can differ only where u · mass lies within rounding of a boundary of the cumulative
 * weights (or the top-p cut lies within rounding of top-p).
 */
export function sampleCpu(logits: ArrayLike<number>, s: SampleSettings, sample = 0): number {
  return sampleWithUniform(logits, samplingOptions(s), samplingUniform(s.seed, s.counter + sample));
}
