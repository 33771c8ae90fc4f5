/**
 * The safetensors weight source: `model.safetensors`, or the shards named by `model.safetensors.index.json`. Headers
 * are read with two range reads per file (length, then JSON), checked, and the tensors listed in file order.
 * Names, shapes and row order are already Hugging Face's; bytes are F32, F16 or BF16.
 */
import { parseJson, ModelFileError, type ModelFiles } from './model-files.ts';
import { parseSafetensorsHeader, readHeaderLength } from './safetensors.ts';
import { parseShardIndex, SHARD_INDEX_FILE } from './shard-index.ts';
import type { OpenedSource, SourceTensor } from './weight-source.ts';
import type { WeightSourceFormat } from './weight-sources.ts';

export const SAFETENSORS_FILE = 'model.safetensors';

async function readFileHeader(files: ModelFiles, file: string): Promise<{ size: number; tensors: SourceTensor[] }> {
  const first = await files.range(file, 0, 8);
  const headerLength = readHeaderLength(first.bytes, first.size, file);
  const header = await files.range(file, 8, 8 + headerLength);
  const parsed = parseSafetensorsHeader(header.bytes, first.size, file);
  const tensors = [...parsed.tensors.values()]
    .sort((a, b) => a.begin - b.begin)
    .map((t) => ({ name: t.name, shape: t.shape, format: t.dtype, file, begin: t.begin, end: t.end }));
  return { size: first.size, tensors };
}

type FileHeader = { size: number; tensors: SourceTensor[] };

async function readOrMissing(files: ModelFiles, file: string): Promise<FileHeader> {
  try {
    return await readFileHeader(files, file);
  } catch (e) {
    if (e instanceof ModelFileError && /has no|404/.test(e.message)) throw new ModelFileError(`${files.id} has no weights: ${file} is missing`);
    throw e;
  }
}

/**
 * The weight files' headers: the single file, or the shards the index names. With a listing that is decided up
 * front; without one the single file is tried first (most models have one, and asking for an absent index is a
 * failed request), then the index (also when the single file cannot be fetched: a cached sharded model offline).
 */
async function readHeaders(files: ModelFiles, listing: string[] | null): Promise<Map<string, FileHeader>> {
  const out = new Map<string, FileHeader>();
  const sharded = listing ? listing.includes(SHARD_INDEX_FILE) && !listing.includes(SAFETENSORS_FILE) : false;
  if (!sharded) {
    try {
      out.set(SAFETENSORS_FILE, await readOrMissing(files, SAFETENSORS_FILE));
      return out;
    } catch (e) {
      if (listing || !(e instanceof ModelFileError)) throw e;
      const indexText = await files.text(SHARD_INDEX_FILE).catch(() => null);
      if (indexText === null) throw e;
    }
  }
  const indexText = await files.text(SHARD_INDEX_FILE);
  if (indexText === null) throw new ModelFileError(`${files.id} has no weights: neither ${SAFETENSORS_FILE} nor ${SHARD_INDEX_FILE}`);
  for (const file of parseShardIndex(parseJson(indexText, `${files.id}/${SHARD_INDEX_FILE}`)).files) out.set(file, await readOrMissing(files, file));
  return out;
}

export async function openSafetensors(files: ModelFiles, listing: string[] | null): Promise<OpenedSource> {
  const opened: OpenedSource = { kind: 'safetensors', files: [], tensors: [], config: null, tokenizer: null, prepare: (_t, bytes) => bytes };
  const seen = new Set<string>();
  for (const [file, header] of await readHeaders(files, listing)) {
    opened.files.push({ name: file, size: header.size });
    for (const t of header.tensors) {
      if (seen.has(t.name)) throw new ModelFileError(`${files.id}: tensor "${t.name}" appears in more than one shard`);
      seen.add(t.name);
      opened.tensors.push(t);
    }
  }
  return opened;
}

export const safetensorsSource: WeightSourceFormat = {
  kind: 'safetensors',
  carriesConfig: false,
  claims: () => true,
  open: (files, listing) => openSafetensors(files, listing),
};
