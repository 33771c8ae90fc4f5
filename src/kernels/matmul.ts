import source from './matmul.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { withWeights, type GpuWeightDType } from './weights-access.ts';
import { f32, packParams, u32 } from './params.ts';

/** Fused input transform of the matmul (see matmul.wgsl). */
export type MatmulInput = 'plain' | 'rmsnorm' | 'silu-mul';
const MODE: Record<MatmulInput, number> = { plain: 0, rmsnorm: 1, 'silu-mul': 2 };

export interface MatmulShape {
  rows: number;
  cols: number;
  /** Floats between consecutive tokens of the input (cols, or 2·cols for silu-mul). */
  inStride: number;
  /** Floats between consecutive tokens of the output. */
  outStride: number;
  /** Input token read for output token t is t + inTokenOffset (the LM head reads only the last token). */
  inTokenOffset: number;
  hasBias: boolean;
  eps: number;
}

/** Bindings: params, x, g (norm weight, or any buffer), W, bias (or any buffer), y. */
export function matmulPipeline(cache: PipelineCache, input: MatmulInput, dtype: GpuWeightDType): GPUComputePipeline {
  const code = withWeights(source.replace('INPUT_MODE_VALUE', `${MODE[input]}u`), dtype);
  return cache.get(code, `matmul-${input}-${dtype}`);
}
export function matmulParams(s: MatmulShape): ArrayBuffer {
  return packParams([u32(s.rows), u32(s.cols), u32(s.inStride), u32(s.outStride), u32(s.inTokenOffset), u32(s.hasBias ? 1 : 0), f32(s.eps)]);
}
export function matmulWorkgroups(rows: number, tokens: number): [number, number, number] {
  return [Math.ceil(rows / 4), tokens, 1];
}

/** CPU twin (float64 accumulation). W is row-major [rows, cols]. */
export function matmulCpu(
  input: MatmulInput,
  s: MatmulShape,
  x: Float32Array,
  g: Float32Array | null,
  W: Float32Array,
  bias: Float32Array | null,
  tokens: number,
): Float32Array {
  const y = new Float32Array(tokens * s.outStride);
  const a = new Float64Array(s.cols);
  for (let t = 0; t < tokens; t++) {
    const xin = (t + s.inTokenOffset) * s.inStride;
    if (input === 'silu-mul') {
      for (let j = 0; j < s.cols; j++) {
        const gv = x[xin + j];
        a[j] = (gv / (1 + Math.exp(-gv))) * x[xin + s.cols + j];
      }
    } else {
      let scale = 1;
      if (input === 'rmsnorm') {
        let ss = 0;
        for (let j = 0; j < s.cols; j++) ss += x[xin + j] * x[xin + j];
        scale = 1 / Math.sqrt(ss / s.cols + s.eps);
      }
      for (let j = 0; j < s.cols; j++) a[j] = x[xin + j] * (input === 'rmsnorm' ? scale * g![j] : 1);
    }
    for (let r = 0; r < s.rows; r++) {
      let acc = s.hasBias && bias ? bias[r] : 0;
      const off = r * s.cols;
      for (let j = 0; j < s.cols; j++) acc += W[off + j] * a[j];
      y[t * s.outStride + r] = acc;
    }
  }
  return y;
}
