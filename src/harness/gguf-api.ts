/**
 * Harness calls for model files as people download them (GGUF): a load that checks everything (config, tokenizer,
 * every header) before it frees the model it had, so a bad file leaves the session's model usable, and a look at a
 * checkpoint's tensor list without loading it.
 */
import { openCheckpoint } from '../model/checkpoint.ts';
import { loadModel } from '../model/load-model.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import { gpu, session } from './session.ts';

export const ggufApi = {
  /** Loads `ref`; when it fails its checks the loaded model stays (it is freed only once the new one is checked). */
  async loadChecked(ref: string, opts: { maxContext?: number } = {}) {
    const t0 = performance.now();
    const loaded = await loadModel(resolveModelSource(ref), await gpu(), {
      maxContext: opts.maxContext,
      beforeUpload: () => {
        session.loaded?.model.destroy();
        session.loaded = null;
        session.intervention = null;
      },
    });
    session.loaded = loaded;
    session.ref = ref;
    const m = loaded.model;
    return { model: ref, spec: loaded.spec, loadMs: performance.now() - t0, memory: m.memory, weightDType: m.weights.dtype, maxContext: m.maxContext };
  },

  /** The checkpoint's source kind, files and tensors (Hugging Face names, shapes, formats), headers only. */
  async checkpointInfo(ref: string) {
    const { source, spec } = await openCheckpoint(resolveModelSource(ref));
    return { kind: source.kind, files: source.files, spec, tensors: source.tensors.map((t) => ({ name: t.name, shape: t.shape, format: t.format })) };
  },
};
