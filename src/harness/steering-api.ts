/** Harness functions for steering: fit, set/get the active intervention, pooled activations, strengths. */
import type { HookMap } from '../core/steer-map.ts';
import type { EncodedIntervention as FileIntervention, SteeringState } from '../engine/protocol.ts';
import type { HookName } from '../model/spec.ts';
import { collectPooled } from '../steering/collect-activations.ts';
import type { FitMode } from '../steering/fit-incremental.ts';
import { parseHookSelection } from '../steering/hook-selection.ts';
import { encodeIntervention } from '../steering/intervention-file.ts';
import type { TrainerChoice } from '../steering/lineas/choose-trainer.ts';
import type { ClosedFormMethodId } from '../steering/methods/registry.ts';
import { activeSteering, base64ToBytes, bytesToBase64, current, engine } from './session.ts';

/** An intervention as it crosses the page boundary: the manifest text and the safetensors bytes in base64. */
export interface EncodedIntervention {
  manifest: string;
  tensorsBase64: string;
}

function toBase64(enc: FileIntervention): EncodedIntervention {
  return { manifest: enc.manifest, tensorsBase64: bytesToBase64(new Uint8Array(enc.tensors)) };
}

function fromBase64(enc: EncodedIntervention): FileIntervention {
  const bytes = base64ToBytes(enc.tensorsBase64);
  return { manifest: enc.manifest, tensors: bytes.buffer as ArrayBuffer };
}

function activeList(state: SteeringState) {
  return { interventions: state.interventions.map((a) => ({ modelId: a.modelId, hooks: a.activeHooks, strength: a.strength, useGate: a.useGate })), gatedHooks: state.gatedHooks, gateInterventions: state.gateInterventions };
}

export const steeringApi = {
  hooks(selection?: string): HookName[] {
    return parseHookSelection(selection, current().spec.numLayers);
  },

  /** Fits Mean-AcT / Linear-AcT (± DSAS) on the loaded model; the result becomes the active intervention. */
  async fit(req: { dataset: string; datasetName?: string; method: ClosedFormMethodId; hooks?: string; dsas?: boolean; mode?: FitMode; sourceRange?: boolean }) {
    const r = await engine.fit({
      dataset: { text: req.dataset, fileName: req.datasetName ?? 'dataset.json' },
      method: req.method,
      hooks: req.hooks ?? 'all',
      dsas: Boolean(req.dsas),
      mode: req.mode,
      sourceRange: req.sourceRange,
    });
    return { intervention: toBase64(r.intervention), fitMs: r.fitMs, hooks: r.hooks, metrics: r.metrics };
  },

  /**
   * Trains LinEAS (± E2E-DSAS) on the loaded model; the result becomes active. trainer 'gpu': float32 gradients on
   * the GPU from the loaded GPU weights; 'cpu': the float64 CPU trainer on the model files' weights; 'auto' (default):
   * see chooseTrainer.
   */
  async fitLineas(req: { dataset: string; datasetName?: string; hooks?: string; steps?: number; lr?: number; batch?: number; l1?: number; group?: number; seed?: number; dsas?: 'e2e'; trainer?: TrainerChoice }) {
    const r = await engine.train({
      dataset: { text: req.dataset, fileName: req.datasetName ?? 'dataset.json' },
      hooks: req.hooks ?? 'all',
      steps: req.steps,
      lr: req.lr,
      batch: req.batch,
      l1: req.l1,
      group: req.group,
      seed: req.seed,
      dsas: req.dsas === 'e2e',
      trainer: req.trainer,
    });
    return { intervention: toBase64(r.intervention), fitMs: r.fitMs, hooks: r.hooks, metrics: r.metrics, trainer: r.trainer };
  },

  /** Sets the active intervention (null clears it), its strength λ and whether DSAS gates are used. */
  async setIntervention(enc: EncodedIntervention | null, opts: { strength?: number; useGate?: boolean; checkModel?: boolean } = {}) {
    const state = await engine.setIntervention(enc ? fromBase64(enc) : null, {
      strength: opts.strength,
      useGate: opts.useGate ?? true,
      modelId: opts.checkModel === false ? undefined : engine.modelRef,
    });
    return { hooks: state.intervention?.hooks ?? [], strength: state.strength, useGate: state.useGate };
  },

  /**
   * Adds an intervention after the active ones (applied in that order: at a shared hook z ← steer_B(steer_A(z)), each
   * with its own λ and gate). Returns every active intervention's hooks, λ and gate switch.
   */
  async addIntervention(enc: EncodedIntervention, opts: { strength?: number; useGate?: boolean; checkModel?: boolean } = {}) {
    const state = await engine.setIntervention(fromBase64(enc), {
      add: true,
      strength: opts.strength,
      useGate: opts.useGate ?? true,
      modelId: opts.checkModel === false ? undefined : engine.modelRef,
    });
    return activeList(state);
  },

  async removeIntervention(index: number) {
    return activeList(await engine.removeIntervention(index));
  },

  /** λ of one active intervention (index in the order they are applied; default the first). */
  async setStrength(strength: number, index = 0) {
    return activeList(await engine.setStrength(strength, index));
  },

  getIntervention(): EncodedIntervention | null {
    const iv = engine.intervention;
    if (!iv) return null;
    const { manifest, tensors } = encodeIntervention(iv);
    return { manifest, tensorsBase64: bytesToBase64(tensors) };
  },

  /**
   * Pooled activations (mean over tokens) per hook for a prompt list, arriving at each hook before its own map.
   * With `steered`, the active intervention's maps run at λ = 1 without gates (the fitting objective's view).
   */
  async pooled(req: { prompts: string[]; hooks: string; steered?: boolean }): Promise<Record<string, number[][]>> {
    const m = current();
    const hooks = parseHookSelection(req.hooks, m.spec.numLayers);
    const iv = engine.intervention;
    const maps = req.steered && iv ? iv.hooks : new Map<HookName, HookMap>();
    const r = await collectPooled(m.model, m.tokenizer, req.prompts, hooks, maps, activeSteering());
    return Object.fromEntries([...r].map(([h, rows]) => [h, rows.map((row) => Array.from(row))]));
  },
};
