// LinEAS training parameters in float64, their gradients, and the engine-agnostic gradient-function contract.
import type { HookName } from '../../model/spec.ts';
import type { HookMap } from '../../core/steer-map.ts';
import type { PooledRows } from '../matrix-rows.ts';

/** One hook's trainable map in float64: z' = z + s(z)·((w − 1)⊙z + b), s(z) = σ(aᵀz + c) when a gate is present, else 1. */
export interface MapParams {
  w: Float64Array;
  b: Float64Array;
  gate?: { a: Float64Array; c: number };
}

export type ParamMaps = Map<HookName, MapParams>;

/** dL/d(w, b) of one hook, and dL/d(a, c) when the map has a gate. */
export interface MapGrads {
  w: Float64Array;
  b: Float64Array;
  gate?: { a: Float64Array; c: number };
}

export type GradMaps = Map<HookName, MapGrads>;

/** The prompts a LinEAS gradient function trains on, whatever engine computes it. */
export interface LineasPrompts {
  /** Token ids of each source prompt (BOS included, truncated as spec section 3 says). */
  source: readonly (readonly number[])[];
  /** Token ids of the target prompts (pooled once, unsteered), or their pooled rows per loss hook. */
  target: readonly (readonly number[])[] | Map<HookName, PooledRows>;
  /** Hooks whose sorted-W2 losses are averaged (LinEAS: the trained hooks themselves). */
  lossHooks: readonly HookName[];
  /** E2E-DSAS: token ids of the control prompts; their steered pooled activations are kept near their unsteered ones. */
  control?: readonly (readonly number[])[];
  /** Weight of the control term (default 1). */
  controlWeight?: number;
}

/** Which prompts one training step uses: indices into the source set and (E2E-DSAS) into the control set. */
export interface TrainBatch {
  source: readonly number[];
  control: readonly number[];
}

export interface GradientResult {
  /** Total loss: the LinEAS loss plus, for E2E-DSAS, the weighted control term. */
  loss: number;
  /** Unweighted sorted-W2 per loss hook (steered source vs target). Their mean is the LinEAS loss. */
  perHook: Map<HookName, number>;
  /** The weighted control term (E2E-DSAS) included in `loss`; 0 without control prompts. */
  controlLoss: number;
  /** dLoss/dparams for every map (exact zeros where the loss does not reach). */
  grads: GradMaps;
}

/**
 * The engine behind the trainer: given the current maps (λ = 1, gates active where present) and a batch,
 * return the loss and its gradient with respect to every map's parameters. CPU twin: makeCpuGradientFn.
 */
export type GradientFn = (maps: ParamMaps, batch: TrainBatch) => GradientResult | Promise<GradientResult>;

/** Identity maps (w = 1, b = 0) for `hooks`, with optional DSAS gates copied in. */
export function identityParams(
  hooks: readonly HookName[],
  d: number,
  gates?: Map<HookName, { a: ArrayLike<number>; c: number }>,
): ParamMaps {
  const out: ParamMaps = new Map();
  for (const h of hooks) {
    const p: MapParams = { w: new Float64Array(d).fill(1), b: new Float64Array(d) };
    const g = gates?.get(h);
    if (g) {
      if (g.a.length !== d) throw new Error(`hook ${h}: gate.a has ${g.a.length} values, expected ${d}`);
      p.gate = { a: Float64Array.from(g.a), c: g.c };
    }
    out.set(h, p);
  }
  return out;
}

/** Float64 copies of HookMaps (the Linear-AcT range option is not trainable and is dropped). */
export function paramsFromHookMaps(maps: Map<HookName, HookMap>): ParamMaps {
  const out: ParamMaps = new Map();
  for (const [h, m] of maps) {
    const p: MapParams = { w: Float64Array.from(m.w), b: Float64Array.from(m.b) };
    if (m.gate) p.gate = { a: Float64Array.from(m.gate.a), c: m.gate.c };
    out.set(h, p);
  }
  return out;
}

/** HookMaps (float32) as the engine and the intervention files use them. */
export function paramsToHookMaps(params: ParamMaps): Map<HookName, HookMap> {
  const out = new Map<HookName, HookMap>();
  for (const [h, p] of params) {
    const m: HookMap = { w: Float32Array.from(p.w), b: Float32Array.from(p.b) };
    if (p.gate) m.gate = { a: Float32Array.from(p.gate.a), c: Math.fround(p.gate.c) };
    out.set(h, m);
  }
  return out;
}

export function cloneParams(params: ParamMaps): ParamMaps {
  const out: ParamMaps = new Map();
  for (const [h, p] of params) {
    const q: MapParams = { w: Float64Array.from(p.w), b: Float64Array.from(p.b) };
    if (p.gate) q.gate = { a: Float64Array.from(p.gate.a), c: p.gate.c };
    out.set(h, q);
  }
  return out;
}

/** Zero gradients shaped like `params` (with a gate part where the map has a gate). */
export function zeroGrads(params: ParamMaps): GradMaps {
  const out: GradMaps = new Map();
  for (const [h, p] of params) {
    const g: MapGrads = { w: new Float64Array(p.w.length), b: new Float64Array(p.b.length) };
    if (p.gate) g.gate = { a: new Float64Array(p.gate.a.length), c: 0 };
    out.set(h, g);
  }
  return out;
}

/** Threshold of spec section 5: a neuron is active when |w − 1| > 1e-5 or |b| > 1e-5. */
export const SUPPORT_TOLERANCE = 1e-5;

export interface Support {
  activeNeurons: number;
  activeHooks: number;
  /** Active neurons per hook. */
  perHook: Map<HookName, number>;
}

/** Counts active neurons and hooks (a hook is active when any of its neurons is). Works on f64 params or f32 HookMaps. */
export function countSupport(
  maps: Map<HookName, { w: ArrayLike<number>; b: ArrayLike<number> }>,
  tol = SUPPORT_TOLERANCE,
): Support {
  const perHook = new Map<HookName, number>();
  let activeNeurons = 0;
  let activeHooks = 0;
  for (const [h, m] of maps) {
    let n = 0;
    for (let j = 0; j < m.w.length; j++) if (Math.abs(m.w[j] - 1) > tol || Math.abs(m.b[j]) > tol) n++;
    perHook.set(h, n);
    activeNeurons += n;
    if (n > 0) activeHooks++;
  }
  return { activeNeurons, activeHooks, perHook };
}
