/**
 * Model weights on the GPU, in the layout the kernels read: q/k/v concatenated into one [(H+2KV)·hd, D] matrix,
 * gate/up into one [2I, D] matrix, matrices in their file dtype (f16 stays 2 bytes a weight; BF16 is converted to
 * f32 at load) and stored transposed by 32-bit words (weights-access.ts), norms and biases in f32. The embedding
 * matrix is stored the same way; tied models use it as the LM head. Tensors are transposed and written as they
 * stream in, a slab at a time; nothing keeps a second copy of a tensor.
 */
import type { BufferPool } from '../../gpu/buffers.ts';
import type { GpuWeightDType } from '../../kernels/weights-access.ts';
import { bytesPerWeight, transposeWords, wordsPerRow } from '../../kernels/weights-access.ts';
import { decodeToFloat32 } from '../formats/safetensors.ts';
import type { ModelSpec, WeightDType } from '../spec.ts';

export interface LayerWeights {
  attnNorm: GPUBuffer;
  mlpNorm: GPUBuffer;
  qkv: GPUBuffer;
  qkvBias: GPUBuffer | null;
  o: GPUBuffer;
  gateUp: GPUBuffer;
  down: GPUBuffer;
}

export interface GpuWeights {
  dtype: GpuWeightDType;
  embed: GPUBuffer;
  lmHead: GPUBuffer;
  finalNorm: GPUBuffer;
  layers: LayerWeights[];
}

interface Placement {
  buffer: GPUBuffer;
  /** Vectors: element offset in the destination buffer. Matrices: first row of the tensor in the (fused) matrix. */
  offset: number;
  /** Destination element type. */
  as: 'matrix' | 'f32';
  numel: number;
  /** Matrices: the tensor's columns and the (fused) matrix's row count. */
  cols?: number;
  totalRows?: number;
}

/** Words per slab (16 MiB) when transposing a matrix tensor: the transient copy, written with one writeBuffer per word column. */
const SLAB_WORDS = 1 << 22;

/** Picks the GPU dtype of the matrices: f16 when every matrix in the file is F16, else f32. */
export function chooseGpuDType(matrixDTypes: Iterable<WeightDType>): GpuWeightDType {
  for (const d of matrixDTypes) if (d !== 'F16') return 'f32';
  return 'f16';
}

export class GpuWeightUploader {
  readonly weights: GpuWeights;
  private readonly placements = new Map<string, Placement>();
  private readonly pending = new Set<string>();

  constructor(
    private readonly device: GPUDevice,
    pool: BufferPool,
    private readonly spec: ModelSpec,
    dtype: GpuWeightDType,
    /** Slab size of the matrix transposition (tests make it small). */
    private readonly slabWords = SLAB_WORDS,
  ) {
    const { hiddenSize: D, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = spec;
    const mat = (rows: number, cols: number, label: string) => pool.storage('weights', rows * cols * bytesPerWeight(dtype), label);
    const vec = (n: number, label: string) => pool.storage('weights', n * 4, label);
    const place = (name: string, buffer: GPUBuffer, offset: number, as: Placement['as'], numel: number) => {
      this.placements.set(name, { buffer, offset, as, numel });
      this.pending.add(name);
    };
    /** A [rows, cols] tensor as rows firstRow.. of a [totalRows, cols] matrix. */
    const placeRows = (name: string, buffer: GPUBuffer, firstRow: number, rows: number, cols: number, totalRows: number) => {
      wordsPerRow(cols, dtype); // throws for odd f16 column counts
      this.placements.set(name, { buffer, offset: firstRow, as: 'matrix', numel: rows * cols, cols, totalRows });
      this.pending.add(name);
    };
    const embed = mat(V, D, 'embed_tokens');
    placeRows('model.embed_tokens.weight', embed, 0, V, D, V);
    let lmHead = embed;
    if (!spec.tiedEmbeddings) {
      lmHead = mat(V, D, 'lm_head');
      placeRows('lm_head.weight', lmHead, 0, V, D, V);
    }
    const finalNorm = vec(D, 'norm');
    place('model.norm.weight', finalNorm, 0, 'f32', D);
    const layers: LayerWeights[] = [];
    const qRows = H * hd;
    const kvRows = KV * hd;
    for (let i = 0; i < spec.numLayers; i++) {
      const p = `model.layers.${i}.`;
      const l: LayerWeights = {
        attnNorm: vec(D, `${i}.input_layernorm`),
        mlpNorm: vec(D, `${i}.post_attention_layernorm`),
        qkv: mat(qRows + 2 * kvRows, D, `${i}.qkv`),
        qkvBias: spec.qkvBias ? vec(qRows + 2 * kvRows, `${i}.qkv_bias`) : null,
        o: mat(D, qRows, `${i}.o_proj`),
        gateUp: mat(2 * I, D, `${i}.gate_up`),
        down: mat(D, I, `${i}.down_proj`),
      };
      place(p + 'input_layernorm.weight', l.attnNorm, 0, 'f32', D);
      place(p + 'post_attention_layernorm.weight', l.mlpNorm, 0, 'f32', D);
      const qkvRows = qRows + 2 * kvRows;
      placeRows(p + 'self_attn.q_proj.weight', l.qkv, 0, qRows, D, qkvRows);
      placeRows(p + 'self_attn.k_proj.weight', l.qkv, qRows, kvRows, D, qkvRows);
      placeRows(p + 'self_attn.v_proj.weight', l.qkv, qRows + kvRows, kvRows, D, qkvRows);
      if (l.qkvBias) {
        place(p + 'self_attn.q_proj.bias', l.qkvBias, 0, 'f32', qRows);
        place(p + 'self_attn.k_proj.bias', l.qkvBias, qRows, 'f32', kvRows);
        place(p + 'self_attn.v_proj.bias', l.qkvBias, qRows + kvRows, 'f32', kvRows);
      }
      placeRows(p + 'self_attn.o_proj.weight', l.o, 0, D, qRows, D);
      placeRows(p + 'mlp.gate_proj.weight', l.gateUp, 0, I, D, 2 * I);
      placeRows(p + 'mlp.up_proj.weight', l.gateUp, I, I, D, 2 * I);
      placeRows(p + 'mlp.down_proj.weight', l.down, 0, D, I, D);
      layers.push(l);
    }
    this.weights = { dtype, embed, lmHead, finalNorm, layers };
  }

  /** True when the tensor is one the engine uses (others, like rotary inv_freq, are skipped). */
  wants(name: string): boolean {
    return this.placements.has(name);
  }

  /** Writes one tensor's raw file bytes into its place, converting dtype where the GPU layout needs it. */
  upload(name: string, fileDType: WeightDType, bytes: Uint8Array): void {
    const p = this.placements.get(name);
    if (!p) return;
    const target = p.as === 'matrix' ? this.weights.dtype : 'f32';
    let data: Uint8Array;
    if (target === 'f16') {
      if (fileDType !== 'F16') throw new Error(`${name}: expected F16 data, found ${fileDType}`);
      data = bytes;
    } else if (fileDType === 'F32') {
      data = bytes;
    } else {
      const f = decodeToFloat32(bytes, fileDType);
      data = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    }
    const elemBytes = target === 'f16' ? 2 : 4;
    if (data.byteLength !== p.numel * elemBytes) throw new Error(`${name}: ${data.byteLength} bytes, expected ${p.numel * elemBytes}`);
    // writeBuffer needs 4-byte aligned sizes and offsets: f16 tensors here always have an even element count.
    const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
    if (p.as === 'matrix') this.writeMatrix(p, new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4));
    else this.device.queue.writeBuffer(p.buffer, p.offset * elemBytes, aligned.buffer, aligned.byteOffset, aligned.byteLength);
    this.pending.delete(name);
  }

  /**
   * Writes a row-major tensor (as 32-bit words) transposed into its rows of the GPU matrix, a slab of rows at a time.
   * Word column w of the slab is one run at w·totalRows + firstRow + r0; a slab that spans a whole matrix is one write.
   */
  private writeMatrix(p: Placement, src: Uint32Array): void {
    const words = wordsPerRow(p.cols!, this.weights.dtype);
    const rows = src.length / words;
    const total = p.totalRows!;
    const step = Math.max(1, Math.floor(this.slabWords / words));
    for (let r0 = 0; r0 < rows; r0 += step) {
      const r1 = Math.min(rows, r0 + step);
      const n = r1 - r0;
      const block = transposeWords(src, rows, words, r0, r1);
      if (n === total) {
        this.device.queue.writeBuffer(p.buffer, 0, block);
      } else {
        for (let w = 0; w < words; w++) this.device.queue.writeBuffer(p.buffer, (w * total + p.offset + r0) * 4, block, w * n, n);
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
