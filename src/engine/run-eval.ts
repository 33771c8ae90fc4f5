/**
 * One evaluation call: checks the parameters against the engine's state, runs the λ sweep (src/eval/sweep.ts) and
 * says what was evaluated. Shared by the engine worker and the harness page (the CLI and the browser tests), so both
 * run the same code; each restores its own steering settings afterwards.
 */
import { checkEvalParams, EvalParamsError } from '../eval/eval-params.ts';
import { runSweep } from '../eval/sweep.ts';
import { scorerOf } from '../eval/scorers/registry.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { SteeringConfig } from '../model/gpu/gpu-model.ts';
import type { Intervention } from '../steering/intervention.ts';
import type { EvalDone, EvalParams, EvalProgressEvent, HeldIntervention } from './protocol.ts';

export interface EvaluationOptions {
  signal?: AbortSignal;
  onProgress?: (p: EvalProgressEvent) => void;
  /** Wraps a parameter problem (plain words naming the field) in the caller's error type. */
  inputError?: (message: string) => Error;
}

/** One active intervention as the engine applies it now (config: its steered hooks, λ and gate switch). */
export interface EvalSteering {
  iv: Intervention;
  config: SteeringConfig;
}

/**
 * Sweeps λ of `active[swept]` on `m` (its steered hooks; the gate setting from the params) while every other entry of
 * `active` stays applied as it is, in that order.
 */
export async function runEvaluation(m: LoadedModel, active: EvalSteering[], swept: number, p: EvalParams, o: EvaluationOptions = {}): Promise<EvalDone> {
  const t0 = performance.now();
  const { iv, config } = active[swept];
  const maps = config.maps;
  const hasGates = [...maps.values()].some((map) => map.gate !== undefined);
  try {
    if (typeof p !== 'object' || p === null) throw new EvalParamsError('params', 'params are missing.');
    checkEvalParams(p, { hasGates, hasChatTemplate: m.tokenizer.hasChatTemplate });
    const r = await runSweep(m, p, { steering: active.map((a) => a.config), swept, signal: o.signal, onProgress: o.onProgress });
    const { id, label, units } = scorerOf(p);
    const held: HeldIntervention[] = active.flatMap((a, index) =>
      index === swept ? [] : [{ index, modelId: a.iv.modelId, method: a.iv.method, hooks: [...a.config.maps.keys()], strength: a.config.lambda, useGate: a.config.useGate }],
    );
    return {
      intervention: { modelId: iv.modelId, method: iv.method, hooks: [...maps.keys()], hasGates, index: swept },
      held,
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
