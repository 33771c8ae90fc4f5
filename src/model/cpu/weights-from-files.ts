/** CPU weights (f32) read from any ModelFiles source: for in-browser reference checks on small models. */
import type { CpuWeights } from './weights.ts';
import { cpuWeightsFromTensors } from './weights.ts';
import { parseJson } from '../load-model.ts';
import type { ModelFiles } from '../formats/model-files.ts';
import { decodeToFloat32, parseSafetensorsFile } from '../formats/safetensors.ts';
import { parseShardIndex, SHARD_INDEX_FILE } from '../formats/shard-index.ts';

export async function cpuWeightsFromFiles(files: ModelFiles): Promise<CpuWeights> {
  const index = await files.text(SHARD_INDEX_FILE);
  const shardNames = index ? parseShardIndex(parseJson(index, `${files.id}/${SHARD_INDEX_FILE}`)).files : ['model.safetensors'];
  const tensors = new Map<string, Float32Array>();
  for (const name of shardNames) {
    const head = await files.range(name, 0, 8);
    const { bytes } = await files.range(name, 0, head.size);
    const header = parseSafetensorsFile(bytes, name);
    for (const t of header.tensors.values()) tensors.set(t.name, decodeToFloat32(bytes.subarray(t.begin, t.end), t.dtype));
  }
  return cpuWeightsFromTensors(tensors);
}
