/**
 * Model weights on the GPU, in the layout the kernels read: q/k/v concatenated into one [(H+2KV)·hd, D] matrix,
 * gate/up into one [2I, D] matrix, matrices in their file dtype (f16 stays 2 bytes a weight; BF16 is converted to
 * f32 at load), norms and biases in f32. Tensors are written as they stream in; nothing keeps a second copy.
 */
import type { BufferPool } from '../gpu/buffers.ts';
import type { GpuWeightDType } from '../kernels/weights-access.ts';
import { bytesPerWeight } from '../kernels/weights-access.ts';
import { decodeToFloat32 } from './safetensors.ts';
import type { ModelSpec, WeightDType } from './spec.ts';

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
  /** Element offset in the destination buffer. */
  offset: number;
  /** Destination element type. */
  as: 'matrix' | 'f32';
  numel: number;
}

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
  ) {
    const { hiddenSize: D, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = spec;
    const mat = (rows: number, cols: number, label: string) => pool.storage('weights', rows * cols * bytesPerWeight(dtype), label);
    const vec = (n: number, label: string) => pool.storage('weights', n * 4, label);
    const place = (name: string, buffer: GPUBuffer, offset: number, as: Placement['as'], numel: number) => {
      this.placements.set(name, { buffer, offset, as, numel });
      this.pending.add(name);
    };
    const embed = mat(V, D, 'embed_tokens');
    place('model.embed_tokens.weight', embed, 0, 'matrix', V * D);
    let lmHead = embed;
    if (!spec.tiedEmbeddings) {
      lmHead = mat(V, D, 'lm_head');
      place('lm_head.weight', lmHead, 0, 'matrix', V * D);
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
      place(p + 'self_attn.q_proj.weight', l.qkv, 0, 'matrix', qRows * D);
      place(p + 'self_attn.k_proj.weight', l.qkv, qRows * D, 'matrix', kvRows * D);
      place(p + 'self_attn.v_proj.weight', l.qkv, (qRows + kvRows) * D, 'matrix', kvRows * D);
      if (l.qkvBias) {
        place(p + 'self_attn.q_proj.bias', l.qkvBias, 0, 'f32', qRows);
        place(p + 'self_attn.k_proj.bias', l.qkvBias, qRows, 'f32', kvRows);
        place(p + 'self_attn.v_proj.bias', l.qkvBias, qRows + kvRows, 'f32', kvRows);
      }
      place(p + 'self_attn.o_proj.weight', l.o, 0, 'matrix', D * qRows);
      place(p + 'mlp.gate_proj.weight', l.gateUp, 0, 'matrix', I * D);
      place(p + 'mlp.up_proj.weight', l.gateUp, I * D, 'matrix', I * D);
      place(p + 'mlp.down_proj.weight', l.down, 0, 'matrix', D * I);
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
    this.device.queue.writeBuffer(p.buffer, p.offset * elemBytes, aligned.buffer, aligned.byteOffset, aligned.byteLength);
    this.pending.delete(name);
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
