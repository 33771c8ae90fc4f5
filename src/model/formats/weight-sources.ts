/**
 * The weight-source registry: one entry per file format. The first entry that claims a model's files opens them
 * (GGUF claims a named or listed .gguf file; safetensors takes the rest). Adding a format: a new file implementing
 * WeightSourceFormat, and one line in WEIGHT_SOURCES.
 */
import { ggufSource } from './gguf-source.ts';
import type { ModelFiles } from './model-files.ts';
import { safetensorsSource } from './safetensors-source.ts';
import type { OpenedSource } from './weight-source.ts';

export interface WeightSourceFormat {
  /** For messages ("safetensors", "GGUF"). */
  kind: string;
  /** The files carry their own config and tokenizer (OpenedSource.config / .tokenizer), so config.json is not read. */
  carriesConfig: boolean;
  /** Whether this format holds the model: `listing` is the folder's file names when known. */
  claims(files: ModelFiles, listing: string[] | null): boolean;
  /** Lists the tensors (headers only, every check done, no weight bytes read). */
  open(files: ModelFiles, listing: string[] | null): Promise<OpenedSource>;
}

export const WEIGHT_SOURCES: readonly WeightSourceFormat[] = [ggufSource, safetensorsSource];

/** The folder's file names, when the source can list them. */
export async function listFiles(files: ModelFiles): Promise<string[] | null> {
  return files.list ? await files.list() : null;
}

/** The format that holds `files`' weights. */
export function pickWeightSource(files: ModelFiles, listing: string[] | null): WeightSourceFormat {
  const found = WEIGHT_SOURCES.find((s) => s.claims(files, listing));
  if (!found) throw new Error(`${files.id}: no weight format claims these files`);
  return found;
}

export async function openWeightSource(files: ModelFiles, listing?: string[] | null): Promise<OpenedSource> {
  const names = listing === undefined ? await listFiles(files) : listing;
  return pickWeightSource(files, names).open(files, names);
}
