/**
 * Which GPU buffers a model's weights become, before any is made: pure, so the uploader (gpu-weights.ts) allocates
 * from it and the memory estimate (memory-estimate.ts) sums the very same buffers.
 *
 * Matrices keep each tensor's file format (weights-access.ts). q/k/v are fused into one [(H + 2KV)·hd, D] matrix and
 * gate/up into one [2I, D] matrix; a fused matrix is cut into row segments where its parts' formats change (Q4_K_M
 * files have Q4_K q/k and Q6_K v in some layers; stories260K's Q8_0 files keep rows that are not whole blocks in F32),
 * and any run of rows bigger than one storage binding is cut into equal segments that each fit (Qwen2.5-0.5B's
 * 151936 × 896 embedding). Each segment is its own buffer; kernels run once per segment. Norms and biases are f32.
 */
import { rowBytes, type WeightFormat } from '../../core/weight-format.ts';
import { matrixBytes } from '../../kernels/weights-access.ts';
import type { ModelSpec } from '../spec.ts';
import { buf16 } from './scratch-layout.ts';

/** Rows tensorRow0.. of a tensor, placed at segment row segmentRow0... */
export interface PlannedPart {
  tensor: string;
  tensorRow0: number;
  segmentRow0: number;
  rows: number;
}

export interface PlannedSegment {
  label: string;
  format: WeightFormat;
  /** First row of the segment in its matrix. */
  firstRow: number;
  rows: number;
  /** Buffer bytes (rounded up to 16, as the pool allocates). */
  bytes: number;
  parts: PlannedPart[];
}

export interface PlannedMatrix {
  label: string;
  rows: number;
  cols: number;
  segments: PlannedSegment[];
}

export interface PlannedVector {
  label: string;
  floats: number;
  /** Tensors at float offsets. */
  parts: { tensor: string; offset: number; floats: number }[];
}

export type MatrixKey = 'embed' | 'lmHead' | `${number}.${'qkv' | 'o' | 'gateUp' | 'down'}`;
export type VectorKey = 'finalNorm' | `${number}.${'attnNorm' | 'mlpNorm' | 'qkvBias'}`;

export interface WeightPlan {
  matrices: Map<MatrixKey, PlannedMatrix>;
  vectors: Map<VectorKey, PlannedVector>;
}

/** A tensor's format by Hugging Face name. */
export type FormatOf = (tensor: string) => WeightFormat;

/** Largest 16-byte multiple that fits one storage binding. */
const bindable = (maxBinding: number) => Math.floor(maxBinding / 16) * 16;

/**
 * A [Σ rows, cols] matrix of `parts` stacked in order: one segment per run of parts in the same format, runs bigger
 * than one binding cut into the fewest equal segments that fit.
 */
export function planMatrix(label: string, cols: number, parts: { tensor: string; rows: number; format: WeightFormat }[], maxBinding: number): PlannedMatrix {
  const runs: { format: WeightFormat; firstRow: number; rows: number }[] = [];
  let row = 0;
  for (const p of parts) {
    rowBytes(p.format, cols); // throws when cols is not a whole number of blocks
    const last = runs.at(-1);
    if (last && last.format === p.format) last.rows += p.rows;
    else runs.push({ format: p.format, firstRow: row, rows: p.rows });
    row += p.rows;
  }
  const bounds: { format: WeightFormat; firstRow: number; rows: number }[] = [];
  for (const r of runs) {
    const perRow = matrixBytes(r.format, 1, cols);
    const maxRows = Math.floor(bindable(maxBinding) / perRow);
    if (maxRows < 1) throw new Error(`${label}: one row of ${cols} ${r.format} weights (${perRow} bytes) is more than this GPU lets one buffer be bound (${maxBinding} bytes)`);
    const n = Math.ceil(r.rows / maxRows);
    const each = Math.ceil(r.rows / n);
    for (let s = 0; s < r.rows; s += each) bounds.push({ format: r.format, firstRow: r.firstRow + s, rows: Math.min(each, r.rows - s) });
  }
  const segments = bounds.map((b, k): PlannedSegment => {
    const segParts: PlannedPart[] = [];
    let at = 0;
    for (const p of parts) {
      const lo = Math.max(at, b.firstRow);
      const hi = Math.min(at + p.rows, b.firstRow + b.rows);
      if (lo < hi) segParts.push({ tensor: p.tensor, tensorRow0: lo - at, segmentRow0: lo - b.firstRow, rows: hi - lo });
      at += p.rows;
    }
    return { label: bounds.length === 1 ? label : `${label}#${k}`, format: b.format, firstRow: b.firstRow, rows: b.rows, bytes: buf16(matrixBytes(b.format, b.rows, cols)), parts: segParts };
  });
  return { label, rows: row, cols, segments };
}

type PlanSpec = Pick<ModelSpec, 'hiddenSize' | 'intermediateSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'vocabSize' | 'tiedEmbeddings' | 'qkvBias'>;

/** The model's weight buffers for these tensor formats and binding limit. */
export function planWeights(spec: PlanSpec, formatOf: FormatOf, maxBinding: number): WeightPlan {
  const { hiddenSize: D, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = spec;
  const matrices = new Map<MatrixKey, PlannedMatrix>();
  const vectors = new Map<VectorKey, PlannedVector>();
  const mat = (key: MatrixKey, label: string, cols: number, parts: [string, number][]) =>
    matrices.set(key, planMatrix(label, cols, parts.map(([tensor, rows]) => ({ tensor, rows, format: formatOf(tensor) })), maxBinding));
  const vec = (key: VectorKey, label: string, parts: [string, number][]) => {
    let offset = 0;
    const ps = parts.map(([tensor, floats]) => {
      const p = { tensor, offset, floats };
      offset += floats;
      return p;
    });
    vectors.set(key, { label, floats: offset, parts: ps });
  };
  mat('embed', 'embed_tokens', D, [['model.embed_tokens.weight', V]]);
  if (!spec.tiedEmbeddings) mat('lmHead', 'lm_head', D, [['lm_head.weight', V]]);
  vec('finalNorm', 'norm', [['model.norm.weight', D]]);
  const qRows = H * hd;
  const kvRows = KV * hd;
  for (let i = 0; i < spec.numLayers; i++) {
    const p = `model.layers.${i}.`;
    vec(`${i}.attnNorm`, `${i}.input_layernorm`, [[p + 'input_layernorm.weight', D]]);
    vec(`${i}.mlpNorm`, `${i}.post_attention_layernorm`, [[p + 'post_attention_layernorm.weight', D]]);
    mat(`${i}.qkv`, `${i}.qkv`, D, [[p + 'self_attn.q_proj.weight', qRows], [p + 'self_attn.k_proj.weight', kvRows], [p + 'self_attn.v_proj.weight', kvRows]]);
    if (spec.qkvBias) vec(`${i}.qkvBias`, `${i}.qkv_bias`, [[p + 'self_attn.q_proj.bias', qRows], [p + 'self_attn.k_proj.bias', kvRows], [p + 'self_attn.v_proj.bias', kvRows]]);
    mat(`${i}.o`, `${i}.o_proj`, qRows, [[p + 'self_attn.o_proj.weight', D]]);
    mat(`${i}.gateUp`, `${i}.gate_up`, D, [[p + 'mlp.gate_proj.weight', I], [p + 'mlp.up_proj.weight', I]]);
    mat(`${i}.down`, `${i}.down_proj`, I, [[p + 'mlp.down_proj.weight', D]]);
  }
  return { matrices, vectors };
}

/** Bytes the plan's buffers hold (what loading allocates for weights). */
export function planBytes(plan: WeightPlan): number {
  let n = 0;
  for (const m of plan.matrices.values()) for (const s of m.segments) n += s.bytes;
  for (const v of plan.vectors.values()) n += buf16(v.floats * 4);
  return n;
}

/** The formats of a plan's matrices, for display: one float format in lower case ('f16'), else 'Q4_K+Q6_K'. */
export function formatSummary(formats: Iterable<WeightFormat>): string {
  const set = [...new Set(formats)].sort();
  if (set.length === 1 && (set[0] === 'F32' || set[0] === 'F16' || set[0] === 'BF16')) return set[0].toLowerCase();
  return set.join('+');
}
