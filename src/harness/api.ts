/**
 * The engine's scriptable surface, exposed on `window.steerscope` by harness.html. The CLI, the benchmark and the
 * browser tests drive the engine through it; every argument and result is plain JSON.
 */
import { cpuForward } from '../model/cpu/forward.ts';
import { cpuWeightsFromFiles } from '../model/cpu/weights-from-files.ts';
import { generate, type GenerateResult } from '../model/generate.ts';
import { loadModel } from '../model/load-model.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import type { SamplingOptions } from '../core/sampler.ts';
import { activeSteering, applySteering, current, gpu, session } from './session.ts';

export interface GenerateRequest extends SamplingOptions {
  prompt?: string;
  promptIds?: number[];
  chat?: boolean;
  maxNewTokens: number;
  ignoreEos?: boolean;
  stopStrings?: string[];
}

export const api = {
  async adapter() {
    const c = await gpu();
    return { ...c.adapterInfo, hasF16: c.hasF16, limits: c.limits, userAgent: navigator.userAgent };
  },

  async load(ref: string, opts: { maxContext?: number; allowMissingTokenizer?: boolean } = {}) {
    const t0 = performance.now();
    session.loaded?.model.destroy();
    session.loaded = null;
    session.intervention = null;
    session.loaded = await loadModel(resolveModelSource(ref), await gpu(), { maxContext: opts.maxContext, allowMissingTokenizer: opts.allowMissingTokenizer });
    session.ref = ref;
    const m = session.loaded.model;
    return { model: ref, spec: session.loaded.spec, loadMs: performance.now() - t0, memory: m.memory, weightDType: m.weights.dtype, maxContext: m.maxContext };
  },

  encode(text: string, chat = false): number[] {
    const m = current();
    return chat ? m.tokenizer.encodeChat([{ role: 'user', content: text }]) : m.tokenizer.encode(text);
  },

  decode(ids: number[]): string {
    return current().tokenizer.decode(ids);
  },

  /** Generates with the active intervention (if any) at the session's strength. */
  async generate(req: GenerateRequest): Promise<GenerateResult & { model: string }> {
    const m = current();
    const ids = req.promptIds ?? (req.prompt !== undefined ? api.encode(req.prompt, req.chat) : null);
    if (!ids) throw new Error('give a prompt or prompt token ids');
    applySteering();
    const r = await generate(m, ids, req);
    return { model: session.ref, ...r };
  },

  /** Logits of every prompt position from the GPU engine (with the active intervention). */
  async logits(ids: number[]): Promise<number[][]> {
    applySteering();
    const r = await current().model.run(ids, 0, { logits: 'all' });
    return r.logits.map((l) => Array.from(l));
  },

  /** Logits of every position from the CPU reference on the same files (with the active intervention). */
  async cpuLogits(ids: number[]): Promise<number[][]> {
    const m = current();
    const weights = await cpuWeightsFromFiles(resolveModelSource(session.ref));
    const steering = activeSteering();
    return cpuForward(m.spec, weights, ids, { logits: 'all', steering: steering ?? undefined }).logits.map((l) => Array.from(l));
  },
};
