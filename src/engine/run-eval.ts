/**
 * One evaluation call: checks the parameters against the engine's state, runs the λ sweep (src/eval/sweep.ts) and
 * says what was evaluated. Shared by the engine worker and the harness page (the CLI and the browser tests), so both
 * run the same code; each restores its own steering settings afterwards.
 */
import { checkEvalParams, EvalParamsError } from '../eval/eval-params.ts';
import { runSweep } from '../eval/sweep.ts';
import { scorerOf } from '../eval/scorers/registry.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { HookName } from '../model/spec.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { Intervention } from '../steering/intervention.ts';
import type { EvalDone, EvalParams, EvalProgressEvent } from './protocol.ts';

export interface EvaluationOptions {
  signal?: AbortSignal;
  onProgress?: (p: EvalProgressEvent) => void;
  /** Wraps a parameter problem (plain words naming the field) in the caller's error type. */
  inputError?: (message: string) => Error;
}

/** Sweeps `maps` (the intervention's steered hooks) on `m`. */
export async function runEvaluation(m: LoadedModel, iv: Intervention, maps: Map<HookName, HookMap>, p: EvalParams, o: EvaluationOptions = {}): Promise<EvalDone> {
  const t0 = performance.now();
  const hasGates = [...maps.values()].some((map) => map.gate !== undefined);
  try {
    if (typeof p !== 'object' || p === null) throw new EvalParamsError('params', 'params are missing.');
    checkEvalParams(p, { hasGates, hasChatTemplate: m.tokenizer.hasChatTemplate });
    const r = await runSweep(m, p, { maps, signal: o.signal, onProgress: o.onProgress });
    const { id, label, units } = scorerOf(p);
    return {
      intervention: { modelId: iv.modelId, method: iv.method, hooks: [...maps.keys()], hasGates },
      scorer: { id, label, units },
      points: r.points,
      aborted: r.aborted,
      ...(r.failure !== undefined ? { failure: r.failure } : {}),
      evalMs: performance.now() - t0,
    };
  } catch (e) {
    if (e instanceof EvalParamsError && o.inputError) throw o.inputError(e.message);
    throw e;
  }
}
