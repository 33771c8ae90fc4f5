// The CPU (float64) gradient function for the LinEAS trainer: forward each prompt with a tape, the sorted-W2 loss on
// the pooled hooks, backward into the maps. Slow but exact; the reference the GPU gradient is checked against.
import type { CpuWeights } from '../../model/cpu/weights.ts';
import { hookOrder, type HookName, type ModelSpec } from '../../model/spec.ts';
import type { PooledRows } from '../matrix-rows.ts';
import { CpuLineasModel, type PromptTape } from './cpu-backward.ts';
import { averageSortedW2, w2Targets, type W2Target } from './loss.ts';
import { zeroGrads, type LineasPrompts, type GradMaps, type GradientFn, type GradientResult, type ParamMaps, type TrainBatch } from './params.ts';

export interface CpuLineasSetup extends LineasPrompts {
  spec: ModelSpec;
  weights: CpuWeights;
  /** Reuse an already prepared model. */
  model?: CpuLineasModel;
}

/** Pools `hooks` of each prompt with `maps` active (value after each hook's own map), one row per prompt. */
export function cpuPooled(
  model: CpuLineasModel,
  prompts: readonly (readonly number[])[],
  hooks: readonly HookName[],
  maps: ParamMaps = new Map(),
): Map<HookName, Float64Array[]> {
  const out = new Map<HookName, Float64Array[]>(hooks.map((h) => [h, []]));
  for (const ids of prompts) {
    const tape = model.forward(ids, maps, hooks);
    for (const h of hooks) out.get(h)!.push(tape.pooled.get(h)!);
  }
  return out;
}

/** Forward, loss and backward of one prompt group; adds into grads. */
function lossAndBackward(
  model: CpuLineasModel,
  prompts: readonly (readonly number[])[],
  maps: ParamMaps,
  hooks: readonly HookName[],
  targets: Map<HookName, W2Target>,
  weight: number,
  grads: GradMaps,
): { loss: number; perHook: Map<HookName, number> } {
  const tapes: PromptTape[] = prompts.map((ids) => model.forward(ids, maps, hooks));
  const pooled = new Map<HookName, Float64Array[]>(hooks.map((h) => [h, tapes.map((t) => t.pooled.get(h)!)]));
  const { loss, perHook, grads: dPooled } = averageSortedW2(pooled, targets, weight);
  tapes.forEach((tape, i) => {
    model.backward(tape, new Map(hooks.map((h) => [h, dPooled.get(h)![i]])), grads);
  });
  return { loss, perHook };
}

/** A GradientFn over prompt indices of `setup.source` (and `setup.control`), computed on the CPU in float64. */
export function makeCpuGradientFn(setup: CpuLineasSetup): GradientFn {
  const model = setup.model ?? new CpuLineasModel(setup.spec, setup.weights);
  const lossHooks = [...new Set(setup.lossHooks)].sort((a, b) => hookOrder(a) - hookOrder(b));
  if (lossHooks.length === 0) throw new Error('LinEAS: no loss hooks');
  const targetRows = setup.target instanceof Map ? setup.target : cpuPooled(model, setup.target, lossHooks);
  const targets = w2Targets(targetRows, lossHooks);
  const control = setup.control ?? [];
  const controlWeight = setup.controlWeight ?? 1;
  const controlTargets = control.length > 0 ? w2Targets(cpuPooled(model, control, lossHooks), lossHooks) : null;

  return (maps: ParamMaps, batch: TrainBatch): GradientResult => {
    if (batch.source.length === 0) throw new Error('LinEAS: empty source batch');
    const pick = (set: readonly (readonly number[])[], idx: readonly number[], label: string) =>
      idx.map((i) => {
        const p = set[i];
        if (!p) throw new Error(`LinEAS: ${label} prompt index ${i} is out of range`);
        return p;
      });
    const grads = zeroGrads(maps);
    const src = lossAndBackward(model, pick(setup.source, batch.source, 'source'), maps, lossHooks, targets, 1, grads);
    let ctl = 0;
    if (controlTargets && batch.control.length > 0) {
      ctl = lossAndBackward(model, pick(control, batch.control, 'control'), maps, lossHooks, controlTargets, controlWeight, grads).loss;
    }
    return { loss: src.loss + ctl, perHook: src.perHook, controlLoss: ctl, grads };
  };
}
