/**
 * `generation_config.json`'s end tokens: Hugging Face generation stops on every id of its `eos_token_id` (Qwen2.5's
 * instruct models list `<|im_end|>` and `<|endoftext|>` there, while config.json names one). The file is optional;
 * one that cannot be read (absent, offline, not JSON) adds nothing.
 */
import type { ModelFiles } from './model-files.ts';

export const GENERATION_CONFIG_FILE = 'generation_config.json';

export function eosIdsOf(json: unknown): number[] {
  if (typeof json !== 'object' || json === null) return [];
  const v = (json as Record<string, unknown>).eos_token_id;
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

export async function generationEosIds(files: ModelFiles, listing: string[] | null): Promise<number[]> {
  if (listing && !listing.includes(GENERATION_CONFIG_FILE)) return [];
  try {
    const text = await files.text(GENERATION_CONFIG_FILE);
    return text === null ? [] : eosIdsOf(JSON.parse(text));
  } catch {
    return [];
  }
}
