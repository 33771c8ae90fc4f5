/**
 * How much GPU memory a model needs in this engine, before anything is downloaded, and whether the adapter can hold it.
 *
 * The estimate mirrors what the loader allocates (gpu-weights.ts, gpu-model.ts): every buffer rounded up to 16 bytes;
 * matrices in each tensor's file format, as the loader's very plan (weight-plan.ts: F16 / BF16 2 bytes a weight, the
 * ggml block formats their block bytes, fused matrices in row segments where formats change or a binding is too
 * small), norms and biases in f32; the KV cache for min(max_position_embeddings, 2048) positions (the
 * engine's default context); the scratch — activations, uniforms, gate values and token staging — from
 * gpuScratchBytes (scratch-layout.ts), the function the engine sizes its buffers with. So the total is what the engine
 * holds once loaded, to the byte (e2e/model-panel.spec.ts compares it with the engine's report). Not counted: the
 * transient buffers of a step (logits readback staging, every-token logits of reference comparisons) and WebGPU's own
 * overhead. Steering maps and fitting's activation recording come on top; `steeringBytes` gives them for steering
 * (gated) and recording every hook, as gpuSteeringBytes mirrors GpuModel's rebuild.
 */
import { buf16 as buf, gpuScratchBytes, gpuSteeringBytes, scratchLayout } from './scratch-layout.ts';
import type { ModelSpec, WeightDType } from '../spec.ts';
import type { WeightFormat } from '../../core/weight-format.ts';
import { formatSummary, planBytes, planWeights, type FormatOf } from './weight-plan.ts';
import { bytesInWords } from '../bytes-in-words.ts';

export { bytesInWords };

/** The engine's default KV positions (GpuModel) when nothing else is asked for. */
export const DEFAULT_MAX_CONTEXT = 2048;

export interface MemoryEstimate {
  /** The matrices' formats on the GPU (formatSummary: 'f16', 'bf16', 'Q4_K+Q6_K', …): the file's. */
  gpuDType: string;
  /** KV-cache positions. */
  contextLength: number;
  weightBytes: number;
  kvBytes: number;
  /** Tokens per forward chunk (the engine's default for this model: 128, fewer for tiny models). */
  maxChunk: number;
  /** Activations, logits, rope table, uniforms, gate values and token staging (gpuScratchBytes). */
  scratchBytes: number;
  /** weights + KV + scratch: what the engine allocates when it loads. */
  totalBytes: number;
  /** Extra over totalBytes when steering (gated maps) and recording at every hook: maps and their uniforms, gate values
   *  and their readback, recorded activations (gpuSteeringBytes). */
  steeringBytes: number;
  /**
   * The biggest single buffer (one binding) that cannot be split: its label and size. Weight matrices split into row
   * segments that fit the binding, so they count only when `maxBinding` was given (then as their segments).
   */
  largest: { label: string; bytes: number };
  /** Parameters (weights and biases) of the model. */
  params: number;
}

export type EstimateSpec = Pick<ModelSpec, 'hiddenSize' | 'intermediateSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'vocabSize' | 'maxPositions' | 'tiedEmbeddings' | 'qkvBias'>;

export interface EstimateOptions {
  maxContext?: number;
  maxChunk?: number;
  /** The device's maxStorageBufferBindingSize (the loader's segment split); unknown: matrices stay whole. */
  maxBinding?: number;
}

/** The estimate for a file whose matrices are all in one format (safetensors: F32, F16 or BF16). */
export function estimateGpuMemory(spec: EstimateSpec, fileDType: WeightDType | WeightFormat, opts: EstimateOptions = {}): MemoryEstimate {
  return estimateGpuMemoryFor(spec, () => fileDType, opts);
}

/** The estimate for per-tensor formats (by Hugging Face name, as the loader uploads them; GGUF files mix formats). */
export function estimateGpuMemoryFor(spec: EstimateSpec, formatOf: FormatOf, opts: EstimateOptions = {}): MemoryEstimate {
  const { hiddenSize: D, intermediateSize: I, numLayers: L, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = spec;
  const ctx = Math.min(spec.maxPositions, opts.maxContext ?? DEFAULT_MAX_CONTEXT);
  const qRows = H * hd;
  const kvRows = KV * hd;
  const qkvRows = qRows + 2 * kvRows;

  let largest = { label: '', bytes: 0 };
  const see = (label: string, bytes: number) => {
    if (bytes > largest.bytes) largest = { label, bytes };
    return bytes;
  };

  // Weights: the loader's plan (gpu-weights.ts allocates exactly its buffers).
  const plan = planWeights(spec, formatOf, opts.maxBinding ?? Infinity);
  const weightBytes = planBytes(plan);
  const formats: WeightFormat[] = [];
  for (const m of plan.matrices.values()) {
    for (const sg of m.segments) {
      formats.push(sg.format);
      if (opts.maxBinding !== undefined) see(m.segments.length > 1 ? sg.label : m.label.replace(/^0\./, 'layer '), sg.bytes);
    }
  }
  const gpuDType = formatSummary(formats);
  const segments = {
    layerMatmul: [...plan.matrices].filter(([k]) => k !== 'embed' && k !== 'lmHead').reduce((n, [, m]) => n + m.segments.length, 0),
    lmHead: (plan.matrices.get('lmHead') ?? plan.matrices.get('embed')!).segments.length,
    embed: plan.matrices.get('embed')!.segments.length,
  };
  const params = V * D * (spec.tiedEmbeddings ? 1 : 2) + D + L * (2 * D + qkvRows * D + (spec.qkvBias ? qkvRows : 0) + D * qRows + 3 * I * D);

  // KV cache (gpu-model.ts: one K and one V buffer for every layer).
  const kvBytes = 2 * see('KV cache (K or V)', buf(L * KV * ctx * hd * 4));

  // Scratch (gpu-model.ts constructor and rebuild, sized by scratch-layout.ts); its big buffers for `largest`.
  const layout = scratchLayout(spec, ctx, weightBytes, opts.maxChunk);
  const T = layout.maxChunk;
  see('q/k/v, gate/up, logits', buf(layout.act));
  see('attention scratch, hook input', buf(layout.zPart));
  see('activations', buf(layout.x));
  see('attention output', buf(layout.attnOut));
  see('rope table', buf(layout.rope));
  const scratchBytes = gpuScratchBytes(spec, ctx, weightBytes, opts.maxChunk, segments);

  // Steering (a gated map) and recording at every hook; not counted in `largest`: loading does not make them.
  const hooks = 3 * L;
  const steeringBytes = gpuSteeringBytes(spec, T, { maps: hooks, gated: hooks, recordedOnly: 0, recorded: hooks });

  return { gpuDType, contextLength: ctx, maxChunk: T, weightBytes, kvBytes, scratchBytes, totalBytes: weightBytes + kvBytes + scratchBytes, steeringBytes, largest, params };
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
