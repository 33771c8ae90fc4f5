import { hookName, hookOrder, parseHookName, type HookName } from '../model/spec.ts';

/**
 * Parses a hook selection: `all` (every layer's attn and mlp: the spec's default set), `attn`, `mlp`, `resid`,
 * or a comma list like `0.attn,3.mlp`. Returns hooks in forward order; refuses layers the model does not have.
 */
export function parseHookSelection(selection: string | undefined, numLayers: number): HookName[] {
  const s = (selection ?? 'all').trim();
  const layers = Array.from({ length: numLayers }, (_, i) => i);
  if (s === 'all') return layers.flatMap((l) => [hookName(l, 'attn'), hookName(l, 'mlp')]);
  if (s === 'attn' || s === 'mlp' || s === 'resid') return layers.map((l) => hookName(l, s));
  const out = new Set<HookName>();
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const { layer, kind } = parseHookName(part);
    if (layer >= numLayers) throw new Error(`hook ${part}: this model has layers 0..${numLayers - 1}`);
    out.add(hookName(layer, kind));
  }
  if (out.size === 0) throw new Error('no hooks selected');
  return [...out].sort((a, b) => hookOrder(a) - hookOrder(b));
}
