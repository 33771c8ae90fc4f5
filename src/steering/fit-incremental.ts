import { hookOrder, parseHookName, type HookName } from '../model/spec.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { PooledRows } from './matrix-rows.ts';

/**
 * Runs the model on one prompt set with `activeMaps` applied (λ = 1, no gates) and returns the
 * pooled (N × d) matrix of each requested hook. Supplied by the engine (GPU, CPU twin or a mock).
 */
export type CollectFn = (
  activeMaps: Map<HookName, HookMap>,
  which: 'source' | 'target',
  hooks: HookName[],
) => Promise<Map<HookName, Float64Array[]>>;

/** Fits one hook's map from pooled source and target activations: fitMeanShift, fitLinearAct, or a closure over options. */
export type FitOneFn = (source: PooledRows, target: PooledRows) => HookMap | Promise<HookMap>;

export type FitMode = 'incremental' | 'independent';

/**
 * Runs the source prompts one layer at a time, keeping each prompt's residual stream between calls, so incremental
 * fitting runs each layer a few times instead of the whole model once per hook. Calls come in layer order 0, 1, …;
 * `layer(l, …, advance = true)` is made exactly once per layer, after its recording calls.
 */
export interface SourceStepper {
  /**
   * Runs layer `layer` on every source prompt's kept residual stream with `maps` active (λ = 1, no gates) and pools
   * the `record` hooks (all in that layer) over each prompt's tokens; with `advance`, the output is kept for the next layer.
   */
  layer(layer: number, maps: Map<HookName, HookMap>, record: HookName[], advance: boolean): Promise<Map<HookName, Float64Array[]>>;
  /** Frees what the stepper holds and restores the model's steering; called once, also after a failure. */
  end(): void;
}

export interface FitIncrementalOptions {
  /** Called after each hook is fitted. */
  onProgress?: (done: number, total: number, hook: HookName) => void;
  /** Stops between collections. */
  signal?: AbortSignal;
  /** incremental: collect sources layer by layer with this instead of one `collect` call per hook (same maps). */
  stepper?: SourceStepper;
}

/**
 * The closed-form fitting driver of spec section 4.
 * - Targets are pooled once, on the unsteered model, for all hooks.
 * - `incremental`: hooks in forward order; hook k's source activations are collected with the maps of
 *   hooks 0..k−1 active (one collect call per hook, requesting only that hook).
 * - `independent`: one unsteered source collection for all hooks.
 * Each collect call receives its own Map instance (a snapshot), never one that is mutated later.
 */
export async function fitIncremental(
  hooks: HookName[],
  collect: CollectFn,
  fitOne: FitOneFn,
  mode: FitMode = 'incremental',
  opts: FitIncrementalOptions = {},
): Promise<Map<HookName, HookMap>> {
  const order = [...new Set(hooks)].sort((a, b) => hookOrder(a) - hookOrder(b));
  if (order.length === 0) throw new Error('fitIncremental: no hooks selected');
  const checkAbort = (): void => {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('fitting aborted');
  };

  checkAbort();
  const targets = await collect(new Map(), 'target', [...order]);
  const independentSources = mode === 'independent' ? await collect(new Map(), 'source', [...order]) : null;

  const maps = new Map<HookName, HookMap>();
  if (mode === 'incremental' && opts.stepper) {
    await fitLayerwise(order, opts.stepper, (hook, src) => fitOne(src, pick(targets, hook, 'target')), maps, checkAbort, opts.onProgress);
    return maps;
  }
  for (let k = 0; k < order.length; k++) {
    const hook = order[k];
    checkAbort();
    const sources = independentSources ?? (await collect(new Map(maps), 'source', [hook]));
    const src = pick(sources, hook, 'source');
    const tgt = pick(targets, hook, 'target');
    maps.set(hook, await fitOne(src, tgt));
    opts.onProgress?.(k + 1, order.length, hook);
  }
  return maps;
}

/** The incremental rule with a stepper: in each layer, every hook is fitted on a run of that layer with the maps of all earlier hooks active. */
async function fitLayerwise(
  order: HookName[],
  stepper: SourceStepper,
  fitHook: (hook: HookName, src: PooledRows) => HookMap | Promise<HookMap>,
  maps: Map<HookName, HookMap>,
  checkAbort: () => void,
  onProgress: FitIncrementalOptions['onProgress'],
): Promise<void> {
  const lastLayer = parseHookName(order[order.length - 1]).layer;
  let done = 0;
  try {
    for (let layer = 0; layer <= lastLayer; layer++) {
      for (const hook of order.filter((h) => parseHookName(h).layer === layer)) {
        checkAbort();
        const sources = await stepper.layer(layer, new Map(maps), [hook], false);
        maps.set(hook, await fitHook(hook, pick(sources, hook, 'source')));
        onProgress?.(++done, order.length, hook);
      }
      checkAbort();
      if (layer < lastLayer) await stepper.layer(layer, new Map(maps), [], true);
    }
  } finally {
    stepper.end();
  }
}

function pick(m: Map<HookName, Float64Array[]>, hook: HookName, which: string): Float64Array[] {
  const rows = m.get(hook);
  if (!rows) throw new Error(`collect returned no ${which} activations for hook ${hook}`);
  return rows;
}
