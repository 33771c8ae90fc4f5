/**
 * Loads a model from any ModelFiles source onto the GPU: the checkpoint opened through the weight-source registry
 * (config → spec, weight headers, all checked before any upload; safetensors or GGUF), the tokenizer, then the tensor
 * bytes streamed file by file straight into their GPU buffers, each tensor checked for NaN/±Inf before its upload.
 */
import { BufferPool } from '../gpu/buffers.ts';
import type { GpuContext } from '../gpu/device.ts';
import type { WeightFormat } from '../core/weight-format.ts';
import { openCheckpoint, requiredJson, type Checkpoint } from './checkpoint.ts';
import { GpuModel, type GpuModelOptions } from './gpu/gpu-model.ts';
import { GpuWeightUploader } from './gpu/gpu-weights.ts';
import { checkFiniteTensor } from './formats/finite-weights.ts';
import { generationEosIds } from './formats/generation-config.ts';
import { ModelFileError, type ModelFiles } from './formats/model-files.ts';
import type { OpenedSource, SourceTensor } from './formats/weight-source.ts';
import type { ModelSpec } from './spec.ts';
import { createTokenizer, type Tokenizer } from './tokenizer.ts';

export { parseJson } from './formats/model-files.ts';

export interface LoadProgress {
  phase: 'config' | 'headers' | 'weights' | 'done';
  loadedBytes: number;
  totalBytes: number;
  file: string;
  /** 1-based index of the weight file being read, and how many there are (0 while not known). */
  fileIndex: number;
  fileCount: number;
}

export interface LoadedModel {
  id: string;
  spec: ModelSpec;
  model: GpuModel;
  tokenizer: Tokenizer;
  config: Record<string, unknown>;
}

/** For models run on token ids only (benchmarks of random checkpoints): text in or out is refused with a reason. */
function idsOnlyTokenizer(id: string, spec: ModelSpec): Tokenizer {
  const refuse = (): never => {
    throw new ModelFileError(`${id} has no tokenizer.json: it runs on token ids only`);
  };
  return { encode: refuse, decode: (ids) => ids.join(' '), encodeChat: refuse, renderChat: refuse, hasChatTemplate: false, bosTokenId: spec.bosTokenId, eosTokenIds: [...spec.eosTokenIds] };
}

/** The tokenizer's ids must be rows of the embedding: an empty vocabulary, or ids past vocab_size, are refused. */
function checkVocabulary(tokenizer: Tokenizer, spec: ModelSpec, what: string, sizeName: string): void {
  const v = tokenizer.vocabulary;
  if (!v) return;
  if (v.tokens === 0) throw new ModelFileError(`${what} has an empty vocabulary (0 tokens); ${sizeName} is ${spec.vocabSize}`);
  if (v.maxId >= spec.vocabSize) {
    throw new ModelFileError(`${what} has token ids up to ${v.maxId} but ${sizeName} is ${spec.vocabSize} (ids 0…${spec.vocabSize - 1}): the tokenizer belongs to another model`);
  }
}

/** The tokenizer: the one the weight file carries (GGUF), else tokenizer.json / tokenizer_config.json. */
async function loadTokenizer(files: ModelFiles, ckpt: Checkpoint, opts: { allowMissingTokenizer?: boolean }): Promise<Tokenizer> {
  const { spec, source } = ckpt;
  let tokenizer: Tokenizer;
  if (source.tokenizer) {
    tokenizer = await createTokenizer(source.tokenizer.json, source.tokenizer.config, spec.vocabSize);
  } else {
    if (opts.allowMissingTokenizer && (await files.text('tokenizer.json')) === null) return idsOnlyTokenizer(files.id, spec);
    const tokJson = await requiredJson(files, 'tokenizer.json', 'the tokenizer is needed to turn text into tokens');
    const tokConfig = (await files.text('tokenizer_config.json')) === null ? {} : await requiredJson(files, 'tokenizer_config.json', '');
    tokenizer = await createTokenizer(tokJson, tokConfig, spec.vocabSize);
  }
  checkVocabulary(tokenizer, spec, source.tokenizer ? `${source.files[0]?.name ?? files.id} (its tokenizer metadata)` : 'tokenizer.json', source.config ? 'the vocabulary size' : 'config.json "vocab_size"');
  const generationEos = source.config ? [] : await generationEosIds(files, ckpt.listing);
  for (const e of [...spec.eosTokenIds, ...generationEos]) if (e < spec.vocabSize && !tokenizer.eosTokenIds.includes(e)) tokenizer.eosTokenIds.push(e);
  return tokenizer;
}

/** Everything but the weights: the checkpoint's config, spec and tensor list, and the tokenizer. */
export async function loadModelMeta(
  files: ModelFiles,
  opts: { allowMissingTokenizer?: boolean; onHeaders?: () => void } = {},
): Promise<{ spec: ModelSpec; config: Record<string, unknown>; tokenizer: Tokenizer; checkpoint: Checkpoint }> {
  const checkpoint = await openCheckpoint(files, { onHeaders: opts.onHeaders });
  const tokenizer = await loadTokenizer(files, checkpoint, opts);
  return { spec: checkpoint.spec, config: checkpoint.config, tokenizer, checkpoint };
}

/** Streams one file, handing each tensor's bytes to `onTensor` as soon as they are complete. */
export async function streamTensors(
  files: ModelFiles,
  file: string,
  tensors: SourceTensor[],
  onTensor: (t: SourceTensor, bytes: Uint8Array) => void,
  onBytes: (n: number) => void,
): Promise<void> {
  const list = tensors.filter((t) => t.file === file).sort((a, b) => a.begin - b.begin);
  if (list.length === 0) return;
  const start = list[0].begin;
  const reader = (await files.stream(file, start)).getReader();
  let pos = start;
  let i = 0;
  let cur: Uint8Array | null = null;
  let filled = 0;
  while (i < list.length) {
    const { value, done } = await reader.read();
    if (done) throw new ModelFileError(`${files.id}/${file} ended at byte ${pos}, before tensor ${list[i].name} was complete`);
    let off = 0;
    onBytes(value.byteLength);
    while (off < value.byteLength && i < list.length) {
      const t = list[i];
      if (pos < t.begin) {
        const skip = Math.min(t.begin - pos, value.byteLength - off);
        off += skip;
        pos += skip;
        continue;
      }
      if (!cur) {
        cur = new Uint8Array(t.end - t.begin);
        filled = 0;
      }
      const take = Math.min(cur.byteLength - filled, value.byteLength - off);
      cur.set(value.subarray(off, off + take), filled);
      filled += take;
      off += take;
      pos += take;
      if (filled === cur.byteLength) {
        onTensor(t, cur);
        cur = null;
        i++;
      }
    }
  }
  await reader.cancel().catch(() => undefined);
}

/**
 * Streams the `wanted` tensors of every file of the source in order, each one's file bytes checked for NaN/±Inf
 * (checkFiniteTensor: a broken checkpoint is refused naming the tensor) before `onTensor` gets its prepared bytes.
 */
export async function streamCheckedWeights(
  files: ModelFiles,
  source: OpenedSource,
  wanted: SourceTensor[],
  onTensor: (t: SourceTensor, bytes: Uint8Array) => void,
  onBytes: (file: string, fileIndex: number, n: number) => void = () => undefined,
): Promise<void> {
  for (const [i, { name: file }] of source.files.entries()) {
    await streamTensors(
      files,
      file,
      wanted,
      (t, bytes) => {
        checkFiniteTensor(t, bytes);
        onTensor(t, source.prepare(t, bytes));
      },
      (n) => onBytes(file, i, n),
    );
  }
}

/** The per-tensor file formats of a source. */
export function tensorFormats(source: OpenedSource): Map<string, WeightFormat> {
  return new Map(source.tensors.map((t) => [t.name, t.format]));
}

export async function loadModel(
  files: ModelFiles,
  ctx: GpuContext,
  opts: GpuModelOptions & {
    onProgress?: (p: LoadProgress) => void;
    allowMissingTokenizer?: boolean;
    /** Called once every check has passed (config, tokenizer, headers), before any GPU buffer is made: free the old model here. */
    beforeUpload?: () => void;
  } = {},
): Promise<LoadedModel> {
  const report = opts.onProgress ?? (() => undefined);
  report({ phase: 'config', loadedBytes: 0, totalBytes: 0, file: 'config.json', fileIndex: 0, fileCount: 0 });
  const meta = await loadModelMeta(files, { ...opts, onHeaders: () => report({ phase: 'headers', loadedBytes: 0, totalBytes: 0, file: 'model.safetensors', fileIndex: 0, fileCount: 0 }) });
  const { spec, checkpoint } = meta;
  const { source } = checkpoint;

  opts.beforeUpload?.();
  const pool = new BufferPool(ctx.device, ctx.limits.maxStorageBufferBindingSize);
  try {
    const uploader = new GpuWeightUploader(ctx.device, pool, spec, tensorFormats(source));
    const wanted = source.tensors.filter((t) => uploader.wants(t.name));
    const total = wanted.reduce((n, t) => n + t.end - t.begin, 0);
    let loaded = 0;
    const fileCount = source.files.length;
    await streamCheckedWeights(
      files,
      source,
      wanted,
      (t, bytes) => uploader.upload(t.name, t.format, bytes),
      (file, i, n) => {
        loaded += n;
        report({ phase: 'weights', loadedBytes: Math.min(loaded, total), totalBytes: total, file, fileIndex: i + 1, fileCount });
      },
    );
    const weights = uploader.finish();
    const model = new GpuModel(ctx, spec, weights, pool, opts);
    // Warm-up: one single-token and one multi-token step compile every pipeline now, so load time includes the
    // shader compilation and the first prefill measures kernels only. The KV cache positions are rewritten later.
    const warm = spec.bosTokenId ?? 0;
    await model.run([warm, warm], 0, { logits: 'none' });
    await model.run([warm], 0, { logits: 'last', argmax: true });
    report({ phase: 'done', loadedBytes: total, totalBytes: total, file: '', fileIndex: fileCount, fileCount });
    return { id: files.id, spec, model, tokenizer: meta.tokenizer, config: meta.config };
  } catch (e) {
    pool.destroy();
    throw e;
  }
}
