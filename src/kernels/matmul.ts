import body from './matmul.wgsl?raw';
import type { PipelineCache } from '../gpu/pipelines.ts';
import { withWeights, type WeightFormat } from './weights-access.ts';
import { defineParams, withParams } from './params.ts';
import { TOKEN_COUNT, tokenCount } from './token-count.ts';

/** Fused input transform of the matmul (see matmul.wgsl). */
export type MatmulInput = 'plain' | 'rmsnorm' | 'silu-mul';
const MODE: Record<MatmulInput, number> = { plain: 0, rmsnorm: 1, 'silu-mul': 2 };

/** The matmul's uniform (also matmul-steer's): MatmulShape with the flags as 0/1. */
export const MATMUL_PARAMS = defineParams('MatmulParams', {
  rows: 'u32', cols: 'u32', inStride: 'u32', outStride: 'u32', inTokenOffset: 'u32', hasBias: 'u32', eps: 'f32', accumulate: 'u32',
  rowOffset: 'u32',
});
const source = withParams(body, MATMUL_PARAMS, TOKEN_COUNT);

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
  /** Add the result to y instead of overwriting it (the residual add of an unsteered hook, fused). */
  accumulate?: boolean;
  /** W is a row segment: its row r is output row rowOffset + r (default 0). rows is then the segment's row count. */
  rowOffset?: number;
}

/**
 * Work split of a workgroup (see matmul.wgsl): rg row threads × tg token threads, each thread tt tokens × rt rows;
 * tile tg·tt tokens × rg·rt rows.
 */
export interface MatmulTiling {
  rg: number;
  tg: number;
  tt: number;
  rt: number;
  /** Threads sharing each output over column ranges (default 1: none, no barrier). */
  ks?: number;
}

/** One token (decode, the LM head on the last token): 64 rows per workgroup, two per thread. */
export const DECODE_TILING: MatmulTiling = { rg: 32, tg: 1, tt: 1, rt: 2 };
/**
 * Several tokens (prefill): 8 tokens × 64 rows per workgroup, 4 × 4 per thread (8 × 4 runs ~20% faster on
 * SwiftShader for long prompts but takes twice as long to compile).
 */
export const PREFILL_TILING: MatmulTiling = { rg: 16, tg: 2, tt: 4, rt: 4 };

/**
 * One token with long rows on a GPU: 64 rows × 4 column ranges per workgroup of 256 threads (4× the threads of
 * DECODE_TILING, for GPUs that need many threads in flight; one barrier per workgroup).
 */
export const DECODE_SPLIT_TILING: MatmulTiling = { rg: 64, tg: 1, tt: 1, rt: 1, ks: 4 };
/** Rows at least this long use DECODE_SPLIT_TILING where barriers are cheap. */
export const SPLIT_MIN_COLS = 512;

/**
 * The tiling for a step of `tokens` tokens over rows of `cols` columns. `barrierFree`: the device runs barriers
 * slowly (CPU implementations such as SwiftShader, see prefersBarrierFree), so no tiling with a barrier is used.
 */
export function matmulTiling(tokens: number, cols = 0, barrierFree = true): MatmulTiling {
  if (tokens > 1) return PREFILL_TILING;
  return !barrierFree && cols >= SPLIT_MIN_COLS ? DECODE_SPLIT_TILING : DECODE_TILING;
}

/** True for CPU implementations of WebGPU (SwiftShader and the like), where workgroup barriers are expensive. */
export function prefersBarrierFree(info: { vendor: string; architecture: string; description: string }): boolean {
  return /swiftshader|llvmpipe|lavapipe|warp|microsoft basic render/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The unrolled per-thread code of a tiling (filled into matmul.wgsl's @ markers). */
function unrolled(input: MatmulInput, t: MatmulTiling): Record<string, string[]> {
  const I = range(t.tt);
  const K = range(t.rt);
  const each = (f: (i: number, k: number) => string) => I.flatMap((i) => K.map((k) => f(i, k)));
  const ks = t.ks ?? 1;
  // Split-K: every thread parks its partial sums (and sums of squares) at red[((ks·TG + tg)·RG + rg)·nacc + j], then
  // thread ks = 0 adds the other KS − 1 threads' values to its own; the others return (after the one barrier).
  const sums = [...each((i, k) => `a${i}_${k}`), ...(input === 'rmsnorm' ? I.map((i) => `ss${i}`) : [])];
  const nacc = sums.length;
  const slot = (ksExpr: string, j: number) => `red[((${ksExpr} * TG + tg) * RG + rg) * ${nacc}u + ${j}u]`;
  const reduce = [
    ...sums.map((v, j) => `${slot('ks', j)} = ${v};`),
    'workgroupBarrier();',
    'if (ks != 0u) { return; }',
    `for (var o = 1u; o < KS; o++) {`,
    ...sums.map((v, j) => `  ${v} += ${slot('o', j)};`),
    '}',
  ];
  const x = I.flatMap((i) => {
    if (input === 'plain') return [`let x${i} = pair(xin${i}, p);`];
    if (input === 'rmsnorm') return [`let r${i} = pair(xin${i}, p);`, `ss${i} += dot(r${i}, r${i});`, `let x${i} = r${i} * gp;`];
    return [`let x${i} = silu(pair(xin${i}, p)) * pair(xin${i} + params.cols, p);`];
  });
  return {
    '@SETUP': [
      ...K.map((k) => `let row${k} = min(r0 + rg + ${k}u * RG, rows - 1u);`),
      ...I.map((i) => `let xin${i} = (min(tFirst + ${i}u, count.tokens - 1u) + params.inTokenOffset) * params.inStride;`),
      ...I.map((i) => `var ss${i} = 0.0;`),
      ...each((i, k) => `var a${i}_${k} = 0.0;`),
    ],
    '@INNER': [
      ...K.map((k) => `let w${k} = weight2(p, row${k}, rows);`),
      ...(input === 'rmsnorm' ? ['let gp = vec2<f32>(g[2u * p], g[2u * p + 1u]);'] : []),
      ...x,
      ...each((i, k) => `a${i}_${k} += dot(w${k}, x${i});`),
    ],
    '@STORE': [
      ...(ks > 1 ? reduce : []),
      ...I.map((i) => `let s${i} = normScale(ss${i});`),
      ...each((i, k) => `store(tFirst + ${i}u, r0 + rg + ${k}u * RG, a${i}_${k}, s${i});`),
    ],
    '@DECL': ks > 1 ? [`var<workgroup> red: array<f32, ${ks * t.rg * t.tg * nacc}>;`] : [],
  };
}

/**
 * Bindings: params (48 bytes), x, g (norm weight, or any buffer), W (GPU layout of weight format `dtype`,
 * weights-access.ts), bias (or any buffer), y, count (uniform: the number of output tokens, u32).
 */
export function matmulPipeline(cache: PipelineCache, input: MatmulInput, dtype: WeightFormat, tiling: MatmulTiling = DECODE_TILING): GPUComputePipeline {
  const { rg, tg, tt, rt } = tiling;
  const ks = tiling.ks ?? 1;
  if (rg * tg * ks > 256 || rg % 4 !== 0 || tt < 1 || rt < 1 || ks < 1) throw new Error(`bad matmul tiling ${JSON.stringify(tiling)}`);
  let code = source
    .replace('INPUT_MODE_VALUE', `${MODE[input]}u`)
    .replace('RG_VALUE', `${rg}u`)
    .replace('TG_VALUE', `${tg}u`)
    .replace('TT_VALUE', `${tt}u`)
    .replace('RT_VALUE', `${rt}u`)
    .replace('KS_VALUE', `${ks}u`);
  for (const [marker, lines] of Object.entries(unrolled(input, tiling))) code = code.replace(`// ${marker}\n`, lines.map((l) => `  ${l}\n`).join(''));
  return cache.get(withWeights(code, dtype), `matmul-${input}-${dtype}-${rg}x${tg}x${tt}x${rt}${ks > 1 ? `-ks${ks}` : ''}`);
}
export function matmulParams(s: MatmulShape): ArrayBuffer {
  const { rows, cols, inStride, outStride, inTokenOffset, eps } = s;
  return MATMUL_PARAMS.pack({ rows, cols, inStride, outStride, inTokenOffset, hasBias: s.hasBias ? 1 : 0, eps, accumulate: s.accumulate ? 1 : 0, rowOffset: s.rowOffset ?? 0 });
}
export function matmulWorkgroups(rows: number, tokens: number, tiling: MatmulTiling = DECODE_TILING): [number, number, number] {
  if (tokens === 0) return [0, 0, 0];
  return [Math.ceil(rows / (tiling.rg * tiling.rt)), Math.ceil(tokens / (tiling.tg * tiling.tt)), 1];
}
/** The count uniform: the number of output tokens. */
export function matmulCount(tokens: number): ArrayBuffer {
  return tokenCount(tokens);
}

/** CPU twin (float64 accumulation). W is row-major [rows, cols]; with shape.accumulate the result is added to yInit. */
export function matmulCpu(
  input: MatmulInput,
  s: MatmulShape,
  x: Float32Array,
  g: Float32Array | null,
  W: Float32Array,
  bias: Float32Array | null,
  tokens: number,
  yInit?: Float32Array,
): Float32Array {
  const y = new Float32Array(tokens * s.outStride);
  if (s.accumulate && !yInit) throw new Error('accumulate needs yInit');
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
      const at = t * s.outStride + r;
      y[at] = s.accumulate ? yInit![at] + Math.fround(acc) : acc;
    }
  }
  return y;
}
