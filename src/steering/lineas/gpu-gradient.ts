// The GPU gradient function for the LinEAS trainer: one packed forward with a tape of the batch's source (and, for
// E2E-DSAS, control) prompts, the pooled hook rows read back, the sorted-W2 loss and its gradient on the CPU (loss.ts,
// float64, the same code as the CPU trainer), the pooled-row gradients uploaded and the backward run on the GPU.
// Same contract and semantics as makeCpuGradientFn (cpu-gradient.ts), in float32 on the GPU.
import { PipelineCache } from '../../gpu/pipelines.ts';
import type { GpuWeights } from '../../model/gpu/gpu-weights.ts';
import { hookOrder, type HookName, type ModelSpec } from '../../model/spec.ts';
import type { PooledRows } from '../matrix-rows.ts';
import { GpuLineasTape } from './gpu-tape.ts';
import { averageSortedW2, w2Targets, type W2Target } from './loss.ts';
import { zeroGrads, type LineasPrompts, type GradientFn, type GradientResult, type ParamMaps, type TrainBatch } from './params.ts';

export interface GpuLineasSetup extends LineasPrompts {
  device: GPUDevice;
  spec: ModelSpec;
  weights: GpuWeights;
  /** Shader cache to share (default: a new one). */
  cache?: PipelineCache;
  /** Prompts per GPU forward when pooling targets (default 16). */
  poolChunk?: number;
}

export interface GpuGradientFn extends GradientFn {
  /** Frees the tape's buffers. */
  dispose(): void;
  /** The tape (for timing and tests). */
  readonly tape: GpuLineasTape;
}

/** Pooled rows (float64) of `hooks` for `prompts`, unsteered, on the GPU; `chunk` prompts per forward. */
export async function gpuPooledUnsteered(tape: GpuLineasTape, prompts: readonly (readonly number[])[], hooks: readonly HookName[], chunk = 16): Promise<Map<HookName, Float64Array[]>> {
  tape.configure([], hooks);
  const out = new Map<HookName, Float64Array[]>(hooks.map((h) => [h, []]));
  const D = tape.spec.hiddenSize;
  for (let i = 0; i < prompts.length; i += chunk) {
    const part = prompts.slice(i, i + chunk);
    tape.setBatch(part);
    const pooled = await tape.forward();
    for (const h of hooks) {
      const rows = pooled.get(h)!;
      for (let b = 0; b < part.length; b++) out.get(h)!.push(Float64Array.from(rows.subarray(b * D, (b + 1) * D)));
    }
  }
  return out;
}

/** Pooled rows (float64) of `hooks` for `prompts` with `maps` active (λ = 1, gates included), on the GPU. */
export async function gpuPooled(tape: GpuLineasTape, prompts: readonly (readonly number[])[], hooks: readonly HookName[], maps: ParamMaps, chunk = 16): Promise<Map<HookName, Float64Array[]>> {
  if (maps.size === 0) return gpuPooledUnsteered(tape, prompts, hooks, chunk);
  tape.configure(maps, hooks);
  const out = new Map<HookName, Float64Array[]>(hooks.map((h) => [h, []]));
  const D = tape.spec.hiddenSize;
  for (let i = 0; i < prompts.length; i += chunk) {
    const part = prompts.slice(i, i + chunk);
    tape.setBatch(part);
    tape.setMaps(maps);
    const pooled = await tape.forward();
    for (const h of hooks) out.get(h)!.push(...rowsOf(pooled.get(h)!, 0, part.length, D));
  }
  return out;
}

/** Rows b0..b0+n of a pooled block (prompts × D) as float64 rows. */
function rowsOf(block: Float32Array, b0: number, n: number, D: number): Float64Array[] {
  return Array.from({ length: n }, (_, i) => Float64Array.from(block.subarray((b0 + i) * D, (b0 + i + 1) * D)));
}

/** A GradientFn over prompt indices of `setup.source` (and `setup.control`), computed on the GPU (float32). */
export async function makeGpuGradientFn(setup: GpuLineasSetup): Promise<GpuGradientFn> {
  const cache = setup.cache ?? new PipelineCache(setup.device);
  const tape = new GpuLineasTape(setup.device, cache, setup.spec, setup.weights);
  const D = setup.spec.hiddenSize;
  const lossHooks = [...new Set(setup.lossHooks)].sort((a, b) => hookOrder(a) - hookOrder(b));
  if (lossHooks.length === 0) throw new Error('LinEAS: no loss hooks');
  const chunk = setup.poolChunk ?? 16;
  const targetRows = setup.target instanceof Map ? setup.target : await gpuPooledUnsteered(tape, setup.target, lossHooks, chunk);
  const targets = w2Targets(targetRows, lossHooks);
  const control = setup.control ?? [];
  const controlWeight = setup.controlWeight ?? 1;
  const controlTargets: Map<HookName, W2Target> | null = control.length > 0 ? w2Targets(await gpuPooledUnsteered(tape, control, lossHooks, chunk), lossHooks) : null;

  const fn = async (maps: ParamMaps, batch: TrainBatch): Promise<GradientResult> => {
    if (batch.source.length === 0) throw new Error('LinEAS: empty source batch');
    const pick = (set: readonly (readonly number[])[], idx: readonly number[], label: string) =>
      idx.map((i) => {
        const p = set[i];
        if (!p) throw new Error(`LinEAS: ${label} prompt index ${i} is out of range`);
        return p;
      });
    const src = pick(setup.source, batch.source, 'source');
    const ctl = controlTargets && batch.control.length > 0 ? pick(control, batch.control, 'control') : [];
    if (maps.size === 0) {
      // Nothing to train: the loss of the unsteered source, zero gradients.
      tape.configure([], lossHooks);
    } else {
      tape.configure(maps, lossHooks);
    }
    tape.setBatch([...src, ...ctl]);
    if (maps.size > 0) tape.setMaps(maps);
    const pooled = await tape.forward();
    const S = src.length;
    const C = ctl.length;
    const srcRows = new Map<HookName, Float64Array[]>(lossHooks.map((h) => [h, rowsOf(pooled.get(h)!, 0, S, D)]));
    const main = averageSortedW2(srcRows, targets, 1);
    let ctlLoss = 0;
    const dPooled = new Map<HookName, Float32Array>(lossHooks.map((h) => [h, new Float32Array((S + C) * D)]));
    for (const h of lossHooks) main.grads.get(h)!.forEach((row, b) => dPooled.get(h)!.set(row, b * D));
    if (C > 0) {
      const ctlRows = new Map<HookName, Float64Array[]>(lossHooks.map((h) => [h, rowsOf(pooled.get(h)!, S, C, D)]));
      const c = averageSortedW2(ctlRows, controlTargets!, controlWeight);
      ctlLoss = c.loss;
      for (const h of lossHooks) c.grads.get(h)!.forEach((row, b) => dPooled.get(h)!.set(row, (S + b) * D));
    }
    const grads = zeroGrads(maps);
    if (maps.size > 0) {
      const g = await tape.backward(dPooled);
      for (const [h, v] of g) grads.set(h, v);
    }
    return { loss: main.loss + ctlLoss, perHook: main.perHook, controlLoss: ctlLoss, grads };
  };
  return Object.assign(fn, { dispose: () => tape.destroy(), tape });
}
