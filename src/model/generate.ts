/**
 * The token loop: prefill the prompt, then one step per token, streaming tokens and per-token steering strengths.
 * Each step is one command submission and one small readback: the next token is chosen on the GPU (argmax, or the
 * sampling kernel with the seed's n-th uniform for the n-th sampled token, so a seed always gives the same text).
 */
import type { HookName } from './spec.ts';
import type { LoadedModel } from './load-model.ts';
import { isGreedy, validateSampling, type SamplingOptions } from '../core/sampler.ts';

/** The logits of a step were not finite: generation stops instead of emitting token 0 (or garbage) silently. */
export class NonFiniteLogitsError extends Error {
  override name = 'NonFiniteLogitsError';
  constructor(readonly tokenIndex: number) {
    super(
      `generation stopped: the logits for generated token ${tokenIndex} are not finite (NaN or infinity). ` +
        'The model weights hold NaN/infinity or overflow float32, or the active steering (its values or strength λ) does: ' +
        'try without the intervention or with a smaller λ, and check the model file.',
    );
  }
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  stopStrings?: string[];
  /** Token ids that end the text besides the tokenizer's end-of-sequence ids (a chat template's end of turn). */
  stopTokenIds?: number[];
  /** Keep going past an end-of-sequence token (reference comparisons). */
  ignoreEos?: boolean;
  signal?: AbortSignal;
  onToken?: (token: GeneratedToken) => void;
}

export interface GeneratedToken {
  index: number;
  tokenId: number;
  /** Text so far (generated part only). */
  text: string;
  /** Gate value of each gated hook at this token (empty without gates). */
  strengths: number[];
}

export interface GenerateResult {
  promptTokenIds: number[];
  tokenIds: number[];
  text: string;
  stopReason: 'eos' | 'max-tokens' | 'stop-string' | 'aborted';
  /** Gated hooks, in forward order: the columns of the strength rows. */
  hooks: HookName[];
  /** Gate values per prompt token and per generated token (rows of `hooks.length`). */
  promptStrengths: number[][];
  strengths: number[][];
  /**
   * decodeSteps: one-token forward steps after the prefill (one per generated token but the last; with gated hooks
   * the last token is fed too, for its strengths). decodeTokensPerSecond is decodeSteps per second: the decoder's
   * rate, which a gated run's extra step would otherwise skew by 1/tokens.
   */
  timings: { prefillMs: number; decodeMs: number; decodeSteps: number; decodeTokensPerSecond: number };
}

export async function generate(m: LoadedModel, promptIds: number[], o: GenerateOptions): Promise<GenerateResult> {
  validateSampling(o);
  if (!(Number.isInteger(o.maxNewTokens) && o.maxNewTokens >= 0)) throw new Error(`max new tokens must be a whole number ≥ 0, got ${o.maxNewTokens}`);
  if (promptIds.length === 0) throw new Error('the prompt is empty');
  const model = m.model;
  const needed = promptIds.length + o.maxNewTokens;
  if (needed > model.maxContext) {
    throw new Error(`the prompt (${promptIds.length} tokens) plus ${o.maxNewTokens} new tokens exceeds this model's context of ${model.maxContext} tokens`);
  }
  const greedy = isGreedy(o);
  let samples = 0;
  const penaltyValue = o.repetitionPenalty ?? 1;
  const history = [...promptIds];
  const out: number[] = [];
  const strengths: number[][] = [];
  let stopReason: GenerateResult['stopReason'] = 'max-tokens';
  let text = '';
  const step = async (ids: number[], pos: number, wantToken: boolean) =>
    model.run(ids, pos, {
      logits: 'none',
      argmax: wantToken && greedy,
      sample: wantToken && !greedy ? { temperature: o.temperature ?? 1, topK: o.topK ?? 0, topP: o.topP ?? 1, seed: o.seed ?? 0, counter: samples++ } : undefined,
      penalty: wantToken && penaltyValue !== 1 ? { ids: history, value: penaltyValue } : undefined,
    });
  const pick = (r: Awaited<ReturnType<typeof step>>) => {
    if (r.nonFiniteLogits) throw new NonFiniteLogitsError(out.length);
    return r.tokenId!;
  };

  const t0 = performance.now();
  const first = await step(promptIds, 0, o.maxNewTokens > 0);
  const promptStrengths = first.strengths.map((s) => Array.from(s));
  const t1 = performance.now();
  let next = o.maxNewTokens > 0 ? pick(first) : -1;
  let pos = promptIds.length;
  let decodeSteps = 0;
  while (out.length < o.maxNewTokens) {
    if (o.signal?.aborted) {
      stopReason = 'aborted';
      break;
    }
    out.push(next);
    history.push(next);
    const isEos = !o.ignoreEos && (m.tokenizer.eosTokenIds.includes(next) || (o.stopTokenIds?.includes(next) ?? false));
    text = m.tokenizer.decode(out);
    const stop = o.stopStrings?.find((s) => s.length > 0 && text.includes(s));
    const done = isEos || stop !== undefined || out.length >= o.maxNewTokens;
    // Feed the new token: gives its steering strengths and (unless done) the next token.
    const needStrengthsOnly = done && model.gatedHooks.length > 0;
    if (!done || needStrengthsOnly) {
      const r = await step([next], pos, !done);
      pos += 1;
      decodeSteps += 1;
      strengths.push(r.strengths[0] ? Array.from(r.strengths[0]) : []);
      if (!done) next = pick(r);
    } else {
      strengths.push([]);
    }
    o.onToken?.({ index: out.length - 1, tokenId: out[out.length - 1], text, strengths: strengths[strengths.length - 1] });
    if (isEos) {
      stopReason = 'eos';
      break;
    }
    if (stop !== undefined) {
      text = text.slice(0, text.indexOf(stop));
      stopReason = 'stop-string';
      break;
    }
  }
  const t2 = performance.now();
  const decodeMs = t2 - t1;
  return {
    promptTokenIds: promptIds,
    tokenIds: out,
    text,
    stopReason,
    hooks: [...model.gatedHooks],
    promptStrengths,
    strengths,
    timings: { prefillMs: t1 - t0, decodeMs, decodeSteps, decodeTokensPerSecond: decodeSteps > 0 ? (decodeSteps * 1000) / decodeMs : 0 },
  };
}
