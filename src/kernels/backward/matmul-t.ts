import body from './matmul-t.wgsl?raw';
import type { PipelineCache } from '../../gpu/pipelines.ts';
import { defineParams, withParams } from '../params.ts';
import { PACKED_COUNT } from './count.ts';
import { withWeights, type WeightFormat } from '../weights-access.ts';

/** dx[t, :] (+)= dy[t, :] · W for W [rows, cols] (a Linear's weight: rows outputs, cols inputs). */
export interface MatmulTShape {
  rows: number;
  cols: number;
  /** Floats between consecutive tokens of dy (≥ rows) and of dx (≥ cols). */
  inStride: number;
  outStride: number;
  accumulate: boolean;
  /** W is a row segment: its row r pairs with dy column rowOffset + r (default 0); rows is the segment's row count. */
  rowOffset?: number;
}

const TOKENS_PER_THREAD = 8;

/** MatmulTShape with accumulate as 0/1. */
export const MATMUL_T_PARAMS = defineParams('MatmulTParams', { rows: 'u32', cols: 'u32', inStride: 'u32', outStride: 'u32', accumulate: 'u32', rowOffset: 'u32' });
const source = withParams(body, MATMUL_T_PARAMS, PACKED_COUNT);

/** Bindings: params, dy, W (GPU weight layout), dx, count. cols must be even. */
export function matmulTPipeline(cache: PipelineCache, dtype: WeightFormat): GPUComputePipeline {
  return cache.get(withWeights(source, dtype), `matmul-t-${dtype}`);
}
export function matmulTParams(s: MatmulTShape): ArrayBuffer {
  if (s.cols % 2 !== 0) throw new Error(`matmul-t needs an even column count, got ${s.cols}`);
  const { rows, cols, inStride, outStride } = s;
  return MATMUL_T_PARAMS.pack({ rows, cols, inStride, outStride, accumulate: s.accumulate ? 1 : 0, rowOffset: s.rowOffset ?? 0 });
}
export function matmulTWorkgroups(cols: number, tokens: number): [number, number, number] {
  if (tokens === 0) return [0, 0, 0];
  return [Math.ceil(cols / 2 / 64), Math.ceil(tokens / TOKENS_PER_THREAD), 1];
}

/** CPU twin (float64 sums). W row-major [rows, cols]; with accumulate the result is added to dxInit. */
export function matmulTCpu(s: MatmulTShape, dy: Float32Array, W: Float32Array, tokens: number, dxInit?: Float32Array): Float32Array {
  const dx = dxInit ? dxInit.slice() : new Float32Array(tokens * s.outStride);
  if (s.accumulate && !dxInit) throw new Error('accumulate needs dxInit');
  const acc = new Float64Array(s.cols);
  for (let t = 0; t < tokens; t++) {
    acc.fill(0);
    for (let r = 0; r < s.rows; r++) {
      const v = dy[t * s.inStride + r];
      const row = r * s.cols;
      for (let c = 0; c < s.cols; c++) acc[c] += v * W[row + c];
    }
    for (let c = 0; c < s.cols; c++) {
      const at = t * s.outStride + c;
      dx[at] = s.accumulate ? dx[at] + Math.fround(acc[c]) : acc[c];
    }
  }
  return dx;
}
