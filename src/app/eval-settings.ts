/** Evaluation settings as the form holds them (text), their defaults (spec section 7, scaled down) and their checks. */
import { MAX_EVAL_NEW_TOKENS, MAX_LAMBDA } from '../eval/eval-params.ts';
import type { EvalParams, SamplingSettings } from '../engine/protocol.ts';
import type { ScorerId } from '../eval/scorers/registry.ts';
import { presetScorer } from './presets.ts';

/** The scorers the panel offers (src/eval/scorers/registry.ts has their code). */
export const SCORER_CHOICES: { id: ScorerId; label: string; hint: string }[] = [
  { id: 'lexicon', label: 'Lexicon', hint: 'A continuation is source-like when it has more of the source words than of the target words.' },
  { id: 'vader', label: 'VADER sentiment', hint: 'A continuation is source-like when VADER reads it as negative (compound ≤ −0.05).' },
  { id: 'classifier', label: 'Text classifier', hint: 'A continuation is source-like when the classifier finds the source label the more likely; its value is P(target label).' },
];

/** The scorer an evaluation uses: the one chosen in the panel, else the one the dataset's preset suggests, else the lexicon. */
export function chosenScorer(choice: ScorerId | null, origin: { kind: string; id?: string }): ScorerId {
  return choice ?? presetScorer(origin) ?? 'lexicon';
}

export interface EvalSettingsDraft {
  /** λ values, separated by commas or spaces. */
  lambdas: string;
  newTokens: string;
  prompts: string;
  seed: string;
  temperature: string;
  topP: string;
  repetitionPenalty: string;
}

export type EvalField = keyof EvalSettingsDraft;

export type GateChoice = EvalParams['gates'];

/** λ 0…1 in quarters; 24 new tokens for 8 prompts; the papers' sampling (temperature 1, top-p 0.3, repetition penalty 1.2). */
export const DEFAULT_EVAL_SETTINGS: EvalSettingsDraft = {
  lambdas: '0, 0.25, 0.5, 0.75, 1',
  newTokens: '24',
  prompts: '8',
  seed: '0',
  temperature: '1',
  topP: '0.3',
  repetitionPenalty: '1.2',
};

export { MAX_LAMBDA };
/** More λ values than this make a plot nobody can read (and a long wait). */
export const MAX_LAMBDAS = 21;
const MAX_NEW_TOKENS = MAX_EVAL_NEW_TOKENS;

export const EVAL_FIELDS: { field: EvalField; label: string; hint: string }[] = [
  { field: 'lambdas', label: 'λ values', hint: `Strengths to sweep, from 0 (unsteered) to ${MAX_LAMBDA}, separated by commas.` },
  { field: 'prompts', label: 'Prompts', hint: 'How many of the dataset’s source prompts to continue, from the first.' },
  { field: 'newTokens', label: 'New tokens', hint: 'Per continuation (32 in the papers).' },
  { field: 'seed', label: 'Seed', hint: 'Prompt i samples with seed + i at every λ, so the curves are paired.' },
  { field: 'temperature', label: 'Temperature', hint: '1 in the papers.' },
  { field: 'topP', label: 'Top-p', hint: '0.3 in the papers.' },
  { field: 'repetitionPenalty', label: 'Repetition penalty', hint: '1.2 in the papers; 1 means none.' },
];

export interface EvalSettings {
  lambdas: number[];
  maxNewTokens: number;
  promptCount: number;
  sampling: SamplingSettings;
}

function num(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

/** λ values from text like "0, 0.5 1": numbers in [0, MAX_LAMBDA], duplicates dropped, in the order typed. */
export function parseLambdas(text: string): { ok: true; value: number[] } | { ok: false; error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { ok: false, error: 'λ values: type at least one, like 0, 0.5, 1.' };
  const out: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isFinite(v) || v < 0 || v > MAX_LAMBDA) return { ok: false, error: `λ values: “${p}” is not a number from 0 to ${MAX_LAMBDA}.` };
    if (!out.includes(v)) out.push(v);
  }
  if (out.length > MAX_LAMBDAS) return { ok: false, error: `λ values: at most ${MAX_LAMBDAS} (there are ${out.length}).` };
  return { ok: true, value: out };
}

/**
 * Checks every field. `sourceCount` caps the number of prompts (0: the dataset has none, so any count is an error);
 * `maxContext`, when known, caps the new tokens.
 */
export function parseEvalSettings(
  d: EvalSettingsDraft,
  opts: { sourceCount: number; maxContext?: number | null },
): { ok: true; value: EvalSettings } | { ok: false; errors: Partial<Record<EvalField, string>> } {
  const errors: Partial<Record<EvalField, string>> = {};
  const lambdas = parseLambdas(d.lambdas);
  if (!lambdas.ok) errors.lambdas = lambdas.error;
  const tokens = num(d.newTokens);
  const maxTokens = Math.min(MAX_NEW_TOKENS, opts.maxContext ? opts.maxContext - 1 : MAX_NEW_TOKENS);
  if (!(Number.isInteger(tokens) && tokens >= 1 && tokens <= maxTokens)) errors.newTokens = `New tokens: a whole number from 1 to ${maxTokens}.`;
  const prompts = num(d.prompts);
  if (opts.sourceCount === 0) errors.prompts = 'Prompts: the dataset has no source prompts.';
  else if (!(Number.isInteger(prompts) && prompts >= 1 && prompts <= opts.sourceCount)) errors.prompts = `Prompts: a whole number from 1 to ${opts.sourceCount} (the dataset’s source prompts).`;
  const seed = num(d.seed);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 31)) errors.seed = 'Seed: a whole number of 0 or more.';
  const temperature = num(d.temperature);
  if (!(Number.isFinite(temperature) && temperature > 0 && temperature <= 10)) errors.temperature = 'Temperature: a number above 0, at most 10.';
  const topP = num(d.topP);
  if (!(Number.isFinite(topP) && topP > 0 && topP <= 1)) errors.topP = 'Top-p: a number above 0 and at most 1.';
  const rep = num(d.repetitionPenalty);
  if (!(Number.isFinite(rep) && rep > 0 && rep <= 10)) errors.repetitionPenalty = 'Repetition penalty: a number above 0, at most 10 (1 means none).';
  if (Object.keys(errors).length > 0 || !lambdas.ok) return { ok: false, errors };
  return {
    ok: true,
    value: {
      lambdas: lambdas.value,
      maxNewTokens: tokens,
      promptCount: prompts,
      sampling: { greedy: false, temperature, topP, topK: 0, repetitionPenalty: rep, seed },
    },
  };
}
