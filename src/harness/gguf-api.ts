/**
 * Harness calls for model files as people download them (GGUF): a load that checks everything (config, tokenizer,
 * every header) before it frees the model it had, so a bad file leaves the session's model usable, and a look at a
 * checkpoint's tensor list without loading it.
 */
import { openCheckpoint } from '../model/checkpoint.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import { api } from './api.ts';

export const ggufApi = {
  /** Loads `ref` as the session does: when the file fails its checks the loaded model stays (freed only once the new one is checked). */
  async loadChecked(ref: string, opts: { maxContext?: number } = {}) {
    return api.load(ref, opts);
  },

  /** The checkpoint's source kind, files and tensors (Hugging Face names, shapes, formats), headers only. */
  async checkpointInfo(ref: string) {
    const { source, spec } = await openCheckpoint(resolveModelSource(ref));
    return { kind: source.kind, files: source.files, spec, tensors: source.tensors.map((t) => ({ name: t.name, shape: t.shape, format: t.format })) };
  },
};
