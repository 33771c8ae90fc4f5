// Valid small files the fuzz tests mutate: stories260K (safetensors and GGUF), random checkpoints, a dataset,
// an intervention, a control vector and a library zip written by the app's own writers.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SHARED_DIR, STORIES260K_DIR } from '../node-paths.ts';
import { makeRandomCheckpoint } from '../random-checkpoint.ts';
import { tinyLlamaGqa } from '../test-configs.ts';
import { encodeIntervention } from '../../steering/intervention-file.ts';
import { encodeControlVector } from '../../steering/gguf-control-vector.ts';
import type { Intervention } from '../../steering/intervention.ts';
import type { HookMap } from '../../core/steer-map.ts';
import type { HookName } from '../../model/spec.ts';
import { crc32, writeZip } from '../../app/storage/zip.ts';
import { deflateRawSync } from 'node:zlib';
import { makeRng } from '../../core/seeded-random.ts';

export const GGUF_DIR = path.join(SHARED_DIR, 'models/stories260K-gguf');

async function readFolder(dir: string, names: string[]): Promise<Map<string, Uint8Array>> {
  return new Map(await Promise.all(names.map(async (n) => [n, new Uint8Array(await readFile(path.join(dir, n)))] as const)));
}

export function storiesFolder(): Promise<Map<string, Uint8Array>> {
  return readFolder(STORIES260K_DIR, ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
}

export async function storiesGguf(name: 'stories260K-f32.gguf' | 'stories260K-q4_0.gguf'): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(GGUF_DIR, name)));
}

/** A tiny random checkpoint (F16, tinyLlamaGqa with 1 layer) with the stories260K tokenizer; `shards` > 1: sharded. */
export async function randomFolder(shards = 1): Promise<Map<string, Uint8Array>> {
  const files = makeRandomCheckpoint({ ...tinyLlamaGqa, num_hidden_layers: 1 }, { dtype: 'F16', seed: 7, shards });
  for (const [k, v] of await readFolder(STORIES260K_DIR, ['tokenizer.json', 'tokenizer_config.json'])) files.set(k, v);
  return files;
}

export const HIDDEN = 16;
export const LAYERS = 4;

/** An intervention with every tensor kind: maps at two hooks, a DSAS gate and a Linear-AcT range. */
export function sampleIntervention(): Intervention {
  const rng = makeRng(5);
  const vec = () => Float32Array.from({ length: HIDDEN }, () => rng.normal());
  const hooks = new Map<HookName, HookMap>([
    ['1.resid', { w: new Float32Array(HIDDEN).fill(1), b: vec() }],
    ['2.mlp', { w: vec(), b: vec(), gate: { a: vec(), c: 0.25 }, range: { lo: new Float32Array(HIDDEN).fill(-1), hi: new Float32Array(HIDDEN).fill(1) } }],
  ]);
  return { modelId: 'fuzz/model', method: 'linear-act', hooks, strength: 1, dataset: { name: 'd', hash: 'h' }, created: '2026-01-01T00:00:00Z' };
}

export function sampleControlVector(): Uint8Array {
  const rng = makeRng(6);
  const vec = () => Float32Array.from({ length: HIDDEN }, () => rng.normal());
  return encodeControlVector({ modelId: 'm', method: 'mean', strength: 1, hooks: new Map<HookName, HookMap>([['1.resid', { w: new Float32Array(HIDDEN).fill(1), b: vec() }], ['3.resid', { w: new Float32Array(HIDDEN).fill(1), b: vec() }]]) });
}

export function sampleLibraryZip(): Uint8Array {
  const { manifest, tensors } = encodeIntervention(sampleIntervention());
  return writeZip([{ name: 'intervention.json', data: new TextEncoder().encode(manifest) }, { name: 'intervention.safetensors', data: tensors }], new Date(Date.UTC(2026, 0, 1)));
}

export const SAMPLE_DATASET = JSON.stringify({
  name: 'sad to happy',
  description: 'fuzz seed',
  source: ['I feel sad today.', 'Nothing goes right.', 'The rain will not stop.'],
  target: ['I feel happy today.', 'Everything goes right.', 'The sun is out.'],
  control: ['The table is wooden.', 'Paris is in France.'],
  lexicon: { positive: ['happy', 'sun'], negative: ['sad', 'rain'] },
});
export const SAMPLE_CSV = 'source,target,control\n"I feel sad, today.",I feel happy.,A table.\nNothing goes right.,All goes right.,\n';
export const SAMPLE_TEXT = 'I feel sad today.\nNothing goes right.\n\nThe rain will not stop.\n';

/** The same library zip with its entries deflated (the archive a user's zip tool makes): the inflate path. */
export function sampleDeflatedZip(): Uint8Array {
  const { manifest, tensors } = encodeIntervention(sampleIntervention());
  const entries = [
    { name: 'intervention.json', data: new TextEncoder().encode(manifest) },
    { name: 'intervention.safetensors', data: tensors },
  ].map((e) => ({ ...e, deflated: new Uint8Array(deflateRawSync(e.data)), crc: crc32(e.data) }));
  const zip = writeZip(entries.map((e) => ({ name: e.name, data: e.deflated })), new Date(Date.UTC(2026, 0, 1)));
  const v = new DataView(zip.buffer);
  // Every local and central header patched: method 8, the unpacked size and CRC.
  let p = 0;
  for (const e of entries) {
    v.setUint16(p + 8, 8, true);
    v.setUint32(p + 14, e.crc, true);
    v.setUint32(p + 22, e.data.length, true);
    p += 30 + e.name.length + e.deflated.length;
  }
  for (const e of entries) {
    v.setUint16(p + 10, 8, true);
    v.setUint32(p + 16, e.crc, true);
    v.setUint32(p + 24, e.data.length, true);
    p += 46 + e.name.length;
  }
  return zip;
}
