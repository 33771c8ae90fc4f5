/** Harness functions for steering: fit, set/get the active intervention, pooled activations, strengths. */
import type { HookName } from '../model/spec.ts';
import { collectPooled } from '../steering/collect-activations.ts';
import { parseDataset } from '../steering/dataset.ts';
import { fitClosedForm, type ClosedFormMethod } from '../steering/fit-intervention.ts';
import { fitLineas } from '../steering/fit-lineas.ts';
import { chooseTrainer, type TrainerChoice } from '../steering/lineas/choose-trainer.ts';
import { prefersBarrierFree } from '../kernels/matmul.ts';
import { cpuWeightsFromFiles } from '../model/cpu/weights-from-files.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import { parseHookSelection } from '../steering/hook-selection.ts';
import { decodeIntervention, encodeIntervention } from '../steering/intervention-file.ts';
import type { HookMap } from '../core/steer-map.ts';
import { activeSteering, base64ToBytes, bytesToBase64, current, gpu, session } from './session.ts';

/** An intervention as it crosses the page boundary: the manifest text and the safetensors bytes in base64. */
export interface EncodedIntervention {
  manifest: string;
  tensorsBase64: string;
}

function encodeActive(): EncodedIntervention | null {
  if (!session.intervention) return null;
  const { manifest, tensors } = encodeIntervention(session.intervention);
  return { manifest, tensorsBase64: bytesToBase64(tensors) };
}

export const steeringApi = {
  hooks(selection?: string): HookName[] {
    return parseHookSelection(selection, current().spec.numLayers);
  },

  /** Fits Mean-AcT / Linear-AcT (± DSAS) on the loaded model; the result becomes the active intervention. */
  async fit(req: { dataset: string; datasetName?: string; method: ClosedFormMethod; hooks?: string; dsas?: boolean; mode?: 'incremental' | 'independent'; sourceRange?: boolean }) {
    const m = current();
    const dataset = parseDataset(req.dataset, req.datasetName ?? 'dataset.json');
    const hooks = parseHookSelection(req.hooks, m.spec.numLayers);
    const t0 = performance.now();
    const iv = await fitClosedForm(session.ref, m.model, m.tokenizer, dataset, { method: req.method, hooks, dsas: Boolean(req.dsas), mode: req.mode, sourceRange: req.sourceRange }, activeSteering());
    session.intervention = iv;
    session.strength = 1;
    return { intervention: encodeActive()!, fitMs: performance.now() - t0, hooks, metrics: iv.metrics ?? {} };
  },

  /**
   * Trains LinEAS (± E2E-DSAS) on the loaded model; the result becomes active. trainer 'gpu': float32 gradients on
   * the GPU from the loaded GPU weights; 'cpu': the float64 CPU trainer on the model files' weights; 'auto' (default):
   * see chooseTrainer.
   */
  async fitLineas(req: { dataset: string; datasetName?: string; hooks?: string; steps?: number; lr?: number; batch?: number; l1?: number; group?: number; seed?: number; dsas?: 'e2e'; trainer?: TrainerChoice }) {
    const m = current();
    const dataset = parseDataset(req.dataset, req.datasetName ?? 'dataset.json');
    const hooks = parseHookSelection(req.hooks, m.spec.numLayers);
    const ctx = await gpu();
    const trainer = chooseTrainer(req.trainer ?? 'auto', { softwareAdapter: prefersBarrierFree(ctx.adapterInfo), weightBytes: m.model.memory.weightBytes });
    const t0 = performance.now();
    const { trainer: _t, ...rest } = req;
    const iv =
      trainer === 'gpu'
        ? await fitLineas(session.ref, m.spec, null, m.tokenizer, dataset, { ...rest, hooks }, { device: ctx.device, weights: m.model.weights })
        : await fitLineas(session.ref, m.spec, await cpuWeightsFromFiles(resolveModelSource(session.ref)), m.tokenizer, dataset, { ...rest, hooks });
    session.intervention = iv;
    session.strength = 1;
    m.model.setSteering(activeSteering());
    return { intervention: encodeActive()!, fitMs: performance.now() - t0, hooks, metrics: iv.metrics ?? {}, trainer };
  },

  /** Sets the active intervention (null clears it), its strength λ and whether DSAS gates are used. */
  setIntervention(enc: EncodedIntervention | null, opts: { strength?: number; useGate?: boolean; checkModel?: boolean } = {}) {
    const m = current();
    if (enc) {
      session.intervention = decodeIntervention(enc.manifest, base64ToBytes(enc.tensorsBase64), {
        modelId: opts.checkModel === false ? undefined : session.ref,
        hiddenSize: m.spec.hiddenSize,
        numLayers: m.spec.numLayers,
      });
    } else {
      session.intervention = null;
    }
    if (opts.strength !== undefined) {
      if (!Number.isFinite(opts.strength)) throw new Error(`strength must be a number, got ${opts.strength}`);
      session.strength = opts.strength;
    } else if (session.intervention) {
      session.strength = session.intervention.strength;
    }
    session.useGate = opts.useGate ?? true;
    m.model.setSteering(activeSteering());
    return { hooks: [...(session.intervention?.hooks.keys() ?? [])], strength: session.strength, useGate: session.useGate };
  },

  getIntervention(): EncodedIntervention | null {
    return encodeActive();
  },

  /**
   * Pooled activations (mean over tokens) per hook for a prompt list, arriving at each hook before its own map.
   * With `steered`, the active intervention's maps run at λ = 1 without gates (the fitting objective's view).
   */
  async pooled(req: { prompts: string[]; hooks: string; steered?: boolean }): Promise<Record<string, number[][]>> {
    const m = current();
    const hooks = parseHookSelection(req.hooks, m.spec.numLayers);
    const maps = req.steered && session.intervention ? session.intervention.hooks : new Map<HookName, HookMap>();
    const r = await collectPooled(m.model, m.tokenizer, req.prompts, hooks, maps, activeSteering());
    return Object.fromEntries([...r].map(([h, rows]) => [h, rows.map((row) => Array.from(row))]));
  },
};
