/**
 * Loads a model from any ModelFiles source onto the GPU: config → spec, tokenizer, safetensors headers (all checked
 * before any upload), then the tensor bytes streamed shard by shard straight into their GPU buffers.
 */
import { BufferPool } from '../gpu/buffers.ts';
import type { GpuContext } from '../gpu/device.ts';
import { parseModelConfig } from './config.ts';
import { GpuModel, type GpuModelOptions } from './gpu/gpu-model.ts';
import { GpuWeightUploader } from './gpu/gpu-weights.ts';
import { ModelFileError, type ModelFiles } from './formats/model-files.ts';
import { readHeaderLength, parseSafetensorsHeader, type TensorEntry } from './formats/safetensors.ts';
import { parseShardIndex, SHARD_INDEX_FILE } from './formats/shard-index.ts';
import type { ModelSpec } from './spec.ts';
import { createTokenizer, type Tokenizer } from './tokenizer.ts';
import { checkTensors, resolveTiedEmbeddings } from './formats/weight-names.ts';

export interface LoadProgress {
  phase: 'config' | 'headers' | 'weights' | 'done';
  loadedBytes: number;
  totalBytes: number;
  file: string;
}

export interface LoadedModel {
  id: string;
  spec: ModelSpec;
  model: GpuModel;
  tokenizer: Tokenizer;
  config: Record<string, unknown>;
}

export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ModelFileError(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

async function requiredJson(files: ModelFiles, name: string, why: string): Promise<Record<string, unknown>> {
  const text = await files.text(name);
  if (text === null) throw new ModelFileError(`${files.id} has no ${name} (${why})`);
  return parseJson(text, `${files.id}/${name}`) as Record<string, unknown>;
}

/** Reads config.json and the tokenizer files: everything but the weights. */
/** For models run on token ids only (benchmarks of random checkpoints): text in or out is refused with a reason. */
function idsOnlyTokenizer(id: string, spec: ModelSpec): Tokenizer {
  const refuse = (): never => {
    throw new ModelFileError(`${id} has no tokenizer.json: it runs on token ids only`);
  };
  return { encode: refuse, decode: (ids) => ids.join(' '), encodeChat: refuse, hasChatTemplate: false, bosTokenId: spec.bosTokenId, eosTokenIds: [...spec.eosTokenIds] };
}

export async function loadModelMeta(files: ModelFiles, opts: { allowMissingTokenizer?: boolean } = {}): Promise<{ spec: ModelSpec; config: Record<string, unknown>; tokenizer: Tokenizer }> {
  const config = await requiredJson(files, 'config.json', 'every model folder needs its Hugging Face config');
  const spec = parseModelConfig(config);
  if (opts.allowMissingTokenizer && (await files.text('tokenizer.json')) === null) return { spec, config, tokenizer: idsOnlyTokenizer(files.id, spec) };
  const tokJson = await requiredJson(files, 'tokenizer.json', 'the tokenizer is needed to turn text into tokens');
  const tokConfig = (await files.text('tokenizer_config.json')) === null ? {} : await requiredJson(files, 'tokenizer_config.json', '');
  const tokenizer = await createTokenizer(tokJson, tokConfig);
  if (tokenizer.eosTokenIds.length === 0) tokenizer.eosTokenIds.push(...spec.eosTokenIds);
  else for (const e of spec.eosTokenIds) if (!tokenizer.eosTokenIds.includes(e)) tokenizer.eosTokenIds.push(e);
  return { spec, config, tokenizer };
}

interface ShardHeader {
  file: string;
  size: number;
  tensors: TensorEntry[];
}

async function readShardHeader(files: ModelFiles, file: string): Promise<ShardHeader> {
  const first = await files.range(file, 0, 8);
  const headerLength = readHeaderLength(first.bytes, first.size, file);
  const header = await files.range(file, 8, 8 + headerLength);
  const parsed = parseSafetensorsHeader(header.bytes, first.size, file);
  return { file, size: first.size, tensors: [...parsed.tensors.values()].sort((a, b) => a.begin - b.begin) };
}

/** Streams one shard, handing each tensor's bytes to `onTensor` as soon as they are complete. */
async function streamTensors(files: ModelFiles, shard: ShardHeader, wanted: (e: TensorEntry) => boolean, onTensor: (e: TensorEntry, bytes: Uint8Array) => void, onBytes: (n: number) => void): Promise<void> {
  const list = shard.tensors.filter(wanted);
  if (list.length === 0) return;
  const start = list[0].begin;
  const reader = (await files.stream(shard.file, start)).getReader();
  let pos = start;
  let i = 0;
  let cur: Uint8Array | null = null;
  let filled = 0;
  while (i < list.length) {
    const { value, done } = await reader.read();
    if (done) throw new ModelFileError(`${files.id}/${shard.file} ended at byte ${pos}, before tensor ${list[i].name} was complete`);
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

export async function loadModel(
  files: ModelFiles,
  ctx: GpuContext,
  opts: GpuModelOptions & { onProgress?: (p: LoadProgress) => void; allowMissingTokenizer?: boolean } = {},
): Promise<LoadedModel> {
  const report = opts.onProgress ?? (() => undefined);
  report({ phase: 'config', loadedBytes: 0, totalBytes: 0, file: 'config.json' });
  const meta = await loadModelMeta(files, opts);
  let spec = meta.spec;

  report({ phase: 'headers', loadedBytes: 0, totalBytes: 0, file: 'model.safetensors' });
  const indexText = await files.text(SHARD_INDEX_FILE);
  let shardFiles: string[];
  if (indexText !== null) {
    shardFiles = parseShardIndex(parseJson(indexText, `${files.id}/${SHARD_INDEX_FILE}`)).files;
  } else {
    shardFiles = ['model.safetensors'];
  }
  const shards: ShardHeader[] = [];
  for (const f of shardFiles) {
    try {
      shards.push(await readShardHeader(files, f));
    } catch (e) {
      if (e instanceof ModelFileError && /has no|404/.test(e.message)) throw new ModelFileError(`${files.id} has no weights: ${f} is missing`);
      throw e;
    }
  }
  const all = new Map<string, TensorEntry>();
  for (const s of shards) for (const t of s.tensors) all.set(t.name, t);
  spec = resolveTiedEmbeddings(spec, all.keys());
  checkTensors(spec, all);

  const pool = new BufferPool(ctx.device, ctx.limits.maxStorageBufferBindingSize);
  try {
    const uploader = new GpuWeightUploader(ctx.device, pool, spec, new Map([...all.values()].map((t) => [t.name, t.dtype])));
    const total = shards.reduce((n, s) => n + s.tensors.filter((t) => uploader.wants(t.name)).reduce((m, t) => m + t.end - t.begin, 0), 0);
    let loaded = 0;
    for (const shard of shards) {
      await streamTensors(
        files,
        shard,
        (t) => uploader.wants(t.name),
        (t, bytes) => uploader.upload(t.name, t.dtype, bytes),
        (n) => {
          loaded += n;
          report({ phase: 'weights', loadedBytes: Math.min(loaded, total), totalBytes: total, file: shard.file });
        },
      );
    }
    const weights = uploader.finish();
    const model = new GpuModel(ctx, spec, weights, pool, opts);
    // Warm-up: one single-token and one multi-token step compile every pipeline now, so load time includes the
    // shader compilation and the first prefill measures kernels only. The KV cache positions are rewritten later.
    const warm = spec.bosTokenId ?? 0;
    await model.run([warm, warm], 0, { logits: 'none' });
    await model.run([warm], 0, { logits: 'last', argmax: true });
    report({ phase: 'done', loadedBytes: total, totalBytes: total, file: '' });
    return { id: files.id, spec, model, tokenizer: meta.tokenizer, config: meta.config };
  } catch (e) {
    pool.destroy();
    throw e;
  }
}
