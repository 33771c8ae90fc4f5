// What the heatmap shows when several interventions ran: one intervention's gate columns, or per hook the sum of the
// gates of every intervention gated there.
import type { HookName } from '../model/spec.ts';
import type { TokenItem } from './app-state.ts';

/** An intervention's index (0: the first), or the per-hook sum. */
export type GateView = number | 'sum';

export interface GateViewResult {
  items: TokenItem[];
  hooks: HookName[];
  /** The largest value a cell can take (1 for one intervention's gates; the most gates summed at one hook). */
  scaleMax: number;
}

/** Columns j of each item's `s` belong to hooks[j] and intervention hookInterventions[j]; rows without values stay empty. */
export function gateView(items: TokenItem[], hooks: HookName[], hookInterventions: number[], view: GateView): GateViewResult {
  const full = (it: TokenItem) => it.s.length === hooks.length;
  if (view !== 'sum') {
    const cols = hooks.flatMap((_, j) => (hookInterventions[j] === view ? [j] : []));
    return { hooks: cols.map((j) => hooks[j]), items: items.map((it) => ({ ...it, s: full(it) ? cols.map((j) => it.s[j]) : [] })), scaleMax: 1 };
  }
  const unique = [...new Set(hooks)];
  const groups = unique.map((h) => hooks.flatMap((g, j) => (g === h ? [j] : [])));
  return {
    hooks: unique,
    items: items.map((it) => ({ ...it, s: full(it) ? groups.map((js) => js.reduce((a, j) => a + it.s[j], 0)) : [] })),
    scaleMax: Math.max(1, ...groups.map((js) => js.length)),
  };
}
