/** Generation settings as typed in the form (strings), and their checked numeric form. */
import type { SamplingSettings } from '../engine/protocol.ts';

export interface SettingsDraft {
  maxNewTokens: string;
  greedy: boolean;
  temperature: string;
  topP: string;
  topK: string;
  repetitionPenalty: string;
  seed: string;
  /** A prompt longer than the context loses its start instead of being refused. */
  keepPromptEnd: boolean;
}

export type SettingsField = Exclude<keyof SettingsDraft, 'greedy' | 'keepPromptEnd'>;

export const DEFAULT_SETTINGS: SettingsDraft = {
  maxNewTokens: '100',
  greedy: false,
  temperature: '0.8',
  topP: '0.95',
  topK: '50',
  repetitionPenalty: '1',
  seed: '42',
  keepPromptEnd: false,
};

export interface ParsedSettings {
  maxNewTokens: number;
  keepPromptEnd: boolean;
  sampling: SamplingSettings;
}

type Check = (n: number) => string | null;

const wholeAtLeast = (min: number, what: string): Check => (n) => (Number.isInteger(n) && n >= min ? null : `${what} must be a whole number of at least ${min}.`);

const CHECKS: Record<SettingsField, { check: Check; sampledOnly: boolean }> = {
  maxNewTokens: { check: wholeAtLeast(1, 'Max new tokens'), sampledOnly: false },
  temperature: { check: (n) => (n > 0 ? null : 'Temperature must be above 0 (choose Greedy for the most likely token).'), sampledOnly: true },
  topP: { check: (n) => (n > 0 && n <= 1 ? null : 'Top-p must be above 0 and at most 1.'), sampledOnly: true },
  topK: { check: wholeAtLeast(0, 'Top-k'), sampledOnly: true },
  repetitionPenalty: { check: (n) => (n > 0 ? null : 'Repetition penalty must be above 0 (1 means none).'), sampledOnly: false },
  seed: { check: wholeAtLeast(0, 'Seed'), sampledOnly: true },
};

/** Checks every field in use; returns the numbers, or a message per bad field. */
export function parseSettings(d: SettingsDraft, maxContext: number | null): { ok: true; value: ParsedSettings } | { ok: false; errors: Partial<Record<SettingsField, string>> } {
  const errors: Partial<Record<SettingsField, string>> = {};
  const num: Partial<Record<SettingsField, number>> = {};
  for (const [field, { check, sampledOnly }] of Object.entries(CHECKS) as [SettingsField, (typeof CHECKS)[SettingsField]][]) {
    if (sampledOnly && d.greedy) continue;
    const text = d[field].trim();
    const n = text === '' ? NaN : Number(text);
    const problem = Number.isFinite(n) ? check(n) : `Enter a number${text ? ` (“${text}” is not one)` : ''}.`;
    if (problem) errors[field] = problem;
    else num[field] = n;
  }
  if (!errors.maxNewTokens && maxContext !== null && num.maxNewTokens! >= maxContext) {
    errors.maxNewTokens = `This model holds ${maxContext} tokens in all, prompt included; ask for fewer.`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      maxNewTokens: num.maxNewTokens!,
      keepPromptEnd: d.keepPromptEnd === true,
      sampling: {
        greedy: d.greedy,
        temperature: num.temperature ?? 1,
        topP: num.topP ?? 1,
        topK: num.topK ?? 0,
        repetitionPenalty: num.repetitionPenalty!,
        seed: num.seed ?? 0,
      },
    },
  };
}
