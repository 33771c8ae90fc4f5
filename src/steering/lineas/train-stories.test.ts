// Short LinEAS training runs on stories260K with sad → happy prompts: the loss falls; sparsity switches hooks off and
// the reported support matches the maps.
import { beforeAll, describe, expect, it } from 'vitest';
import type { HookName, ModelSpec } from '../../model/spec.ts';
import type { CpuWeights } from '../../model/cpu/weights.ts';
import { CpuLineasModel } from './cpu-backward.ts';
import { makeCpuGradientFn } from './cpu-gradient.ts';
import { countSupport, type GradientFn } from './params.ts';
import { trainLineas, type TrainLineasResult } from './trainer.ts';
import { allAttnMlpHooks, loadStories, sadToHappy, storiesEncoder } from './testing.node.ts';

const N = 8;
const ALL = Array.from({ length: N }, (_, i) => i);
let spec: ModelSpec;
let weights: CpuWeights;
let hooks: HookName[];
let gradientFn: GradientFn;

beforeAll(async () => {
  ({ spec, weights } = await loadStories());
  const encode = await storiesEncoder();
  const ds = await sadToHappy();
  hooks = allAttnMlpHooks(spec.numLayers);
  gradientFn = makeCpuGradientFn({
    spec,
    weights,
    model: new CpuLineasModel(spec, weights),
    source: ds.source.slice(0, N).map(encode),
    target: ds.target.slice(0, N).map(encode),
    lossHooks: hooks,
  });
});

const run = (extra: { groupLambda?: number; l1?: number }): Promise<TrainLineasResult> =>
  trainLineas({ hooks, hiddenSize: spec.hiddenSize, numSource: N, gradientFn, steps: 30, lr: 1e-2, seed: 1, ...extra });

function expectSupportMatchesMaps(r: TrainLineasResult): void {
  const s = countSupport(r.maps);
  expect([s.activeHooks, s.activeNeurons]).toEqual([r.activeHooks, r.activeNeurons]);
  expect(s.perHook).toEqual(r.perHookSupport);
  const last = r.curve[r.curve.length - 1];
  expect([last.activeHooks, last.activeNeurons]).toEqual([r.activeHooks, r.activeNeurons]);
  for (const [h, n] of r.perHookSupport) {
    if (n > 0) continue;
    const m = r.maps.get(h)!;
    expect(m.w.every((v) => v === 1) && m.b.every((v) => v === 0), `${h} is off, so exactly the identity`).toBe(true);
  }
}

describe('LinEAS training on stories260K (sad → happy, 8 prompts, all attn+mlp hooks, 30 steps at lr 1e-2)', () => {
  it('lowers the loss, every hook and neuron active without a penalty', async () => {
    const r = await run({});
    const initial = r.curve[0].loss;
    const final = (await gradientFn(r.params, { source: ALL, control: [] })).loss;
    expect(final).toBeLessThan(initial / 2);
    expect(r.curve[r.curve.length - 1].loss).toBeLessThan(r.curve[0].loss);
    expect([r.activeHooks, r.activeNeurons]).toEqual([10, 10 * spec.hiddenSize]);
    expectSupportMatchesMaps(r);
  });

  it('a large sparse-group λ₂ switches whole hooks off (all of them: Adam steps are at most lr per neuron)', async () => {
    const r = await run({ groupLambda: 1.5 });
    expect(r.activeHooks).toBe(0);
    expect(r.curve.every((p) => p.activeHooks === 0)).toBe(true);
    expectSupportMatchesMaps(r);
  });

  it('L1 with a small λ₂ leaves some neurons inactive; the support still matches the maps', async () => {
    const r = await run({ l1: 0.85, groupLambda: 0.1 });
    expect(r.activeNeurons).toBeLessThan(10 * spec.hiddenSize);
    expect(r.activeNeurons).toBeGreaterThan(0);
    expectSupportMatchesMaps(r);
  });
});
