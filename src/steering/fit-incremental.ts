import { hookOrder, type HookName } from '../model/spec.ts';
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

export interface FitIncrementalOptions {
  /** Called after each hook is fitted. */
  onProgress?: (done: number, total: number, hook: HookName) => void;
  /** Stops between collections. */
  signal?: AbortSignal;
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

function pick(m: Map<HookName, Float64Array[]>, hook: HookName, which: string): Float64Array[] {
  const rows = m.get(hook);
  if (!rows) throw new Error(`collect returned no ${which} activations for hook ${hook}`);
  return rows;
}
