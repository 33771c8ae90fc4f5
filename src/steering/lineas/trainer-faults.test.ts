// Training faults: a non-finite loss, gradient or parameter stops LinEAS with the maps of the last good step.
import { describe, expect, it } from 'vitest';
import type { HookName } from '../../model/spec.ts';
import type { GradientFn, GradMaps, ParamMaps } from './params.ts';
import { trainLineas } from './trainer.ts';

const HOOK: HookName = '0.mlp';
const D = 3;

/** Loss ½‖b − 1‖² (gradient b − 1, w untouched); `poison(step)` returns a value to spoil that step with, or null. */
function quadratic(poison: (step: number) => { loss?: number; grad?: number } | null): GradientFn {
  let step = 0;
  return async (params: ParamMaps) => {
    step++;
    const p = params.get(HOOK)!;
    const gb = Float64Array.from(p.b, (b) => b - 1);
    let loss = gb.reduce((a, g) => a + 0.5 * g * g, 0);
    const bad = poison(step);
    if (bad?.loss !== undefined) loss = bad.loss;
    if (bad?.grad !== undefined) gb[1] = bad.grad;
    const grads: GradMaps = new Map([[HOOK, { w: new Float64Array(D), b: gb }]]);
    return { loss, grads, perHook: new Map([[HOOK, loss]]), controlLoss: 0 };
  };
}

const run = (gradientFn: GradientFn, steps = 6) => trainLineas({ hooks: [HOOK], hiddenSize: D, numSource: 4, gradientFn, steps, lr: 0.1 });

describe('trainLineas faults', () => {
  it('a NaN loss at step 4 stops with the maps after step 3 (equal to training 3 steps of the same schedule)', async () => {
    const faulty = await run(quadratic((s) => (s === 4 ? { loss: NaN } : null)));
    expect(faulty.stepsDone).toBe(3);
    expect(faulty.aborted).toBe(true);
    expect(faulty.fault).toBe('the loss became NaN at step 4');
    // The same first three updates: replay them with a run that is stopped (signal) before step 4.
    const ac = new AbortController();
    const clean = await trainLineas({ hooks: [HOOK], hiddenSize: D, numSource: 4, steps: 6, lr: 0.1, gradientFn: quadratic(() => null), onProgress: (p) => p.step === 3 && ac.abort(), signal: ac.signal });
    expect(clean.stepsDone).toBe(3);
    expect(Array.from(faulty.params.get(HOOK)!.b)).toEqual(Array.from(clean.params.get(HOOK)!.b));
    expect(Array.from(faulty.params.get(HOOK)!.b).every(Number.isFinite)).toBe(true);
  });

  it('an infinite gradient is named with its hook and place', async () => {
    const r = await run(quadratic((s) => (s === 2 ? { grad: Infinity } : null)));
    expect(r.stepsDone).toBe(1);
    expect(r.fault).toBe('a gradient of 0.mlp (b[1]) became Infinity at step 2');
  });

  it('a parameter overflowing to infinity is undone, and a fault at the first step is an error', async () => {
    const huge = await run(quadratic((s) => (s === 3 ? { grad: 1e308 } : null)));
    // Adam normalises the step, so a huge but finite gradient moves b by ~lr: still finite, training goes on.
    expect(huge.fault).toBeUndefined();
    await expect(run(quadratic(() => ({ loss: Infinity })))).rejects.toThrow('LinEAS: the loss became Infinity at step 1, so nothing was trained');
  });
});
