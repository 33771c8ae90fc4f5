/**
 * The engine's scriptable surface, exposed on `window.steerscope` by harness.html. The CLI, the benchmark and the
 * browser tests drive the engine through it; every argument and result is plain JSON.
 */
import { createGpuContext, type GpuContext } from '../gpu/device.ts';
import { cpuForward } from '../model/cpu-forward.ts';
import { cpuWeightsFromFiles } from '../model/cpu-weights-from-files.ts';
import { generate, type GenerateResult } from '../model/generate.ts';
import { loadModel, type LoadedModel } from '../model/load-model.ts';
import { resolveModelSource } from '../model/resolve-source.ts';
import type { SamplingOptions } from '../model/sampler.ts';

export interface GenerateRequest extends SamplingOptions {
  prompt?: string;
  promptIds?: number[];
  chat?: boolean;
  maxNewTokens: number;
  ignoreEos?: boolean;
  stopStrings?: string[];
}

let ctx: GpuContext | null = null;
let loaded: LoadedModel | null = null;
let loadedRef = '';

async function gpu(): Promise<GpuContext> {
  ctx ??= await createGpuContext();
  return ctx;
}

function current(): LoadedModel {
  if (!loaded) throw new Error('no model is loaded');
  return loaded;
}

export const api = {
  async adapter() {
    const c = await gpu();
    return { ...c.adapterInfo, hasF16: c.hasF16, limits: c.limits, userAgent: navigator.userAgent };
  },

  async load(ref: string, opts: { maxContext?: number } = {}) {
    const t0 = performance.now();
    loaded?.model.destroy();
    loaded = null;
    loaded = await loadModel(resolveModelSource(ref), await gpu(), { maxContext: opts.maxContext });
    loadedRef = ref;
    return { model: ref, spec: loaded.spec, loadMs: performance.now() - t0, memory: loaded.model.memory, weightDType: loaded.model.weights.dtype };
  },

  encode(text: string, chat = false): number[] {
    const m = current();
    return chat ? m.tokenizer.encodeChat([{ role: 'user', content: text }]) : m.tokenizer.encode(text);
  },

  decode(ids: number[]): string {
    return current().tokenizer.decode(ids);
  },

  async generate(req: GenerateRequest): Promise<GenerateResult & { model: string }> {
    const m = current();
    const ids = req.promptIds ?? (req.prompt !== undefined ? api.encode(req.prompt, req.chat) : null);
    if (!ids) throw new Error('give a prompt or prompt token ids');
    const r = await generate(m, ids, req);
    return { model: loadedRef, ...r };
  },

  /** Logits of every prompt position from the GPU engine. */
  async logits(ids: number[]): Promise<number[][]> {
    const r = await current().model.run(ids, 0, { logits: 'all' });
    return r.logits.map((l) => Array.from(l));
  },

  /** Logits of every position from the CPU reference on the same files. */
  async cpuLogits(ids: number[]): Promise<number[][]> {
    const m = current();
    const weights = await cpuWeightsFromFiles(resolveModelSource(loadedRef));
    return cpuForward(m.spec, weights, ids, { logits: 'all' }).logits.map((l) => Array.from(l));
  },
};

export type SteerscopeApi = typeof api;
