// Node-only: load a Hugging Face checkpoint folder (config.json + model.safetensors or a sharded index) for the CPU forward.
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseModelConfig } from '../config.ts';
import { decodeToFloat32, parseSafetensorsHeader, readHeaderLength } from '../formats/safetensors.ts';
import { parseShardIndex, SHARD_INDEX_FILE } from '../formats/shard-index.ts';
import { checkTensors, resolveTiedEmbeddings } from '../formats/weight-names.ts';
import { cpuWeightsFromTensors, type CpuWeights } from './weights.ts';
import type { ModelSpec } from '../spec.ts';

const SINGLE_FILE = 'model.safetensors';

export async function loadCpuWeights(modelDir: string): Promise<{ spec: ModelSpec; weights: CpuWeights }> {
  const config = parseModelConfig(JSON.parse(await readFile(path.join(modelDir, 'config.json'), 'utf8')));
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, { shape: number[] }>();
  for (const file of await safetensorsFiles(modelDir)) await readSafetensorsInto(path.join(modelDir, file), tensors, shapes);
  const spec = resolveTiedEmbeddings(config, tensors.keys());
  checkTensors(spec, shapes);
  return { spec, weights: cpuWeightsFromTensors(tensors) };
}

/** `model.safetensors`, else the shard files named by `model.safetensors.index.json`. */
async function safetensorsFiles(modelDir: string): Promise<string[]> {
  if (await exists(path.join(modelDir, SINGLE_FILE))) return [SINGLE_FILE];
  const indexPath = path.join(modelDir, SHARD_INDEX_FILE);
  if (!(await exists(indexPath))) throw new Error(`${modelDir}: neither ${SINGLE_FILE} nor ${SHARD_INDEX_FILE} found`);
  return parseShardIndex(JSON.parse(await readFile(indexPath, 'utf8')), indexPath).files;
}

async function readSafetensorsInto(
  file: string,
  out: Map<string, Float32Array>,
  shapes: Map<string, { shape: number[] }>,
): Promise<void> {
  const name = path.basename(file);
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const headerLength = readHeaderLength(await readBytes(handle, 0, Math.min(8, size)), size, name);
    const header = parseSafetensorsHeader(await readBytes(handle, 8, headerLength), size, name);
    for (const t of header.tensors.values()) {
      if (out.has(t.name)) throw new Error(`${name}: tensor "${t.name}" appears in more than one shard`);
      shapes.set(t.name, { shape: t.shape });
      out.set(t.name, decodeToFloat32(await readBytes(handle, t.begin, t.end - t.begin), t.dtype));
    }
  } finally {
    await handle.close();
  }
}

async function readBytes(handle: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
