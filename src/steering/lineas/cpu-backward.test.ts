// LinEAS CPU backward: the forward agrees with cpuForward, analytic gradients match central finite differences in
// float64, and the gradient path respects causality (spec section 5's test).
import { beforeAll, describe, expect, it } from 'vitest';
import { cpuForward } from '../../model/cpu/forward.ts';
import type { CpuWeights } from '../../model/cpu/weights.ts';
import type { HookName, ModelSpec } from '../../model/spec.ts';
import { meanPool } from '../../model/mean-pool.ts';
import { CpuLineasModel } from './cpu-backward.ts';
import { cpuPooled, makeCpuGradientFn } from './cpu-gradient.ts';
import { averageSortedW2, w2Targets } from './loss.ts';
import { paramsToHookMaps, paramsFromHookMaps, type GradMaps, type ParamMaps } from './params.ts';
import { loadStories, loadTinyQwen2, randomParams } from './testing.node.ts';

// Short token sequences (BOS = 1 first), distinct so the sorted pairing is generic.
const SOURCE = [
  [1, 403, 407, 261, 378, 432],
  [1, 286, 261, 376, 298],
  [1, 315, 421, 17, 300, 42, 99],
];
const TARGET = [
  [1, 42, 42, 511, 7],
  [1, 99, 300, 17, 403, 298],
  [1, 261, 500, 12],
];
const CONTROL = [
  [1, 7, 8, 9, 10],
  [1, 376, 432, 286],
];

interface Model {
  spec: ModelSpec;
  weights: CpuWeights;
}

const models: Record<string, Model> = {};
beforeAll(async () => {
  models.stories = await loadStories();
  models.qwen2 = await loadTinyQwen2();
});

/** Loss only (no backward): the quantity the gradient function differentiates. Targets are pooled once. */
function lossOnlyFn(model: CpuLineasModel, maps: ParamMaps, hooks: HookName[], controlWeight = 0): () => number {
  const targets = w2Targets(cpuPooled(model, TARGET, hooks), hooks);
  const ctl = controlWeight > 0 ? w2Targets(cpuPooled(model, CONTROL, hooks), hooks) : null;
  return () => {
    let L = averageSortedW2(cpuPooled(model, SOURCE, hooks, maps), targets).loss;
    if (ctl) L += averageSortedW2(cpuPooled(model, CONTROL, hooks, maps), ctl, controlWeight).loss;
    return L;
  };
}

interface GroupReport {
  group: string;
  relErr: number;
  maxAbsGrad: number;
}

/**
 * Central finite differences on every parameter group (each hook's w, b, gate a, gate c), on every STRIDE-th neuron
 * (a different offset per group, so all neurons are covered across groups) to keep the test fast.
 * Relative error per group = max |g − fd| / max |fd| over the checked neurons.
 */
const STRIDE = 5;
function compareWithFiniteDifferences(grads: GradMaps, maps: ParamMaps, f: () => number, h = 1e-5): GroupReport[] {
  let offset = 0;
  const report: GroupReport[] = [];
  const fdAt = (set: (v: number) => void, x: number): number => {
    set(x + h);
    const up = f();
    set(x - h);
    const down = f();
    set(x);
    return (up - down) / (2 * h);
  };
  const push = (group: string, fd: Map<number, number>, g: ArrayLike<number>) => {
    let maxErr = 0;
    let maxFd = 0;
    fd.forEach((v, j) => {
      maxErr = Math.max(maxErr, Math.abs(v - g[j]));
      maxFd = Math.max(maxFd, Math.abs(v));
    });
    report.push({ group, relErr: maxErr / maxFd, maxAbsGrad: maxFd });
  };
  const vec = (p: Float64Array) => {
    const out = new Map<number, number>();
    for (let j = offset++ % STRIDE; j < p.length; j += STRIDE) out.set(j, fdAt((v) => (p[j] = v), p[j]));
    return out;
  };
  for (const [hook, p] of maps) {
    const g = grads.get(hook)!;
    push(`${hook}.w`, vec(p.w), g.w);
    push(`${hook}.b`, vec(p.b), g.b);
    if (p.gate) {
      const gate = p.gate;
      push(`${hook}.gate.a`, vec(gate.a), g.gate!.a);
      push(`${hook}.gate.c`, new Map([[0, fdAt((v) => (gate.c = v), gate.c)]]), [g.gate!.c]);
    }
  }
  return report;
}

const CASES: { label: string; key: string; hooks: HookName[] }[] = [
  { label: 'stories260K (llama, GQA 8/4)', key: 'stories', hooks: ['0.attn', '0.mlp', '1.attn', '1.mlp'] },
  { label: 'tiny random qwen2 (q/k/v biases, GQA 4/2)', key: 'qwen2', hooks: ['0.attn', '0.mlp', '0.resid', '1.attn', '1.mlp'] },
];

describe.each(CASES)('LinEAS CPU backward on $label', ({ key, hooks }) => {
  it('the taped forward matches cpuForward (steering, gates, pooled values)', () => {
    const { spec, weights } = models[key];
    const model = new CpuLineasModel(spec, weights);
    // f32-representable maps so both forwards apply the same numbers.
    const maps = paramsFromHookMaps(paramsToHookMaps(randomParams(hooks, spec.hiddenSize, 3, 0.2)));
    const probe: HookName[] = ['1.resid'];
    const tape = model.forward(SOURCE[2], maps, probe);
    const ref = cpuForward(spec, weights, SOURCE[2], {
      steering: { maps: paramsToHookMaps(maps), lambda: 1 },
      record: probe,
      logits: 'none',
    });
    const refPooled = meanPool(ref.recorded.get('1.resid')!);
    const ours = tape.pooled.get('1.resid')!;
    for (let j = 0; j < spec.hiddenSize; j++) expect(Math.abs(ours[j] - refPooled[j])).toBeLessThan(1e-10);
    for (const h of hooks) {
      const s = tape.strengths.get(h)!;
      const sRef = ref.strengths.get(h)!;
      expect(s.length).toBe(SOURCE[2].length);
      for (let t = 0; t < s.length; t++) expect(Math.abs(s[t] - sRef[t])).toBeLessThan(1e-12);
    }
  });

  it('LinEAS gradients w.r.t. every (w, b) match central finite differences', async () => {
    const { spec, weights } = models[key];
    const model = new CpuLineasModel(spec, weights);
    const maps = randomParams(hooks, spec.hiddenSize, 21);
    const gradFn = makeCpuGradientFn({ spec, weights, model, source: SOURCE, target: TARGET, lossHooks: hooks });
    const r = await gradFn(maps, { source: [0, 1, 2], control: [] });
    const f = lossOnlyFn(model, maps, hooks);
    expect(r.loss).toBeCloseTo(f(), 14);
    const report = compareWithFiniteDifferences(r.grads, maps, f);
    console.info(`${key} LinEAS: max relative error ${Math.max(...report.map((g) => g.relErr)).toExponential(2)}`);
    for (const g of report) {
      expect(g.maxAbsGrad, g.group).toBeGreaterThan(0);
      expect(g.relErr, g.group).toBeLessThanOrEqual(1e-4);
    }
  });

  it('E2E-DSAS gradients w.r.t. every (w, b, a, c), with the control term, match finite differences', async () => {
    const { spec, weights } = models[key];
    const model = new CpuLineasModel(spec, weights);
    const maps = randomParams(hooks, spec.hiddenSize, 33, 0.3);
    const controlWeight = 0.7;
    const gradFn = makeCpuGradientFn({ spec, weights, model, source: SOURCE, target: TARGET, lossHooks: hooks, control: CONTROL, controlWeight });
    const r = await gradFn(maps, { source: [0, 1, 2], control: [0, 1] });
    expect(r.controlLoss).toBeGreaterThan(0);
    const f = lossOnlyFn(model, maps, hooks, controlWeight);
    expect(r.loss).toBeCloseTo(f(), 14);
    const report = compareWithFiniteDifferences(r.grads, maps, f);
    console.info(`${key} E2E-DSAS: max relative error ${Math.max(...report.map((g) => g.relErr)).toExponential(2)}`);
    for (const g of report) {
      expect(g.maxAbsGrad, g.group).toBeGreaterThan(0);
      expect(g.relErr, g.group).toBeLessThanOrEqual(1e-4);
    }
  });
});

describe('LinEAS gradient path (stories260K)', () => {
  const hooks: HookName[] = ['0.attn', '0.mlp', '1.attn', '1.mlp', '2.mlp'];

  it('a loss only at 0.mlp leaves every map at layers ≥ 1 with exactly zero gradient', async () => {
    const { spec, weights } = models.stories;
    const maps = randomParams(hooks, spec.hiddenSize, 5);
    const gradFn = makeCpuGradientFn({ spec, weights, source: SOURCE, target: TARGET, lossHooks: ['0.mlp'] });
    const r = await gradFn(maps, { source: [0, 1, 2], control: [] });
    for (const h of hooks) {
      const g = r.grads.get(h)!;
      const nz = [...g.w, ...g.b].some((v) => v !== 0);
      expect(nz, h).toBe(h.startsWith('0.'));
    }
  });

  it('a loss at 1.mlp reaches the maps of layers 0 and 1 (and not 2)', async () => {
    const { spec, weights } = models.stories;
    const maps = randomParams(hooks, spec.hiddenSize, 6);
    const gradFn = makeCpuGradientFn({ spec, weights, source: SOURCE, target: TARGET, lossHooks: ['1.mlp'] });
    const r = await gradFn(maps, { source: [0, 1, 2], control: [] });
    for (const h of hooks) {
      const g = r.grads.get(h)!;
      const norm = Math.hypot(...g.w, ...g.b);
      if (h === '2.mlp') expect(norm, h).toBe(0);
      else expect(norm, h).toBeGreaterThan(1e-8);
    }
  });
});
