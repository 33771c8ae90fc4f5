/**
 * Harness functions for the GPU LinEAS trainer: its gradients against the float64 CPU ones (tests), and the time of
 * a training step against a forward of the same batch (benchmark). Plain JSON in and out.
 */
import { makeRng } from '../core/seeded-random.ts';
import type { HookName } from '../model/spec.ts';
import { tokenizePrompt } from '../steering/collect-activations.ts';
import { parseDataset } from '../steering/dataset.ts';
import { parseHookSelection } from '../steering/hook-selection.ts';
import { CpuLineasModel } from '../steering/lineas/cpu-backward.ts';
import { makeCpuGradientFn } from '../steering/lineas/cpu-gradient.ts';
import { gpuPooled, makeGpuGradientFn } from '../steering/lineas/gpu-gradient.ts';
import { paramsFromHookMaps, type GradMaps, type ParamMaps, type TrainBatch } from '../steering/lineas/params.ts';
import { trainLineas } from '../steering/lineas/trainer.ts';
import { fitIncremental, type CollectFn } from '../steering/fit-incremental.ts';
import { fitLinearAct } from '../steering/fit-linear-act.ts';
import { sortedW2Average } from '../steering/sorted-w2.ts';
import { api } from './api.ts';
import { current, engine, gpu } from './session.ts';
import { median } from '../testing/median.ts';

export interface GradientCheckRequest {
  /** Model to load first (default: the loaded one). */
  model?: string;
  /** Dataset JSON text (source, target, control prompts). */
  dataset: string;
  /** Trained hooks (a hook selection; default "all": every layer's attn and mlp). */
  hooks?: string;
  /** Hooks of the loss (default: the trained hooks). */
  lossHooks?: string;
  /** Random DSAS gates on every map (a ~ ±gateScale/√d). */
  gated?: boolean;
  /** E2E-DSAS control term with this many control prompts (0: none). */
  control?: number;
  controlWeight?: number;
  /** Prompts used: source batch and targets. */
  source?: number;
  target?: number;
  seed?: number;
}

export interface TensorError {
  hook: HookName;
  part: 'w' | 'b' | 'a' | 'c';
  /** ‖gpu − cpu‖ / ‖cpu‖ (‖gpu‖ when cpu is all zero). */
  rel: number;
  cpuNorm: number;
  gpuNorm: number;
}

export interface GradientCheckResult {
  loss: { gpu: number; cpu: number; rel: number };
  controlLoss: { gpu: number; cpu: number; rel: number };
  tensors: TensorError[];
  worst: TensorError | null;
  gpuMs: number;
  cpuMs: number;
  tokens: number;
}

/** Non-identity maps: w = 1 ± 0.3, b = ±0.2, with gates a = ±1.5/√d, c = ±0.5. */
export function randomMaps(hooks: readonly HookName[], d: number, seed: number, gated: boolean): ParamMaps {
  const rng = makeRng(seed);
  const out: ParamMaps = new Map();
  for (const h of hooks) {
    const w = Float64Array.from({ length: d }, () => 1 + 0.3 * rng.normal());
    const b = Float64Array.from({ length: d }, () => 0.2 * rng.normal());
    out.set(h, gated ? { w, b, gate: { a: Float64Array.from({ length: d }, () => (1.5 / Math.sqrt(d)) * rng.normal()), c: 0.5 * (2 * rng.uniform() - 1) } } : { w, b });
  }
  return out;
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function relError(gpuV: ArrayLike<number>, cpuV: ArrayLike<number>): { rel: number; cpuNorm: number; gpuNorm: number } {
  const d = Array.from(cpuV, (v, i) => gpuV[i] - v);
  const cpuNorm = norm(cpuV);
  const gpuNorm = norm(gpuV);
  return { rel: cpuNorm > 0 ? norm(d) / cpuNorm : gpuNorm, cpuNorm, gpuNorm };
}

export function compareGrads(g: GradMaps, c: GradMaps): TensorError[] {
  const out: TensorError[] = [];
  for (const [hook, cg] of c) {
    const gg = g.get(hook)!;
    out.push({ hook, part: 'w', ...relError(gg.w, cg.w) }, { hook, part: 'b', ...relError(gg.b, cg.b) });
    if (cg.gate) out.push({ hook, part: 'a', ...relError(gg.gate!.a, cg.gate.a) }, { hook, part: 'c', ...relError([gg.gate!.c], [cg.gate.c]) });
  }
  return out;
}

const rel = (a: number, b: number) => (b !== 0 ? Math.abs(a - b) / Math.abs(b) : Math.abs(a));

async function ensureModel(model?: string): Promise<void> {
  if (model && model !== engine.modelRef) await api.load(model);
}

export const lineasApi = {
  /** GPU gradients and loss vs the float64 CPU ones for random non-identity maps on one batch. */
  async lineasGradientCheck(req: GradientCheckRequest): Promise<GradientCheckResult> {
    await ensureModel(req.model);
    const m = current();
    const d = m.spec.hiddenSize;
    const dataset = parseDataset(req.dataset, 'dataset.json');
    const hooks = parseHookSelection(req.hooks ?? 'all', m.spec.numLayers);
    const lossHooks = req.lossHooks ? parseHookSelection(req.lossHooks, m.spec.numLayers) : hooks;
    const enc = (t: string) => tokenizePrompt(m.tokenizer, t);
    const source = dataset.source.slice(0, req.source ?? 4).map(enc);
    const target = dataset.target.slice(0, req.target ?? 6).map(enc);
    const control = dataset.control.slice(0, req.control ?? 0).map(enc);
    const maps = randomMaps(hooks, d, req.seed ?? 1, Boolean(req.gated));
    const batch: TrainBatch = { source: source.map((_, i) => i), control: control.map((_, i) => i) };
    const controlWeight = req.controlWeight ?? 1;

    const t0 = performance.now();
    const gpuFn = await makeGpuGradientFn({ device: (await gpu()).device, spec: m.spec, weights: m.model.weights, source, target, lossHooks, control, controlWeight });
    let g;
    try {
      g = await gpuFn(maps, batch);
    } finally {
      gpuFn.dispose();
    }
    const gpuMs = performance.now() - t0;
    const t1 = performance.now();
    const weights = await engine.cpuWeights();
    const cpuFn = makeCpuGradientFn({ spec: m.spec, weights, model: new CpuLineasModel(m.spec, weights), source, target, lossHooks, control, controlWeight });
    const c = await cpuFn(maps, batch);
    const cpuMs = performance.now() - t1;
    const tensors = compareGrads(g.grads, c.grads);
    const worst = tensors.reduce<TensorError | null>((w, t) => (!w || t.rel > w.rel ? t : w), null);
    return {
      loss: { gpu: g.loss, cpu: c.loss, rel: rel(g.loss, c.loss) },
      controlLoss: { gpu: g.controlLoss, cpu: c.controlLoss, rel: rel(g.controlLoss, c.controlLoss) },
      tensors,
      worst,
      gpuMs,
      cpuMs,
      tokens: [...source, ...control].reduce((s, p) => s + p.length, 0),
    };
  },

  /**
   * GPU LinEAS on the first `train` source/target prompts of a dataset, evaluated on the rest: held-out sorted-W2
   * (mean over the hooks) of the unsteered source, of Linear-AcT (incremental, fitted on the same split) and of the
   * trained maps; the training loss before and after (full training batch).
   */
  async lineasHeldOut(req: { model?: string; dataset: string; train?: number; hooks?: string; steps?: number; lr?: number; batch?: number; seed?: number; linearAct?: boolean }) {
    await ensureModel(req.model);
    const m = current();
    const ds = parseDataset(req.dataset, 'dataset.json');
    const hooks = parseHookSelection(req.hooks ?? 'all', m.spec.numLayers);
    const nTrain = req.train ?? 24;
    const enc = (t: string) => tokenizePrompt(m.tokenizer, t);
    const src = ds.source.slice(0, nTrain).map(enc);
    const tgt = ds.target.slice(0, nTrain).map(enc);
    const heldSrc = ds.source.slice(nTrain).map(enc);
    const heldTgt = ds.target.slice(nTrain).map(enc);
    if (heldSrc.length === 0 || heldTgt.length === 0) throw new Error('no held-out prompts');
    const fn = await makeGpuGradientFn({ device: (await gpu()).device, spec: m.spec, weights: m.model.weights, source: src, target: tgt, lossHooks: hooks });
    try {
      const heldTarget = await gpuPooled(fn.tape, heldTgt, hooks, new Map());
      const heldOut = async (maps: ParamMaps): Promise<number> => {
        const steered = await gpuPooled(fn.tape, heldSrc, hooks, maps);
        return sortedW2Average(new Map(hooks.map((h) => [h, { steered: steered.get(h)!, target: heldTarget.get(h)! }])));
      };
      const none = await heldOut(new Map());
      let linearAct: number | null = null;
      if (req.linearAct !== false) {
        const collect: CollectFn = async (active, which, hs) => gpuPooled(fn.tape, which === 'source' ? src : tgt, hs, paramsFromHookMaps(active));
        linearAct = await heldOut(paramsFromHookMaps(await fitIncremental(hooks, collect, fitLinearAct)));
      }
      const t0 = performance.now();
      const r = await trainLineas({ hooks, hiddenSize: m.spec.hiddenSize, numSource: src.length, gradientFn: fn, steps: req.steps ?? 300, lr: req.lr ?? 1e-2, batchSize: req.batch, seed: req.seed });
      const trainMs = performance.now() - t0;
      const all = Array.from({ length: src.length }, (_, i) => i);
      const final = (await fn(r.params, { source: all, control: [] })).loss;
      const lineas = await heldOut(r.params);
      return { first: r.curve[0].loss, final, none, linearAct, lineas, steps: r.stepsDone, trainMs, msPerStep: trainMs / r.stepsDone, curve: r.curve.map((p) => p.loss) };
    } finally {
      fn.dispose();
    }
  },

  /**
   * Median time of a GPU training step (forward with tape, loss, backward, gradient readback) and of a GPU forward of
   * the same batch through the same stop point (pooled rows read back), after a warm-up.
   * Prompts: `promptTokens` seeded random ids each (BOS = 1 first), or the dataset's source prompts when given.
   */
  async lineasStepTiming(req: { model?: string; hooks?: string; batch?: number; steps?: number; promptTokens?: number; dataset?: string; gated?: boolean; seed?: number; profile?: boolean }) {
    await ensureModel(req.model);
    const m = current();
    const d = m.spec.hiddenSize;
    const hooks = parseHookSelection(req.hooks ?? 'all', m.spec.numLayers);
    const batchSize = req.batch ?? 8;
    const steps = Math.max(1, req.steps ?? 5);
    const rng = makeRng(req.seed ?? 7);
    let prompts: number[][];
    if (req.dataset) {
      prompts = parseDataset(req.dataset, 'dataset.json').source.slice(0, batchSize).map((t) => tokenizePrompt(m.tokenizer, t));
    } else {
      const len = req.promptTokens ?? 32;
      prompts = Array.from({ length: batchSize }, () => [1, ...Array.from({ length: len - 1 }, () => 3 + Math.floor(rng.uniform() * (m.spec.vocabSize - 3)))]);
    }
    const maps = randomMaps(hooks, d, req.seed ?? 7, Boolean(req.gated));
    const batch: TrainBatch = { source: prompts.map((_, i) => i), control: [] };
    // Targets: the same prompts' unsteered rows (the loss value does not matter for timing).
    const fn = await makeGpuGradientFn({ device: (await gpu()).device, spec: m.spec, weights: m.model.weights, source: prompts, target: prompts, lossHooks: hooks });
    try {
      await fn(maps, batch); // warm-up (pipelines compile, buffers are made)
      const stepTimes: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await fn(maps, batch);
        stepTimes.push(performance.now() - t0);
      }
      const fwdTimes: number[] = [];
      await fn.tape.forward();
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await fn.tape.forward();
        fwdTimes.push(performance.now() - t0);
      }
      const profile = req.profile ? await fn.tape.profile() : undefined;
      const stepMs = median(stepTimes);
      const forwardMs = median(fwdTimes);
      return { stepMs, forwardMs, stepOverForward: stepMs / forwardMs, tokens: prompts.reduce((s, p) => s + p.length, 0), prompts: prompts.length, hooks, stepTimes, forwardTimes: fwdTimes, profile };
    } finally {
      fn.dispose();
    }
  },
};
