/**
 * The engine's scriptable surface, exposed on `window.steerscope` by harness.html. The CLI, the benchmark and the
 * browser tests drive the engine through it; every argument and result is plain JSON. The calls go to the same
 * EngineSession the worker runs (session.ts).
 */
import type { SamplingOptions } from '../core/sampler.ts';
import { cpuForward } from '../model/cpu/forward.ts';
import { activeSteering, applySteering, current, engine, gpu } from './session.ts';

export interface GenerateRequest extends SamplingOptions {
  prompt?: string;
  promptIds?: number[];
  chat?: boolean;
  /** Chat only: a system message. */
  system?: string;
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
    const info = await engine.load({ kind: 'ref', ref }, opts);
    const m = current().model;
    return { model: ref, spec: current().spec, loadMs: info.loadMs, memory: m.memory, weightDType: m.weights.dtype, maxContext: m.maxContext };
  },

  encode(text: string, chat = false): number[] {
    return engine.encode(text, chat);
  },

  decode(ids: number[]): string {
    return current().tokenizer.decode(ids);
  },

  /** Generates with the active intervention (if any) at the session's strength. */
  async generate(req: GenerateRequest) {
    if (!req.promptIds && req.prompt === undefined) throw new Error('give a prompt or prompt token ids');
    const { prompt, promptIds, chat, system, maxNewTokens, ignoreEos, stopStrings, ...sampling } = req;
    const r = await engine.generate({ prompt, promptIds, chat: Boolean(chat), system, maxNewTokens, ignoreEos, stopStrings, sampling });
    return { model: engine.modelRef, ...r };
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
    const weights = await engine.cpuWeights();
    const steering = activeSteering();
    return cpuForward(m.spec, weights, ids, { logits: 'all', steering: steering ?? undefined }).logits.map((l) => Array.from(l));
  },
};
