/**
 * A λ sweep of an intervention (spec section 7, scaled to the browser). For each gate setting (gated first) and each
 * λ, with the maps applied at that λ:
 * - effect: prompt i is continued with the sampling settings and seed `seed + i` (the same at every λ, so the curves
 *   are paired), and each continuation is labelled by the lexicon;
 * - utility: the perplexity of the neutral texts under the steered model (every token after the first, BOS included
 *   as context), and of the continuations under the unsteered model given their prompts (every generated token, an
 *   end-of-sequence token included).
 * The maps are set once per gate setting and λ is changed in place (GpuModel.setLambda: no rebuild, no new gate
 * projection). With several active interventions one is swept and the others are held: applied at their own λ, gate
 * switch and hooks, in the same order as generation applies them, so λ = 0 means "the others only" (the swept one's
 * gate setting changes only its own gates; its mean strength averages only its own gate columns). The continuations'
 * perplexity is still scored under the unsteered model (no intervention at all). The caller owns the engine's steering state: the sweep leaves the model unsteered or steered, and the
 * caller restores its own settings afterwards (also after an error or a stop).
 */
import type { GpuModel, SteeringConfig } from '../model/gpu/gpu-model.ts';
import { encodePrompt, endOfTurn, RAW, withEndOfTurn } from '../model/chat-format.ts';
import { generate } from '../model/generate.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { EvalParams, EvalPoint, EvalProgressEvent } from './types.ts';
import { EvalParamsError } from './eval-params.ts';
import { scorerOf } from './scorers/registry.ts';
import { diversityOf } from './distinct.ts';
import { modelNll } from './model-nll.ts';
import { pooledPerplexity, type NllSum } from './perplexity.ts';

export interface SweepOptions {
  /** The active interventions in the order they are applied (each its steered hooks, λ and gate switch). */
  steering: SteeringConfig[];
  /** Which of them is swept (its λ and gate switch come from the params); the others are applied as given. */
  swept: number;
  /** Stops after the current continuation; the unfinished point is dropped. */
  signal?: AbortSignal;
  /** One event per continuation and one per point's neutral texts. */
  onProgress?: (p: EvalProgressEvent) => void;
}

export interface SweepResult {
  points: EvalPoint[];
  aborted: boolean;
  /**
   * Why the sweep failed part-way (a lost GPU, say), when points had finished before: they are kept (their generation
   * perplexity NaN when it could not be scored) and the sweep counts as aborted. A failure before any point throws.
   */
  failure?: string;
}

/** Gate settings in sweep order. */
export function gateSettings(gates: EvalParams['gates']): boolean[] {
  return gates === 'both' ? [true, false] : [gates === 'on'];
}

/** Runs the sweep; `checkEvalParams` must have passed. */
export async function runSweep(m: LoadedModel, p: EvalParams, o: SweepOptions): Promise<SweepResult> {
  const model = m.model;
  // The same formatting as generation, fitting and training (chat-format.ts); a chat reply ends at the end of its turn.
  const promptIds = p.prompts.map((text) => encodePrompt(m.tokenizer, text, p.chat ? { chat: true, system: p.system } : RAW));
  const turnEnd = p.chat ? withEndOfTurn(endOfTurn(m.tokenizer), undefined) : {};
  const neutralIds = p.neutral.map((text) => m.tokenizer.encode(text));
  checkFits(model, promptIds, neutralIds, p.maxNewTokens);
  const gates = gateSettings(p.gates);
  const total = gates.length * p.lambdas.length * (p.prompts.length + p.neutral.length);
  const scorer = await scorerOf(p).create(p, {
    onLoad: (scorerLoad) => o.onProgress?.({ done: 0, total, lambda: p.lambdas[0], gated: gates[0], scorerLoad }),
  });
  let done = 0;
  const points: EvalPoint[] = [];
  const stopped = () => o.signal?.aborted === true;
  const s = p.sampling;
  /** The gate columns (GpuModel.gateSlots) that are the swept intervention's, under the steering set now. */
  let ownColumns: number[] = [];

  /** One λ's continuations (labelled) and neutral perplexity under the steering set now; null when stopped. */
  const steeredPoint = async (lambda: number, gated: boolean): Promise<{ point: EvalPoint; tokenIds: number[][] } | null> => {
    const progress = () => o.onProgress?.({ done, total, lambda, gated });
    const continuations: string[] = [];
    const tokenIds: number[][] = [];
    let effectCount = 0;
    let scoreSum = 0;
    let targetCount = 0;
    let strengthSum = 0;
    let strengthCount = 0;
    for (let i = 0; i < promptIds.length; i++) {
      if (stopped()) return null;
      const r = await generate(m, promptIds[i], {
        maxNewTokens: p.maxNewTokens,
        greedy: s.greedy,
        ...(s.greedy ? {} : { temperature: s.temperature, topP: s.topP, topK: s.topK, seed: s.seed + i }),
        repetitionPenalty: s.repetitionPenalty,
        ...turnEnd,
        signal: o.signal,
      });
      if (r.stopReason === 'aborted') return null;
      continuations.push(r.text);
      tokenIds.push(r.tokenIds);
      const { label, value } = await scorer.score(r.text);
      scoreSum += value;
      if (label === 'source') effectCount++;
      if (label === 'target') targetCount++;
      for (const row of r.strengths) for (const j of ownColumns) (strengthSum += row[j]), strengthCount++;
      done++;
      progress();
    }
    const neutral: NllSum[] = [];
    for (const ids of neutralIds) {
      if (stopped()) return null;
      neutral.push(await modelNll(model, ids, 1));
    }
    done += neutralIds.length;
    progress();
    const point: EvalPoint = {
      lambda,
      gated,
      effect: effectCount / promptIds.length,
      targetShare: targetCount / promptIds.length,
      meanScore: scoreSum / promptIds.length,
      diversity: diversityOf(continuations),
      neutralPerplexity: pooledPerplexity(neutral),
      generationPerplexity: NaN, // scored unsteered once the gate setting is done
      meanStrength: gated && strengthCount > 0 ? strengthSum / strengthCount : null,
      continuations,
    };
    return { point, tokenIds };
  };

  // Per gate setting: the maps are set once and λ changes in place (no rebuild); the continuations are scored under
  // the unsteered model once the setting's λs are done (or the sweep stops), so steering is switched twice a setting.
  for (const gated of gates) {
    const pending: { point: EvalPoint; tokenIds: number[][] }[] = [];
    let aborted = false;
    try {
      const steering: SteeringConfig[] = o.steering.map((c, i) => (i === o.swept ? { maps: c.maps, lambda: p.lambdas[0], useGate: gated } : c));
      model.setSteering(steering);
      ownColumns = model.gateSlots.flatMap((g, j) => (g.intervention === o.swept ? [j] : []));
      for (const lambda of p.lambdas) {
        model.setLambda(lambda, o.swept);
        const r = await steeredPoint(lambda, gated);
        if (!r) {
          aborted = true;
          break;
        }
        pending.push(r);
      }
      model.setSteering(null);
      for (const entry of pending) {
        const { point, tokenIds } = entry;
        const generated: NllSum[] = [];
        for (let i = 0; i < promptIds.length; i++) generated.push(await modelNll(model, [...promptIds[i], ...tokenIds[i]], promptIds[i].length));
        point.generationPerplexity = pooledPerplexity(generated);
        points.push(point);
      }
    } catch (e) {
      // Points already finished are the user's results: keep them (unscored ones with NaN) and say what went wrong.
      for (const { point } of pending) if (!points.includes(point)) points.push(point);
      if (points.length === 0) throw e;
      return { points, aborted: true, failure: e instanceof Error ? e.message : String(e) };
    }
    if (aborted) return { points, aborted: true };
  }
  return { points, aborted: false };
}

/** Every prompt plus the new tokens, and every neutral text, must fit the model's context. */
function checkFits(model: GpuModel, prompts: number[][], neutral: number[][], maxNewTokens: number): void {
  prompts.forEach((ids, i) => {
    if (ids.length + maxNewTokens > model.maxContext) {
      throw new EvalParamsError('prompts', `prompts[${i}] is ${ids.length} tokens; with ${maxNewTokens} new tokens it exceeds this model's context of ${model.maxContext}.`);
    }
  });
  neutral.forEach((ids, i) => {
    if (ids.length > model.maxContext) throw new EvalParamsError('neutral', `neutral[${i}] is ${ids.length} tokens, over this model's context of ${model.maxContext}.`);
  });
}
