/**
 * Checks the parameters of a λ sweep (EvalParams) before anything runs. Each problem is reported in plain words that
 * start with the field's name (`lambdas[2] …`, `lexicon.source …`), so the page and the CLI can show them as they are.
 */
import { validateSampling } from '../core/sampler.ts';
import type { EvalParams } from './types.ts';
import { EvalParamsError, isStringList } from './eval-params-error.ts';
import { scorerOf } from './scorers/registry.ts';

export { EvalParamsError } from './eval-params-error.ts';

export const MAX_LAMBDA = 4;
export const MAX_EVAL_NEW_TOKENS = 256;

/** What the checks need to know about the engine's state. */
export interface EvalContext {
  /** Whether any steered hook of the active intervention has a DSAS gate. */
  hasGates: boolean;
  hasChatTemplate: boolean;
}


function textList(field: string, v: unknown, what: string): void {
  if (!isStringList(v)) throw new EvalParamsError(field, `${field} must be a list of texts.`);
  if (v.length === 0) throw new EvalParamsError(field, `${field} is empty: give at least one ${what}.`);
  const blank = v.findIndex((s) => s.trim() === '');
  if (blank >= 0) throw new EvalParamsError(field, `${field}[${blank}] is blank.`);
}

export function checkEvalParams(p: EvalParams, ctx: EvalContext): void {
  textList('prompts', p.prompts, 'prompt whose continuations are scored');
  textList('neutral', p.neutral, 'neutral text (perplexity of the steered model)');

  scorerOf(p).check(p);

  if (!Array.isArray(p.lambdas) || p.lambdas.length === 0) throw new EvalParamsError('lambdas', 'lambdas is empty: give at least one λ.');
  p.lambdas.forEach((l: unknown, i) => {
    if (!(typeof l === 'number' && Number.isFinite(l) && l >= 0 && l <= MAX_LAMBDA)) {
      throw new EvalParamsError('lambdas', `lambdas[${i}] is ${String(l)}; each λ must be a number from 0 to ${MAX_LAMBDA}.`);
    }
  });

  if (p.gates !== 'on' && p.gates !== 'off' && p.gates !== 'both') throw new EvalParamsError('gates', `gates must be "on", "off" or "both", got ${JSON.stringify(p.gates)}.`);
  if (p.gates !== 'off' && !ctx.hasGates) {
    throw new EvalParamsError('gates', `gates "${p.gates}" needs an intervention with DSAS gates; the active one has none (use gates "off").`);
  }

  const n = p.maxNewTokens;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_EVAL_NEW_TOKENS)) {
    throw new EvalParamsError('maxNewTokens', `maxNewTokens must be a whole number from 1 to ${MAX_EVAL_NEW_TOKENS}, got ${String(n)}.`);
  }

  const s = p.sampling as unknown;
  if (typeof s !== 'object' || s === null) throw new EvalParamsError('sampling', 'sampling settings are missing.');
  try {
    validateSampling(p.sampling);
  } catch (e) {
    throw new EvalParamsError('sampling', `sampling: ${(e as Error).message}.`);
  }
  if (!Number.isInteger(p.sampling.seed)) throw new EvalParamsError('sampling.seed', `sampling.seed must be a whole number, got ${String(p.sampling.seed)}.`);

  if (p.system !== undefined) {
    if (typeof p.system !== 'string') throw new EvalParamsError('system', 'system must be a text (the chat system message).');
    if (p.system.trim() && !p.chat) throw new EvalParamsError('system', 'system is a chat system message, but chat is off; turn chat on or leave system out.');
  }
  if (p.chat && !ctx.hasChatTemplate) throw new EvalParamsError('chat', 'chat is on but this model has no chat template; turn it off to use plain completion.');
}
