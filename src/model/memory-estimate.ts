/**
 * How much GPU memory a model needs in this engine, before anything is downloaded, and whether the adapter can hold it.
 *
 * The estimate mirrors what the loader allocates (gpu-weights.ts, gpu-model.ts): every buffer rounded up to 16 bytes;
 * matrices in the GPU dtype (f16 stays 2 bytes a weight, packed; F32 and BF16 files become f32, 4 bytes: a BF16 file
 * doubles on the GPU), norms and biases in f32; the KV cache for min(max_position_embeddings, 2048) positions (the
 * engine's default context); the scratch of 128-token prefill chunks as gpu-model.ts laid it out at commit c6840cf.
 * Weights and KV cache are exact; the scratch is an approximation that drifts when gpu-model.ts changes its buffers
 * (e2e/model-panel.spec.ts compares the total with the "GPU bytes" the engine reports, with a margin). Steering maps and
 * fitting's activation recording come on top; `steeringBytes` estimates them for steering and recording every hook.
 */
import { attentionScratchFloats } from '../kernels/attention.ts';
import type { ModelSpec, WeightDType } from './spec.ts';

/** The engine's defaults (GpuModel): KV positions when nothing else is asked for, tokens per forward chunk. */
export const DEFAULT_MAX_CONTEXT = 2048;
export const DEFAULT_MAX_CHUNK = 128;

export type GpuDType = 'f16' | 'f32';

/** The GPU dtype of the matrices for the dtype of the weight file (all matrices F16 → f16, else f32). */
export function gpuDTypeOf(fileDType: WeightDType): GpuDType {
  return fileDType === 'F16' ? 'f16' : 'f32';
}

export interface MemoryEstimate {
  gpuDType: GpuDType;
  /** KV-cache positions. */
  contextLength: number;
  weightBytes: number;
  kvBytes: number;
  /** Activations, logits, rope table, uniforms and staging of one 128-token chunk. */
  scratchBytes: number;
  /** weights + KV + scratch: what the engine allocates when it loads. */
  totalBytes: number;
  /** Extra when steering and recording at every hook (maps, gate readback, recorded activations). */
  steeringBytes: number;
  /** The biggest single buffer (one binding): its label and size. */
  largest: { label: string; bytes: number };
  /** Parameters (weights and biases) of the model. */
  params: number;
}

/** A storage or uniform buffer as the BufferPool makes it. */
const buf = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);

export type EstimateSpec = Pick<ModelSpec, 'hiddenSize' | 'intermediateSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'vocabSize' | 'maxPositions' | 'tiedEmbeddings' | 'qkvBias'>;

export function estimateGpuMemory(spec: EstimateSpec, fileDType: WeightDType, opts: { maxContext?: number; maxChunk?: number } = {}): MemoryEstimate {
  const { hiddenSize: D, intermediateSize: I, numLayers: L, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = spec;
  const gpuDType = gpuDTypeOf(fileDType);
  const bpw = gpuDType === 'f16' ? 2 : 4;
  const ctx = Math.min(spec.maxPositions, opts.maxContext ?? DEFAULT_MAX_CONTEXT);
  const T = opts.maxChunk ?? DEFAULT_MAX_CHUNK;
  const qRows = H * hd;
  const kvRows = KV * hd;
  const qkvRows = qRows + 2 * kvRows;

  let largest = { label: '', bytes: 0 };
  const see = (label: string, bytes: number) => {
    if (bytes > largest.bytes) largest = { label, bytes };
    return bytes;
  };

  // Weights (gpu-weights.ts).
  let weightBytes = see('embed_tokens', buf(V * D * bpw));
  if (!spec.tiedEmbeddings) weightBytes += see('lm_head', buf(V * D * bpw));
  weightBytes += buf(D * 4); // final norm
  const layer =
    2 * buf(D * 4) + // input / post-attention norms
    see('layer qkv', buf(qkvRows * D * bpw)) +
    (spec.qkvBias ? buf(qkvRows * 4) : 0) +
    see('layer o_proj', buf(D * qRows * bpw)) +
    see('layer gate_up', buf(2 * I * D * bpw)) +
    see('layer down_proj', buf(D * I * bpw));
  weightBytes += L * layer;
  const params = V * D * (spec.tiedEmbeddings ? 1 : 2) + D + L * (2 * D + qkvRows * D + (spec.qkvBias ? qkvRows : 0) + D * qRows + 3 * I * D);

  // KV cache (gpu-model.ts: one K and one V buffer for every layer).
  const kvBytes = 2 * see('KV cache (K or V)', buf(L * KV * ctx * hd * 4));

  // Scratch (gpu-model.ts constructor).
  const logitRows = V * T * 4 <= 64 * 2 ** 20 ? T : 1;
  const shape = { nHeads: H, nKv: KV, headDim: hd, qkvStride: qkvRows, maxPos: ctx, layerOffset: 0 };
  const maxSlots = 3 * L;
  const scratchBytes =
    buf(16) + // step uniform
    buf(T * 4) + // ids
    2 * see('activations', buf(T * D * 4)) + // x, z
    see('q/k/v activations', buf(T * qkvRows * 4)) +
    see('attention output', buf(T * qRows * 4)) +
    see('attention scratch', buf(attentionScratchFloats(shape, T) * 4)) +
    see('gate/up activations', buf(T * 2 * I * 4)) +
    see('logits', buf(logitRows * V * 4)) +
    buf(16) + // result
    buf(T * maxSlots * 4) + // strengths
    see('rope table', buf(ctx * hd * 4)) +
    2 * buf(16) + // dummies
    buf(ctx * 4) + // penalty ids
    buf(32) + 3 * buf(16) + // lm head / argmax / penalty uniforms
    buf(16 + T * maxSlots * 4); // token staging

  // Steering at every hook: a packed map (5·D + 4 floats) each; recording every hook for a fit: T·D floats each.
  // (Not counted in `largest`: loading does not make them.)
  const steeringBytes = maxSlots * buf((5 * D + 4) * 4) + buf(maxSlots * T * D * 4);

  return { gpuDType, contextLength: ctx, weightBytes, kvBytes, scratchBytes, totalBytes: weightBytes + kvBytes + scratchBytes, steeringBytes, largest, params };
}

export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/**
 * A conservative total for one page: WebGPU does not tell how much memory the GPU has. Half of the device memory the
 * browser reports (navigator.deviceMemory, GB, which browsers round and cap; 4 when unknown), between 1 and 4 GiB.
 */
export function memoryBudget(deviceMemoryGB: number | undefined): number {
  const gb = deviceMemoryGB && Number.isFinite(deviceMemoryGB) && deviceMemoryGB > 0 ? deviceMemoryGB : 4;
  return Math.min(4, Math.max(1, gb / 2)) * 2 ** 30;
}

export type FitVerdict =
  | { fits: true }
  /** hard: the loader would fail (a buffer beyond a limit); soft: over the conservative budget, may still work. */
  | { fits: false; hard: boolean; reason: string };

/** Bytes in words, as the app shows sizes (binary units: 1 GB = 1024³ bytes). */
export function bytesInWords(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Whether the estimate fits the adapter's limits and the budget; the reason in words when not. */
export function checkFit(name: string, est: MemoryEstimate, limits: GpuLimits, budgetBytes: number): FitVerdict {
  const perBinding = limits.maxStorageBufferBindingSize <= limits.maxBufferSize;
  const maxOne = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (est.largest.bytes > maxOne) {
    return {
      fits: false,
      hard: true,
      reason:
        `${name} needs ${bytesInWords(est.largest.bytes)} in one buffer (${est.largest.label}); ` +
        `this GPU allows ${bytesInWords(maxOne)} ${perBinding ? 'per binding' : 'per buffer'}.`,
    };
  }
  if (est.totalBytes > budgetBytes) {
    return {
      fits: false,
      hard: false,
      reason: `${name} needs ${bytesInWords(est.totalBytes)} of GPU memory in all; this page budgets ${bytesInWords(budgetBytes)} (half the memory the browser reports, at most 4 GB).`,
    };
  }
  return { fits: true };
}
