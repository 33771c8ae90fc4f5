// Parse `model.safetensors.index.json`: which shard file holds each tensor.

export class ShardIndexError extends Error {
  override name = 'ShardIndexError';
}

export interface ShardIndex {
  /** Distinct shard file names, in order of first appearance in the weight map. */
  files: string[];
  /** Tensor name → shard file name. */
  fileOf: Map<string, string>;
}

export const SHARD_INDEX_FILE = 'model.safetensors.index.json';

/** A plain file name in the model folder: no path separators, no `..`, not empty. */
export function isPlainFileName(name: string): boolean {
  return name.length > 0 && !name.includes('/') && !name.includes('\\') && !name.includes('..');
}

export function parseShardIndex(json: unknown, fileName: string = SHARD_INDEX_FILE): ShardIndex {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ShardIndexError(`${fileName}: must be a JSON object`);
  }
  const map = (json as Record<string, unknown>).weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new ShardIndexError(`${fileName}: "weight_map" must be an object of tensor name → file name`);
  }
  const fileOf = new Map<string, string>();
  const files: string[] = [];
  for (const [tensor, file] of Object.entries(map)) {
    if (typeof file !== 'string') {
      throw new ShardIndexError(`${fileName}: weight_map["${tensor}"] must be a file name, found ${JSON.stringify(file)}`);
    }
    if (!isPlainFileName(file)) {
      throw new ShardIndexError(`${fileName}: weight_map["${tensor}"] = ${JSON.stringify(file)} is not a plain file name (no "/", "\\" or "..")`);
    }
    fileOf.set(tensor, file);
    if (!files.includes(file)) files.push(file);
  }
  if (fileOf.size === 0) throw new ShardIndexError(`${fileName}: "weight_map" is empty`);
  return { files, fileOf };
}
