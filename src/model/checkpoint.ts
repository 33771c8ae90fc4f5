/**
 * A model's checkpoint, opened through the weight-source registry: its config (config.json, or the metadata of a
 * file that carries its own), the spec, and the tensor list checked against the spec — headers only, nothing
 * uploaded. Shared by the GPU loader, the probe (memory estimate) and the CPU reference readers.
 */
import { ModelConfigError, parseModelConfig } from './config.ts';
import { ModelFileError, parseJson, type ModelFiles } from './formats/model-files.ts';
import { checkTensors, resolveTiedEmbeddings } from './formats/weight-names.ts';
import type { OpenedSource } from './formats/weight-source.ts';
import { listFiles, pickWeightSource } from './formats/weight-sources.ts';
import type { ModelSpec } from './spec.ts';

export interface Checkpoint {
  source: OpenedSource;
  config: Record<string, unknown>;
  spec: ModelSpec;
  /** The folder's file names when the source lists them. */
  listing: string[] | null;
}

export async function requiredJson(files: ModelFiles, name: string, why: string): Promise<Record<string, unknown>> {
  const text = await files.text(name);
  if (text === null) throw new ModelFileError(`${files.id} has no ${name}${why ? ` (${why})` : ''}`);
  return parseJson(text, `${files.id}/${name}`) as Record<string, unknown>;
}

/** `onHeaders`: called once the config is read, before the weight headers are. */
export async function openCheckpoint(files: ModelFiles, opts: { onHeaders?: () => void } = {}): Promise<Checkpoint> {
  const listing = await listFiles(files);
  const format = pickWeightSource(files, listing);
  let source: OpenedSource | null = null;
  let config: Record<string, unknown>;
  let spec: ModelSpec;
  if (format.carriesConfig) {
    opts.onHeaders?.();
    source = await format.open(files, listing);
    config = source.config ?? {};
    try {
      spec = parseModelConfig(config);
    } catch (e) {
      if (e instanceof ModelConfigError) throw new ModelConfigError(`${source.files[0]?.name ?? files.id}: its ${source.kind} metadata gives ${e.message}`);
      throw e;
    }
  } else {
    config = await requiredJson(files, 'config.json', 'every model folder needs its Hugging Face config');
    spec = parseModelConfig(config);
    opts.onHeaders?.();
    source = await format.open(files, listing);
  }
  const byName = new Map(source.tensors.map((t) => [t.name, t]));
  spec = resolveTiedEmbeddings(spec, byName.keys());
  checkTensors(spec, byName);
  return { source, config, spec, listing };
}
