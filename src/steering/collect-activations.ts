/**
 * Activation collection (spec section 3): run each prompt (truncated to 128 tokens, BOS as the tokenizer adds it)
 * with the given maps active (λ = 1, no gates) and pool every requested hook by the mean over the prompt's tokens.
 * Prompts run one at a time, so there is no padding to mask.
 */
import type { GpuModel, Steering } from '../model/gpu/gpu-model.ts';
import type { HookName } from '../model/spec.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import type { HookMap } from '../core/steer-map.ts';

export const MAX_PROMPT_TOKENS = 128;

export function tokenizePrompt(tokenizer: Tokenizer, text: string): number[] {
  return tokenizer.encode(text).slice(0, MAX_PROMPT_TOKENS);
}

export async function collectPooled(
  model: GpuModel,
  tokenizer: Tokenizer,
  prompts: readonly string[],
  hooks: readonly HookName[],
  activeMaps: Map<HookName, HookMap>,
  restore: Steering,
): Promise<Map<HookName, Float64Array[]>> {
  const d = model.spec.hiddenSize;
  const out = new Map<HookName, Float64Array[]>(hooks.map((h) => [h, []]));
  model.setSteering(activeMaps.size > 0 ? { maps: activeMaps, lambda: 1, useGate: false } : null, [...hooks]);
  try {
    for (const text of prompts) {
      const ids = tokenizePrompt(tokenizer, text);
      const r = await model.run(ids, 0, { logits: 'none' });
      for (const h of hooks) {
        const rows = r.recorded.get(h)!;
        const mean = new Float64Array(d);
        for (const row of rows) for (let j = 0; j < d; j++) mean[j] += row[j];
        for (let j = 0; j < d; j++) mean[j] /= rows.length;
        out.get(h)!.push(mean);
      }
    }
  } finally {
    model.setSteering(restore);
  }
  return out;
}
