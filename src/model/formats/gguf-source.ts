/**
 * The GGUF weight source: one `.gguf` file holding config (metadata), tokenizer and tensors. Tensors are listed
 * under their Hugging Face names with [rows, cols] shapes (GGUF dims are innermost first); llama.cpp's q/k row
 * permutation of `llama` files is undone in `prepare` (qwen2 files are not permuted).
 */
import { isWeightFormat, rowBytes, WEIGHT_FORMATS, type WeightFormat } from '../../core/weight-format.ts';
import { GgufError, readGgufHeader } from './gguf.ts';
import { GgufMeta, ggufArchitecture, ggufConfig, hfTensorName, unpermuteRows } from './gguf-model.ts';
import { ggufTokenizer } from './gguf-tokenizer.ts';
import { ModelFileError, type ModelFiles } from './model-files.ts';
import { SHARD_INDEX_FILE } from './shard-index.ts';
import type { OpenedSource, SourceTensor } from './weight-source.ts';
import type { WeightSourceFormat } from './weight-sources.ts';

const isGguf = (name: string) => name.toLowerCase().endsWith('.gguf');

/** The .gguf file a model ref names: `weightFile`, or an id ending in `.gguf` (`owner/repo/x.gguf`, a URL, a file). */
export function namedGgufFile(files: ModelFiles): string | null {
  if (files.weightFile && isGguf(files.weightFile)) return files.weightFile;
  const isUrl = /^https?:\/\//.test(files.id);
  const id = isUrl ? files.id.split(/[?#]/)[0] : files.id;
  if (!isGguf(id)) return null;
  const last = id.slice(id.lastIndexOf('/') + 1);
  try {
    return isUrl ? decodeURIComponent(last) : last;
  } catch {
    return last;
  }
}

function chooseFile(files: ModelFiles, listing: string[] | null): string {
  const named = namedGgufFile(files);
  if (named) return named;
  const found = (listing ?? []).filter(isGguf);
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new ModelFileError(`${files.id} holds ${found.length} GGUF files (${found.join(', ')}): choose one, as ${files.id}/<file>.gguf`);
  throw new ModelFileError(`${files.id} has no .gguf file`);
}

const Q_OR_K = /^model\.layers\.\d+\.self_attn\.(q|k)_proj\.weight$/;

export async function openGguf(files: ModelFiles, listing: string[] | null): Promise<OpenedSource> {
  const file = chooseFile(files, listing);
  let header;
  try {
    header = await readGgufHeader(files, file);
  } catch (e) {
    if (e instanceof ModelFileError && /has no|404/.test(e.message)) throw new ModelFileError(`${files.id} has no weights: ${file} is missing`);
    throw e;
  }
  const meta = new GgufMeta(header, file);
  const arch = ggufArchitecture(meta);
  const config = ggufConfig(meta);
  const tokenizer = meta.has('tokenizer.ggml.model') ? ggufTokenizer(meta) : null;
  const tensors: SourceTensor[] = [];
  for (const t of header.tensors) {
    const name = hfTensorName(t.name);
    if (name === null) continue;
    if (!isWeightFormat(t.typeName)) {
      throw new GgufError(`${file}: tensor "${t.name}" is ${t.typeName}, which this engine does not read (supported: ${Object.keys(WEIGHT_FORMATS).join(', ')})`);
    }
    const format: WeightFormat = t.typeName;
    if (t.dims.length > 2) throw new GgufError(`${file}: tensor "${t.name}" has ${t.dims.length} dimensions, expected 1 or 2`);
    tensors.push({ name, fileName: t.name, shape: [...t.dims].reverse(), format, file, begin: t.begin, end: t.end });
  }
  const heads = config.num_attention_heads as number;
  const kvHeads = config.num_key_value_heads as number;
  return {
    kind: 'GGUF',
    files: [{ name: file, size: header.fileSize }],
    tensors,
    config,
    tokenizer,
    prepare(t, bytes) {
      const m = arch === 'llama' ? Q_OR_K.exec(t.name) : null;
      if (!m) return bytes;
      const [rows, cols] = t.shape;
      return unpermuteRows(bytes, rows, rowBytes(t.format, cols), m[1] === 'q' ? heads : kvHeads);
    },
  };
}

export const ggufSource: WeightSourceFormat = {
  kind: 'GGUF',
  carriesConfig: true,
  claims(files, listing) {
    if (namedGgufFile(files)) return true;
    if (!listing || !listing.some(isGguf)) return false;
    return !listing.includes('model.safetensors') && !listing.includes(SHARD_INDEX_FILE);
  },
  open: (files, listing) => openGguf(files, listing),
};
