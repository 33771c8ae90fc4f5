// The LinEAS trainer (spec section 5): Adam with a cosine schedule, cycling seeded-shuffled batches, optional proximal
// sparsity steps, support counting. Engine-agnostic: the loss and gradients come from a GradientFn (CPU or GPU).
import type { HookName } from '../../model/spec.ts';
import { makeRng, type Rng } from '../../core/seeded-random.ts';
import type { HookMap } from '../../core/steer-map.ts';
import {
  cloneParams,
  countSupport,
  identityParams,
  paramsToHookMaps,
  type GradientFn,
  type GradMaps,
  type ParamMaps,
  type TrainBatch,
} from './params.ts';

export interface TrainProgress {
  /** Steps completed (1 after the first). */
  step: number;
  /** Loss of the batch at the parameters before this step's update (LinEAS loss + control term). */
  loss: number;
  /** Unweighted sorted-W2 per loss hook on the batch. */
  perHook: Map<HookName, number>;
  controlLoss: number;
  /** Learning rate used by this step (also the proximal τ). */
  lr: number;
  /** Support after this step. */
  activeNeurons: number;
  activeHooks: number;
  /** Active neurons per trained hook after this step. */
  perHookSupport: Map<HookName, number>;
  elapsedMs: number;
}

export interface TrainLineasOptions {
  /** Hooks to train (ignored when `init` is given: its hooks are trained). */
  hooks?: readonly HookName[];
  /** Hidden size d (needed without `init`). */
  hiddenSize?: number;
  /** Initial maps (default identity). Gated maps keep their gates; E2E-DSAS trains them too (see trainGates). */
  init?: ParamMaps;
  /** Number of source prompts N (batches index 0..N−1). */
  numSource: number;
  /** Number of control prompts (E2E-DSAS); 0 or absent: no control batches. */
  numControl?: number;
  gradientFn: GradientFn;
  /** Default 1000. */
  steps?: number;
  /** Peak learning rate, default 1e-3. */
  lr?: number;
  /** The cosine schedule ends at lr·finalLrFactor; default 1e-3. */
  finalLrFactor?: number;
  /** Adam betas, default [0.9, 0.9]. */
  betas?: readonly [number, number];
  /** Adam epsilon, default 1e-8. */
  eps?: number;
  /** Default min(N, 32); control batches use min(numControl, batchSize). */
  batchSize?: number;
  /** Seed of the per-epoch shuffles, default 0. */
  seed?: number;
  /** L1 strength on u = w − 1 and on b (a number sets both); 0 = off. */
  l1?: number | { w: number; b: number };
  /** Sparse-group strength λ₂ (per hook, w and b separately); 0 = off. */
  groupLambda?: number;
  /** Update the DSAS gates (a, c) of gated maps with Adam (E2E-DSAS); default true. False keeps them fixed. */
  trainGates?: boolean;
  onProgress?: (p: TrainProgress) => void;
  /** Aborting stops before the next step; the maps trained so far are returned. */
  signal?: AbortSignal;
  /** Keep every step's progress in `curve` (default true). */
  keepCurve?: boolean;
}

export interface TrainLineasResult {
  /** Float32 maps for the engine (with gates where present). */
  maps: Map<HookName, HookMap>;
  /** The float64 parameters. */
  params: ParamMaps;
  curve: TrainProgress[];
  stepsDone: number;
  /** Stopped before the last step: by the signal, or by a fault (then `fault` says what; the maps are the last good ones). */
  aborted: boolean;
  /** Why training stopped itself: a non-finite loss, gradient or parameter at step `stepsDone + 1`. */
  fault?: string;
  activeNeurons: number;
  activeHooks: number;
  perHookSupport: Map<HookName, number>;
}

/** lr at step t (0-based) of `steps`: cosine from lr to lr·finalFactor (PyTorch CosineAnnealingLR with T_max = steps). */
export function cosineLr(t: number, steps: number, lr: number, finalFactor = 1e-3): number {
  const min = lr * finalFactor;
  return min + ((lr - min) * (1 + Math.cos((Math.PI * t) / steps))) / 2;
}

/** Soft threshold of u = v − center in place: u ← sign(u)·max(|u| − t, 0). */
export function proxL1(v: Float64Array, t: number, center = 0): void {
  if (!(t > 0)) return;
  for (let j = 0; j < v.length; j++) {
    const u = v[j] - center;
    v[j] = center + (u > t ? u - t : u < -t ? u + t : 0);
  }
}

/** Group shrink of u = v − center in place: u ← max(0, 1 − t/‖u‖₂)·u (‖u‖ = 0 stays 0). Spec: t = τ·λ₂·√d. */
export function proxGroup(v: Float64Array, t: number, center = 0): void {
  if (!(t > 0)) return;
  let ss = 0;
  for (let j = 0; j < v.length; j++) ss += (v[j] - center) ** 2;
  const norm = Math.sqrt(ss);
  if (norm === 0) return;
  const f = Math.max(0, 1 - t / norm);
  for (let j = 0; j < v.length; j++) v[j] = f === 0 ? center : center + f * (v[j] - center);
}

/** Spec section 5's proximal step on every map: L1 (u = w − 1 and b), then the per-hook group shrink, with τ = lr. */
export function proximalStep(params: ParamMaps, tau: number, l1w: number, l1b: number, group: number): void {
  for (const p of params.values()) {
    proxL1(p.w, tau * l1w, 1);
    proxL1(p.b, tau * l1b, 0);
    if (group > 0) {
      proxGroup(p.w, tau * group * Math.sqrt(p.w.length), 1);
      proxGroup(p.b, tau * group * Math.sqrt(p.b.length), 0);
    }
  }
}

/** Adam (PyTorch semantics, no weight decay) over named float64 arrays. */
export class Adam {
  private t = 0;
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();

  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.9,
    private readonly eps = 1e-8,
  ) {}

  /** Starts a step (advances the bias-correction counter); then call update() per parameter array. */
  begin(): void {
    this.t++;
  }

  update(key: string, p: Float64Array, g: ArrayLike<number>, lr: number): void {
    let m = this.m.get(key);
    let v = this.v.get(key);
    if (!m || !v) {
      m = new Float64Array(p.length);
      v = new Float64Array(p.length);
      this.m.set(key, m);
      this.v.set(key, v);
    }
    const { beta1: b1, beta2: b2, eps } = this;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    for (let j = 0; j < p.length; j++) {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      p[j] -= (lr * (m[j] / bc1)) / (Math.sqrt(v[j] / bc2) + eps);
    }
  }
}

/** Endless batches of size B over 0..n−1: a fresh seeded shuffle each epoch; an incomplete tail is dropped. */
export class BatchCycler {
  private perm: number[] = [];
  private pos = 0;

  constructor(
    private readonly n: number,
    readonly size: number,
    private readonly rng: Rng,
  ) {
    if (!(size >= 1 && size <= n)) throw new Error(`batch size ${size} must be between 1 and ${n}`);
  }

  next(): number[] {
    if (this.pos + this.size > this.perm.length) {
      this.perm = Array.from({ length: this.n }, (_, i) => i);
      for (let i = this.n - 1; i > 0; i--) {
        const j = Math.floor(this.rng.uniform() * (i + 1));
        [this.perm[i], this.perm[j]] = [this.perm[j], this.perm[i]];
      }
      this.pos = 0;
    }
    const out = this.perm.slice(this.pos, this.pos + this.size);
    this.pos += this.size;
    return out;
  }
}

const now = (): number => globalThis.performance?.now() ?? Date.now();

/** Trains LinEAS maps (spec section 5; with gated maps and control prompts, E2E-DSAS of section 6). */
export async function trainLineas(opts: TrainLineasOptions): Promise<TrainLineasResult> {
  const steps = opts.steps ?? 1000;
  const lr0 = opts.lr ?? 1e-3;
  const finalFactor = opts.finalLrFactor ?? 1e-3;
  const [b1, b2] = opts.betas ?? [0.9, 0.9];
  const N = opts.numSource;
  const NC = opts.numControl ?? 0;
  const B = opts.batchSize ?? Math.min(N, 32);
  const l1w = typeof opts.l1 === 'number' ? opts.l1 : (opts.l1?.w ?? 0);
  const l1b = typeof opts.l1 === 'number' ? opts.l1 : (opts.l1?.b ?? 0);
  const group = opts.groupLambda ?? 0;
  const trainGates = opts.trainGates ?? true;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps must be a non-negative integer, got ${steps}`);
  if (!(N >= 1)) throw new Error('LinEAS needs at least one source prompt');
  if (!(lr0 > 0)) throw new Error(`lr must be positive, got ${lr0}`);

  let params: ParamMaps;
  if (opts.init) params = cloneParams(opts.init);
  else {
    if (!opts.hooks?.length || !opts.hiddenSize) throw new Error('trainLineas: give hooks and hiddenSize, or init');
    params = identityParams(opts.hooks, opts.hiddenSize);
  }
  if (params.size === 0) throw new Error('trainLineas: no hooks to train');

  const rng = makeRng(opts.seed ?? 0);
  const sourceBatches = new BatchCycler(N, B, rng);
  const controlBatches = NC > 0 ? new BatchCycler(NC, Math.min(NC, B), rng) : null;
  const adam = new Adam(b1, b2, opts.eps ?? 1e-8);
  const curve: TrainProgress[] = [];
  const start = now();
  let lastYield = start;
  let stepsDone = 0;
  let aborted = false;
  let fault: string | undefined;

  for (let t = 0; t < steps; t++) {
    if (opts.signal?.aborted) {
      aborted = true;
      break;
    }
    const batch: TrainBatch = { source: sourceBatches.next(), control: controlBatches?.next() ?? [] };
    const r = await opts.gradientFn(params, batch);
    // A non-finite loss or gradient stops training with the maps of the last good step (they are not updated).
    const bad = !Number.isFinite(r.loss) ? `the loss became ${r.loss}` : firstNonFinite(r.grads, 'gradient');
    if (bad) {
      fault = `${bad} at step ${t + 1}`;
      break;
    }
    const lr = cosineLr(t, steps, lr0, finalFactor);
    const before = cloneParams(params);
    applyAdam(adam, params, r.grads, lr, trainGates);
    proximalStep(params, lr, l1w, l1b, group);
    const badParam = firstNonFinite(params, 'parameter');
    if (badParam) {
      params = before;
      fault = `${badParam} at step ${t + 1}`;
      break;
    }
    stepsDone = t + 1;
    const support = countSupport(params);
    const p: TrainProgress = {
      step: stepsDone,
      loss: r.loss,
      perHook: r.perHook,
      controlLoss: r.controlLoss,
      lr,
      activeNeurons: support.activeNeurons,
      activeHooks: support.activeHooks,
      perHookSupport: support.perHook,
      elapsedMs: now() - start,
    };
    if (opts.keepCurve ?? true) curve.push(p);
    opts.onProgress?.(p);
    // Let timers and messages (e.g. an abort) in between steps when the gradient function is synchronous.
    if (now() - lastYield > 50) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      lastYield = now();
    }
  }
  if (fault && stepsDone === 0) throw new Error(`LinEAS: ${fault}, so nothing was trained (try a smaller learning rate, and check the dataset and the model)`);
  const support = countSupport(params);
  return {
    maps: paramsToHookMaps(params),
    params,
    curve,
    stepsDone,
    aborted: aborted || fault !== undefined,
    ...(fault ? { fault } : {}),
    activeNeurons: support.activeNeurons,
    activeHooks: support.activeHooks,
    perHookSupport: support.perHook,
  };
}

function applyAdam(adam: Adam, params: ParamMaps, grads: GradMaps, lr: number, trainGates: boolean): void {
  adam.begin();
  for (const [h, p] of params) {
    const g = grads.get(h);
    if (!g) throw new Error(`LinEAS: the gradient function returned no gradient for hook ${h}`);
    adam.update(`${h}.w`, p.w, g.w, lr);
    adam.update(`${h}.b`, p.b, g.b, lr);
    if (p.gate && trainGates) {
      if (!g.gate) throw new Error(`LinEAS: no gate gradient for gated hook ${h}`);
      adam.update(`${h}.gate.a`, p.gate.a, g.gate.a, lr);
      const c = Float64Array.of(p.gate.c);
      adam.update(`${h}.gate.c`, c, [g.gate.c], lr);
      p.gate.c = c[0];
    }
  }
}

/** "a gradient of 3.mlp (w) is NaN" for the first non-finite value, or null when all are finite. */
function firstNonFinite(maps: ReadonlyMap<HookName, { w: ArrayLike<number>; b: ArrayLike<number>; gate?: { a: ArrayLike<number>; c: number } }>, what: string): string | null {
  for (const [h, m] of maps) {
    for (const [part, values] of [['w', m.w], ['b', m.b], ...(m.gate ? [['gate a', m.gate.a]] : [])] as [string, ArrayLike<number>][]) {
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return `a ${what} of ${h} (${part}[${i}]) became ${values[i]}`;
    }
    if (m.gate && !Number.isFinite(m.gate.c)) return `a ${what} of ${h} (gate c) became ${m.gate.c}`;
  }
  return null;
}
