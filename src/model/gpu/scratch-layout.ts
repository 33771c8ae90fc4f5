/**
 * The byte sizes of what GpuModel allocates besides weights and KV cache: its activation scratch, uniforms and
 * staging (gpuScratchBytes), and what a steering set adds (gpuSteeringBytes). Pure (no GPU calls, no WGSL), so the
 * memory estimate (memory-estimate.ts, main thread) uses the very functions the engine sizes its buffers with.
 * gpu-model.ts re-exports these; e2e/decode-fused.spec.ts checks the engine's scratch equals gpuScratchBytes exactly.
 */
import { attentionChunks, attentionScratchFloats } from '../../kernels/attention.ts';
import type { AttentionShape } from '../../kernels/rope-kv.ts';
import type { ModelSpec } from '../spec.ts';

/** Largest prefill chunk. */
const MAX_CHUNK = 128;
const MIN_CHUNK = 16;

/**
 * The default prefill chunk: MAX_CHUNK tokens, halved (not below MIN_CHUNK) while the per-token scratch of a chunk
 * would exceed 1/8 of the weights and KV cache (only tiny models: a 64-wide model's chunk activations would
 * otherwise outweigh its weights).
 */
export function defaultChunk(perTokenBytes: number, weightAndKvBytes: number, maxContext: number): number {
  let chunk = MAX_CHUNK;
  while (chunk > MIN_CHUNK && (chunk * perTokenBytes > weightAndKvBytes / 8 || chunk >= 2 * maxContext)) chunk /= 2;
  return chunk;
}

/** The step uniform (tokens, pos0, attention chunks). */
export const STEP_BYTES = 16;

/** Byte sizes of the engine's activation scratch (what GpuModel allocates; also for estimates before loading). */
export interface ScratchLayout {
  maxChunk: number;
  /** q/k/v, then gate‖up, then the last token's logits (never live in the same dispatch). */
  act: number;
  /** Attention's partial results, then the hook input z. */
  zPart: number;
  ids: number;
  x: number;
  attnOut: number;
  rope: number;
  penaltyIds: number;
}

export type LayoutSpec = Pick<ModelSpec, 'hiddenSize' | 'intermediateSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'vocabSize'>;

/** The scratch layout for a model, its KV-cache positions and weight bytes (maxChunk: as GpuModelOptions). */
export function scratchLayout(s: LayoutSpec, maxContext: number, weightBytes: number, maxChunk?: number): ScratchLayout {
  const D = s.hiddenSize;
  const qOut = s.numHeads * s.headDim;
  const qkvStride = (s.numHeads + 2 * s.numKvHeads) * s.headDim;
  const kvBytes = 2 * s.numLayers * s.numKvHeads * maxContext * s.headDim * 4;
  const actRow = Math.max(qkvStride, 2 * s.intermediateSize);
  const T = maxChunk ?? defaultChunk((actRow + qOut + 2 * D + 1) * 4, weightBytes + kvBytes, maxContext);
  // Attention's partial results for the largest step: (tokens·heads·chunks)·(hd + 2) floats whenever a step splits
  // positions into several chunks (one chunk writes the output directly).
  const shape: AttentionShape = { nHeads: s.numHeads, nKv: s.numKvHeads, headDim: s.headDim, qkvStride, maxPos: maxContext, layerOffset: 0 };
  let part = 0;
  for (let t = 1; t <= T; t++) {
    const chunks = attentionChunks(shape, t, Math.max(0, maxContext - t));
    if (chunks > 1) part = Math.max(part, t * s.numHeads * chunks * (s.headDim + 2));
  }
  part = Math.min(part, attentionScratchFloats(shape, T));
  return {
    maxChunk: T,
    act: Math.max(T * actRow, s.vocabSize) * 4,
    zPart: Math.max(T * D, part) * 4,
    ids: T * 4,
    x: T * D * 4,
    attnOut: T * qOut * 4,
    rope: maxContext * s.headDim * 4,
    penaltyIds: maxContext * 4,
  };
}

/** A buffer as the BufferPool makes it: a multiple of 16 bytes, at least 16. */
export const buf16 = (n: number) => Math.max(16, Math.ceil(n / 16) * 16);

/**
 * Uniforms that come one per weight segment (weights-access.ts GpuMatrix): the matmul uniforms of the layers' four
 * matrices (48 bytes a segment), the LM head's (48) and the embedding's (16). One segment a matrix unless the formats
 * of a fused matrix differ or a matrix is larger than one binding (weight-plan.ts).
 */
export interface SegmentCounts {
  /** Segments of every layer's qkv, o_proj, gate_up and down_proj, summed over layers. */
  layerMatmul: number;
  lmHead: number;
  embed: number;
}

/** Bytes of one matmul uniform (matmulParams: 9 fields, padded to 16-byte multiples). */
export const MATMUL_PARAMS_BYTES = 48;

/**
 * Scratch bytes GpuModel holds once loaded, before any steering (it reports them as memory.scratchBytes): the layout,
 * the fixed uniforms and result buffers, the gate-value buffer and the token staging buffer, each layer's rope and
 * attention uniforms (32 bytes each), and the per-segment matmul and embedding uniforms (SegmentCounts; default one
 * segment a matrix).
 */
export function gpuScratchBytes(s: LayoutSpec, maxContext: number, weightBytes: number, maxChunk?: number, segments?: SegmentCounts): number {
  const l = scratchLayout(s, maxContext, weightBytes, maxChunk);
  const T = l.maxChunk;
  const seg = segments ?? { layerMatmul: 4 * s.numLayers, lmHead: 1, embed: 1 };
  const fixed = STEP_BYTES + 16 /* result */ + 2 * 16 /* dummies */ + seg.lmHead * MATMUL_PARAMS_BYTES + 16 + 16 + 16 + 32; /* lm head, count, argmax, penalty, sample */
  const perSteering = buf16(T * 4) /* strengths */ + buf16(16 + T * 4) /* token staging */ + 16 * seg.embed + s.numLayers * 2 * 32 + seg.layerMatmul * MATMUL_PARAMS_BYTES;
  return [l.act, l.zPart, l.ids, l.x, l.attnOut, l.rope, l.penaltyIds].reduce((n, b) => n + buf16(b), 0) + fixed + perSteering;
}

/** A steered hook's uniform (steerParams: 11 fields) and packed map (packedMapLength: w | b | a | c padded to 4 | lo | hi, 5·D + 4 floats). */
const HOOK_PARAMS_BYTES = 48;
const packedMapFloats = (D: number) => 5 * D + 4;

/**
 * Bytes a steering set adds to the loaded engine (GpuModel.rebuild): per hook with a map, its packed map and uniform
 * (memory.steeringBytes); per recorded hook without a map, its uniform; the recorded activations (T·D floats a
 * recorded hook); with gated hooks, the gate-value buffer moves from scratch to steering and grows to one column a
 * gated hook, and the token staging (scratch) grows with it. The matmul uniforms stay as many (a steered hook's matmul
 * takes the plain one's place).
 */
export function gpuSteeringBytes(s: Pick<ModelSpec, 'hiddenSize'>, maxChunk: number, set: { maps: number; gated: number; recordedOnly: number; recorded: number }): number {
  const D = s.hiddenSize;
  const T = maxChunk;
  let bytes = set.maps * (buf16(packedMapFloats(D) * 4) + HOOK_PARAMS_BYTES) + set.recordedOnly * HOOK_PARAMS_BYTES;
  if (set.recorded > 0) bytes += buf16(set.recorded * T * D * 4);
  const slots = Math.max(1, set.gated);
  bytes += buf16(T * slots * 4) - buf16(T * 4); // gate values (moved to steering when there are gates)
  bytes += buf16(16 + T * slots * 4) - buf16(16 + T * 4); // token staging
  return bytes;
}
