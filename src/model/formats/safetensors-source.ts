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

/** The weight files: the single file when the listing says so, else the shard index's files, else the single file. */
async function weightFileNames(files: ModelFiles, listing: string[] | null): Promise<string[]> {
  if (listing && !listing.includes(SHARD_INDEX_FILE)) return [SAFETENSORS_FILE];
  const indexText = await files.text(SHARD_INDEX_FILE);
  if (indexText === null) return [SAFETENSORS_FILE];
  return parseShardIndex(parseJson(indexText, `${files.id}/${SHARD_INDEX_FILE}`)).files;
}

export async function openSafetensors(files: ModelFiles, listing: string[] | null): Promise<OpenedSource> {
  const names = await weightFileNames(files, listing);
  const opened: OpenedSource = { kind: 'safetensors', files: [], tensors: [], config: null, tokenizer: null, prepare: (_t, bytes) => bytes };
  const seen = new Set<string>();
  for (const file of names) {
    let header: { size: number; tensors: SourceTensor[] };
    try {
      header = await readFileHeader(files, file);
    } catch (e) {
      if (e instanceof ModelFileError && /has no|404/.test(e.message)) throw new ModelFileError(`${files.id} has no weights: ${file} is missing`);
      throw e;
    }
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
