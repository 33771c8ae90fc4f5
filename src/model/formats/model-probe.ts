/**
 * What a model folder needs, read cheaply before loading: config.json (→ spec) and the safetensors headers (the weight
 * dtype and file sizes; a few byte-range reads, no weights). Feeds memory-estimate.ts.
 */
import { parseModelConfig } from '../config.ts';
import { ModelFileError, type ModelFiles } from './model-files.ts';
import { parseSafetensorsHeader, readHeaderLength } from './safetensors.ts';
import { parseShardIndex, SHARD_INDEX_FILE } from './shard-index.ts';
import type { ModelSpec, WeightDType } from '../spec.ts';

export interface ModelProbe {
  spec: ModelSpec;
  /** F16 when every matrix is F16 (kept 2 bytes a weight on the GPU); else BF16 or F32 (f32 on the GPU). */
  fileDType: WeightDType;
  /** Bytes of the weight files. */
  weightFileBytes: number;
}

function json(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ModelFileError(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `listed`: the folder's file names when known (a server listing), so absent optional files are not asked for. */
export async function probeModel(files: ModelFiles, listed?: string[]): Promise<ModelProbe> {
  const configText = await files.text('config.json');
  if (configText === null) throw new ModelFileError(`${files.id} has no config.json`);
  const spec = parseModelConfig(json(configText, `${files.id}/config.json`));
  const dtypes = new Set<WeightDType>();
  let weightFileBytes = 0;
  const readHeader = async (file: string) => {
    const first = await files.range(file, 0, 8);
    const headerLength = readHeaderLength(first.bytes, first.size, file);
    const header = await files.range(file, 8, 8 + headerLength);
    weightFileBytes += first.size;
    for (const t of parseSafetensorsHeader(header.bytes, first.size, file).tensors.values()) if (t.shape.length === 2) dtypes.add(t.dtype);
  };
  // Without a listing, try the single file first: most models have one, and asking for an absent shard index would
  // be a failed request.
  let single = listed ? listed.includes('model.safetensors') && !listed.includes(SHARD_INDEX_FILE) : true;
  if (single) {
    try {
      await readHeader('model.safetensors');
    } catch (e) {
      if (listed || !(e instanceof ModelFileError && /has no|HTTP 404/.test(e.message))) throw e;
      single = false;
    }
  }
  if (!single) {
    const indexText = await files.text(SHARD_INDEX_FILE);
    if (indexText === null) throw new ModelFileError(`${files.id} has no weights: neither model.safetensors nor ${SHARD_INDEX_FILE}`);
    for (const file of parseShardIndex(json(indexText, `${files.id}/${SHARD_INDEX_FILE}`)).files) await readHeader(file);
  }
  const fileDType: WeightDType = dtypes.size === 1 && dtypes.has('F16') ? 'F16' : dtypes.has('BF16') ? 'BF16' : 'F32';
  return { spec, fileDType, weightFileBytes };
}
