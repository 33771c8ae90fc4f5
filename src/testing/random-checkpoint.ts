// Random-weight checkpoints in the Hugging Face layout (config.json + safetensors, optionally sharded),
// initialised like tools/torch_llama.py `random_checkpoint`. Streams tensors in bounded chunks so ~1 GB models fit.
import type { WeightDType } from '../model/spec.ts';
import { parseModelConfig } from '../model/config.ts';
import { BYTES_PER_ELEMENT, encodeFromFloat32, isWeightDType } from '../model/formats/dtype-codec.ts';
import { encodeSafetensorsHeader, numelOf, type TensorLayout } from '../model/formats/safetensors-writer.ts';
import { SHARD_INDEX_FILE } from '../model/formats/shard-index.ts';
import { expectedTensors } from '../model/formats/weight-names.ts';
import { makeRng, type Rng } from '../core/seeded-random.ts';

export interface RandomCheckpointOptions {
  dtype: WeightDType;
  seed: number;
  /** Number of safetensors files; 1 (default) writes `model.safetensors`. */
  shards?: number;
}

/** Receives the bytes of each file in order; all chunks of one file arrive together, in order. */
export type FileChunkSink = (fileName: string, chunk: Uint8Array) => void;

/** Values generated per chunk: bounds memory to a few MB whatever the tensor size. */
const CHUNK_ELEMENTS = 1 << 20;

export function shardFileName(k: number, n: number): string {
  const pad = (x: number) => String(x).padStart(5, '0');
  return `model-${pad(k)}-of-${pad(n)}.safetensors`;
}

/** Split tensors (kept in order) into `shards` non-empty contiguous groups of roughly equal bytes. */
function splitIntoShards(tensors: TensorLayout[], shards: number): TensorLayout[][] {
  const bytes = tensors.map((t) => numelOf(t.shape) * BYTES_PER_ELEMENT[t.dtype]);
  const total = bytes.reduce((a, b) => a + b, 0);
  const groups: TensorLayout[][] = [[]];
  let before = 0;
  tensors.forEach((t, i) => {
    const current = groups[groups.length - 1];
    const canOpen = current.length > 0 && groups.length < shards;
    const mustOpen = tensors.length - i <= shards - groups.length;
    if (canOpen && (mustOpen || before >= (total * groups.length) / shards)) groups.push([t]);
    else current.push(t);
    before += bytes[i];
  });
  return groups;
}

/** value = offset + scale · N(0, 1), by tensor kind (as torch_llama.py random_checkpoint). */
function initialisation(name: string, shape: number[]): { offset: number; scale: number } {
  if (name.endsWith('norm.weight')) return { offset: 1, scale: 0.1 };
  if (name.endsWith('.bias')) return { offset: 0, scale: 0.02 };
  return { offset: 0, scale: 1 / Math.sqrt(shape[shape.length - 1]) };
}

function emitTensorData(t: TensorLayout, rng: Rng, emit: (chunk: Uint8Array) => void): void {
  const numel = numelOf(t.shape);
  const { offset, scale } = initialisation(t.name, t.shape);
  const values = new Float32Array(Math.min(numel, CHUNK_ELEMENTS));
  for (let done = 0; done < numel; done += values.length) {
    const n = Math.min(values.length, numel - done);
    const chunk = n === values.length ? values : values.subarray(0, n);
    for (let i = 0; i < n; i++) chunk[i] = offset + scale * rng.normal();
    emit(encodeFromFloat32(chunk, t.dtype));
  }
}

function checkOptions(opts: RandomCheckpointOptions, tensorCount: number): number {
  if (!isWeightDType(opts.dtype)) throw new Error(`dtype ${JSON.stringify(opts.dtype)} is not one of F32, F16, BF16`);
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`seed must be an integer, found ${opts.seed}`);
  const shards = opts.shards ?? 1;
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > tensorCount) {
    throw new Error(`shards must be an integer from 1 to ${tensorCount} (the tensor count), found ${shards}`);
  }
  return shards;
}

/** Stream a random checkpoint: safetensors file(s), the shard index when sharded, then config.json. */
export function writeRandomCheckpointFiles(
  config: Record<string, unknown>,
  opts: RandomCheckpointOptions,
  write: FileChunkSink,
): void {
  const spec = parseModelConfig(config);
  const tensors: TensorLayout[] = expectedTensors(spec).map((t) => ({ name: t.name, dtype: opts.dtype, shape: t.shape }));
  const shards = checkOptions(opts, tensors.length);
  const rng = makeRng(opts.seed);
  const encoder = new TextEncoder();
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  splitIntoShards(tensors, shards).forEach((group, k) => {
    const file = shards === 1 ? 'model.safetensors' : shardFileName(k + 1, shards);
    const header = encodeSafetensorsHeader(group, { format: 'pt' });
    write(file, header.prefix);
    for (const t of group) {
      emitTensorData(t, rng, (chunk) => write(file, chunk));
      weightMap[t.name] = file;
    }
    totalSize += header.dataBytes;
  });
  if (shards > 1) {
    const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
    write(SHARD_INDEX_FILE, encoder.encode(JSON.stringify(index, null, 2)));
  }
  write('config.json', encoder.encode(JSON.stringify(config, null, 2)));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The whole random checkpoint in memory: file name → bytes. */
export function makeRandomCheckpoint(config: Record<string, unknown>, opts: RandomCheckpointOptions): Map<string, Uint8Array> {
  const chunks = new Map<string, Uint8Array[]>();
  writeRandomCheckpointFiles(config, opts, (file, chunk) => {
    const list = chunks.get(file);
    if (list) list.push(chunk);
    else chunks.set(file, [chunk]);
  });
  return new Map([...chunks].map(([file, list]) => [file, concat(list)]));
}
