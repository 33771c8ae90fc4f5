/**
 * The engine's scriptable surface, exposed on `window.steerscope` by harness.html. The CLI, the benchmark and the
 * browser tests drive the engine through it; every argument and result is plain JSON. The calls go to the same
 * EngineSession the worker runs (session.ts).
 */
import type { SamplingOptions } from '../core/sampler.ts';
import type { HubSettings } from '../model/formats/hub.ts';
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
  keepPromptEnd?: boolean;
}

export const api = {
  async adapter() {
    const c = await gpu();
    return { ...c.adapterInfo, hasF16: c.hasF16, limits: c.limits, userAgent: navigator.userAgent };
  },

  async load(ref: string, opts: { maxContext?: number; allowMissingTokenizer?: boolean; hub?: HubSettings } = {}) {
    const { hub, ...loadOpts } = opts;
    const info = await engine.load({ kind: 'ref', ref, hub }, loadOpts);
    const m = current().model;
    return { model: ref, spec: current().spec, loadMs: info.loadMs, memory: m.memory, weightDType: m.weights.dtype, maxContext: m.maxContext };
  },

  /** What the loaded model holds on the GPU now (every buffer it made, by kind; steering's once a steered run built it). */
  memory() {
    return current().model.memory;
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
    const { prompt, promptIds, chat, system, maxNewTokens, ignoreEos, stopStrings, keepPromptEnd, ...sampling } = req;
    const r = await engine.generate({ prompt, promptIds, chat: Boolean(chat), system, maxNewTokens, ignoreEos, stopStrings, keepPromptEnd, sampling });
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
    return cpuForward(m.spec, weights, ids, { logits: 'all', steering }).logits.map((l) => Array.from(l));
  },

  /**
   * The CPU reference's gate values with the active interventions: per position, one per gated map in the GPU's column
   * order (forward order, then intervention order), with each column's hook and intervention index.
   */
  async cpuGates(ids: number[]): Promise<{ hooks: string[]; interventions: number[]; values: number[][] }> {
    const m = current();
    const weights = await engine.cpuWeights();
    const slots = cpuForward(m.spec, weights, ids, { logits: 'none', steering: activeSteering() }).gateSlots;
    return { hooks: slots.map((g) => g.hook), interventions: slots.map((g) => g.intervention), values: ids.map((_, t) => slots.map((g) => g.values[t])) };
  },
};
