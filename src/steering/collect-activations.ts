/**
 * Activation collection (spec section 3): run each prompt (truncated to 128 tokens, BOS as the tokenizer adds it)
 * with the given maps active (λ = 1, no gates) and pool every requested hook by the mean over the prompt's tokens.
 * Prompts run one at a time, so there is no padding to mask.
 */
import type { GpuModel, Steering } from '../model/gpu/gpu-model.ts';
import type { HookName } from '../model/spec.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import type { HookMap } from '../core/steer-map.ts';
import { ChatFormatError, encodePrompt, RAW, type PromptFormat } from '../model/chat-format.ts';

export const MAX_PROMPT_TOKENS = 128;

/**
 * A dataset prompt's token ids. Raw text is cut to MAX_PROMPT_TOKENS; a chat prompt (the template around it and the
 * format's system message, ending with the assistant prompt) is refused when longer, since cutting it would drop the assistant prompt.
 */
export function tokenizePrompt(tokenizer: Tokenizer, text: string, format: PromptFormat = RAW): number[] {
  const ids = encodePrompt(tokenizer, text, format);
  if (!format.chat) return ids.slice(0, MAX_PROMPT_TOKENS);
  if (ids.length > MAX_PROMPT_TOKENS) {
    const preview = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    const withSystem = format.system?.trim() ? ' and the system message (which counts too)' : '';
    const shorten = withSystem ? 'shorten it or the system message' : 'shorten it';
    throw new ChatFormatError(`The chat message "${preview}" is ${ids.length} tokens with the chat template${withSystem}, over the ${MAX_PROMPT_TOKENS} a dataset prompt may have; ${shorten}.`);
  }
  return ids;
}

export async function collectPooled(
  model: GpuModel,
  tokenizer: Tokenizer,
  prompts: readonly string[],
  hooks: readonly HookName[],
  activeMaps: Map<HookName, HookMap>,
  restore: Steering,
  format: PromptFormat = RAW,
): Promise<Map<HookName, Float64Array[]>> {
  const d = model.spec.hiddenSize;
  const out = new Map<HookName, Float64Array[]>(hooks.map((h) => [h, []]));
  model.setSteering(activeMaps.size > 0 ? { maps: activeMaps, lambda: 1, useGate: false } : null, [...hooks]);
  try {
    for (const text of prompts) {
      const ids = tokenizePrompt(tokenizer, text, format);
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
