/**
 * Model weights on the GPU, in the layout the kernels read (weights-access.ts): matrices in each tensor's file format
 * (F32, F16, BF16 two bytes a weight, ggml block formats as their bytes), their word grids transposed, q/k/v fused
 * into one matrix and gate/up into another, cut into row segments where formats change or one binding would be too
 * small (weight-plan.ts); norms and biases in f32. The embedding matrix is stored the same way; tied models use it
 * as the LM head. Tensors are transposed and written as they stream in, a slab at a time; nothing keeps a second
 * copy of a tensor, and nothing is dequantized at load.
 */
import type { BufferPool } from '../../gpu/buffers.ts';
import { dequantize } from '../../core/dequantize.ts';
import { rowBytes, type WeightFormat } from '../../core/weight-format.ts';
import { rowWords, toWordRows, transposeWords, type GpuMatrix } from '../../kernels/weights-access.ts';
import type { ModelSpec } from '../spec.ts';
import { formatSummary, planWeights, type FormatOf, type PlannedPart, type WeightPlan } from './weight-plan.ts';

export interface LayerWeights {
  attnNorm: GPUBuffer;
  mlpNorm: GPUBuffer;
  qkv: GpuMatrix;
  qkvBias: GPUBuffer | null;
  o: GpuMatrix;
  gateUp: GpuMatrix;
  down: GpuMatrix;
}

export interface GpuWeights {
  /** The matrices' formats for display (formatSummary: 'f16', 'bf16', 'Q4_K+Q6_K', …). */
  dtype: string;
  embed: GpuMatrix;
  lmHead: GpuMatrix;
  finalNorm: GPUBuffer;
  layers: LayerWeights[];
}

/** Where a tensor's bytes go: rows of matrix segments, or floats of a vector buffer. */
type Placement =
  | { as: 'matrix'; format: WeightFormat; rows: number; cols: number; parts: { buffer: GPUBuffer; segmentRows: number; part: PlannedPart }[] }
  | { as: 'f32'; buffer: GPUBuffer; offset: number; floats: number };

/** Words per slab (16 MiB) when transposing a matrix tensor: the transient copy, written with one writeBuffer per word column. */
const SLAB_WORDS = 1 << 22;

/** Tensor formats as the loader knows them (Hugging Face names), as a FormatOf that names a missing tensor. */
export function formatLookup(formats: ReadonlyMap<string, WeightFormat>): FormatOf {
  return (name) => {
    const f = formats.get(name);
    if (!f) throw new Error(`no format known for tensor ${name}`);
    return f;
  };
}

export class GpuWeightUploader {
  readonly weights: GpuWeights;
  readonly plan: WeightPlan;
  private readonly placements = new Map<string, Placement>();
  private readonly pending = new Set<string>();

  constructor(
    private readonly device: GPUDevice,
    pool: BufferPool,
    spec: ModelSpec,
    /** Each tensor's file format by Hugging Face name (matrices; norms and biases may be any float format). */
    formats: ReadonlyMap<string, WeightFormat>,
    /** Slab size of the matrix transposition (tests make it small). */
    private readonly slabWords = SLAB_WORDS,
    /** Largest matrix segment (default: the pool's binding limit; tests make it small to force segments). */
    maxBinding = pool.maxBinding,
  ) {
    this.plan = planWeights(spec, formatLookup(formats), Math.min(maxBinding, pool.maxBinding));
    const matrices = new Map<string, GpuMatrix>();
    for (const [key, m] of this.plan.matrices) {
      const matrix: GpuMatrix = { label: m.label, rows: m.rows, cols: m.cols, segments: [] };
      for (const s of m.segments) {
        const buffer = pool.storage('weights', s.bytes, s.label);
        matrix.segments.push({ buffer, format: s.format, firstRow: s.firstRow, rows: s.rows });
        for (const part of s.parts) {
          let p = this.placements.get(part.tensor);
          if (!p) {
            p = { as: 'matrix', format: s.format, rows: 0, cols: m.cols, parts: [] };
            this.placements.set(part.tensor, p);
            this.pending.add(part.tensor);
          }
          if (p.as !== 'matrix') throw new Error(`${part.tensor} placed twice`);
          p.parts.push({ buffer, segmentRows: s.rows, part });
          p.rows += part.rows;
        }
      }
      matrices.set(key, matrix);
    }
    const vectors = new Map<string, GPUBuffer>();
    for (const [key, v] of this.plan.vectors) {
      const buffer = pool.storage('weights', v.floats * 4, v.label);
      for (const part of v.parts) {
        this.placements.set(part.tensor, { as: 'f32', buffer, offset: part.offset, floats: part.floats });
        this.pending.add(part.tensor);
      }
      vectors.set(key, buffer);
    }
    const embed = matrices.get('embed')!;
    const layers: LayerWeights[] = [];
    for (let i = 0; i < spec.numLayers; i++) {
      layers.push({
        attnNorm: vectors.get(`${i}.attnNorm`)!,
        mlpNorm: vectors.get(`${i}.mlpNorm`)!,
        qkv: matrices.get(`${i}.qkv`)!,
        qkvBias: vectors.get(`${i}.qkvBias`) ?? null,
        o: matrices.get(`${i}.o`)!,
        gateUp: matrices.get(`${i}.gateUp`)!,
        down: matrices.get(`${i}.down`)!,
      });
    }
    const all = [...matrices.values()].flatMap((m) => m.segments.map((s) => s.format));
    this.weights = { dtype: formatSummary(all), embed, lmHead: matrices.get('lmHead') ?? embed, finalNorm: vectors.get('finalNorm')!, layers };
  }

  /** True when the tensor is one the engine uses (others, like rotary inv_freq, are skipped). */
  wants(name: string): boolean {
    return this.placements.has(name);
  }

  /** Writes one tensor's file bytes into its place: matrices as they are (in the planned format), vectors as f32. */
  upload(name: string, format: WeightFormat, bytes: Uint8Array): void {
    const p = this.placements.get(name);
    if (!p) return;
    if (p.as === 'matrix') {
      if (format !== p.format) throw new Error(`${name}: planned as ${p.format}, the data is ${format}`);
      const want = p.rows * rowBytes(format, p.cols);
      if (bytes.byteLength !== want) throw new Error(`${name}: ${bytes.byteLength} bytes, expected ${want} (${p.rows} × ${p.cols} ${format})`);
      const src = toWordRows(bytes, format, p.rows, p.cols);
      for (const t of p.parts) this.writeRows(t.buffer, t.segmentRows, t.part, src, rowWords(format, p.cols));
    } else {
      const f = format === 'F32' && bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : dequantize(bytes, format);
      if (f.length !== p.floats) throw new Error(`${name}: ${f.length} values, expected ${p.floats}`);
      this.device.queue.writeBuffer(p.buffer, p.offset * 4, f.buffer, f.byteOffset, f.byteLength);
    }
    this.pending.delete(name);
  }

  /**
   * Writes rows part.tensorRow0.. of a row-major word grid transposed into rows part.segmentRow0.. of a segment of
   * `total` rows, a slab of rows at a time: word column w of a slab is one run at w·total + row; a slab that spans a
   * whole segment is one write.
   */
  private writeRows(buffer: GPUBuffer, total: number, part: PlannedPart, src: Uint32Array, words: number): void {
    const rows = src.length / words;
    const step = Math.max(1, Math.floor(this.slabWords / words));
    const end = part.tensorRow0 + part.rows;
    for (let r0 = part.tensorRow0; r0 < end; r0 += step) {
      const r1 = Math.min(end, r0 + step);
      const n = r1 - r0;
      const block = transposeWords(src, rows, words, r0, r1);
      const at = part.segmentRow0 + (r0 - part.tensorRow0);
      if (n === total) {
        this.device.queue.writeBuffer(buffer, 0, block);
      } else {
        for (let w = 0; w < words; w++) this.device.queue.writeBuffer(buffer, (w * total + at) * 4, block, w * n, n);
      }
    }
  }

  /** Throws naming the tensors that never arrived. */
  finish(): GpuWeights {
    if (this.pending.size > 0) {
      const missing = [...this.pending].slice(0, 5).join(', ');
      throw new Error(`weights missing after loading: ${missing}${this.pending.size > 5 ? ` and ${this.pending.size - 5} more` : ''}`);
    }
    return this.weights;
  }
}
