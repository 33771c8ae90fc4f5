// The evaluation's request and result types (spec section 7); the worker protocol re-exports them.
import type { SamplingSettings } from '../core/sampler.ts';
import type { HookName } from '../model/spec.ts';
import type { Diversity } from './distinct.ts';

/**
 * A λ sweep of the active intervention (spec section 7, scaled to the browser): for each gate setting and λ, sampled
 * continuations of `prompts` scored by the lexicon (the effect) and two perplexities (the utility).
 */
export interface EvalParams {
  /** Prompts whose continuations are scored (the effect). Usually the dataset's source prompts. */
  prompts: string[];
  /** Neutral texts whose perplexity under the steered model is one utility measure. Usually the control prompts. */
  neutral: string[];
  /** How continuations are scored (src/eval/scorers/registry.ts; default the lexicon). */
  scorer?: string;
  /** The lexicon scorer's word lists; a continuation is source-like when it has more source words than target words (see src/eval/lexicon.ts). */
  lexicon?: { source: string[]; target: string[] };
  /** The VADER scorer's source side (default negative: steering towards positive). */
  vaderSource?: 'negative' | 'positive';
  /** The classifier scorer's model and which of its labels are the source and target sides (src/eval/scorers/classifier-scorer.ts). */
  classifier?: ClassifierChoice;
  /** λ values, each in [0, 4], evaluated in this order. */
  lambdas: number[];
  /** Sweep with the DSAS gates on, off, or both ('on' and 'both' need an intervention with gates). */
  gates: 'on' | 'off' | 'both';
  /** New tokens per continuation (1–256). */
  maxNewTokens: number;
  /** How the continuations are sampled; prompt i uses seed `sampling.seed + i` at every λ, so the curves are paired. */
  sampling: SamplingSettings;
  /** Render prompts with the chat template (as in GenerateParams). */
  chat: boolean;
  /**
   * Which active intervention is swept (its index in the order they are applied; default 0, the first). Every other
   * active one is held: applied at its own λ, gate switch and hooks, in its place in the order, as generation applies
   * them, so λ = 0 of the swept one means "the others only".
   */
  intervention?: number;
  /** Chat only: a system message before each prompt (a chat dataset's `system`; blank or absent: none). */
  system?: string;
}

/** An active intervention held at its own strength during a sweep of another one. */
export interface HeldIntervention {
  /** Its place in the order the interventions are applied (the swept one has its own). */
  index: number;
  modelId: string;
  method: string;
  /** The hooks it steers (its active ones). */
  hooks: HookName[];
  strength: number;
  useGate: boolean;
}

/**
 * A text-classification model (a hub id, or a folder the dev server serves under /models/) and the labels (as its
 * config.json's id2label names them) that mark source and target text. Without a target label the target side is
 * "not the source label".
 */
export interface ClassifierChoice {
  model: string;
  sourceLabel: string;
  targetLabel?: string;
}

/** One point of a sweep. */
export interface EvalPoint {
  lambda: number;
  /** Whether the gates were used. */
  gated: boolean;
  /** Share of continuations scored source-like, 0–1 (lower: stronger effect). */
  effect: number;
  /** Share scored target-like, 0–1. */
  targetShare: number;
  /** The scorer's mean value over the continuations (its units: ScorerKind.units); absent in runs saved before scorers. */
  meanScore?: number;
  /** Perplexity of the neutral texts under the steered model (token-weighted over all texts). */
  neutralPerplexity: number;
  /** Perplexity of the continuations under the unsteered model (token-weighted), given their prompts. */
  generationPerplexity: number;
  /** Diversity of the continuations: mean distinct-1/2/3 over words (src/eval/distinct.ts); absent in runs saved before it. */
  diversity?: Diversity;
  /** Mean gate value over the continuations' tokens and gated hooks; null when not gated. */
  meanStrength: number | null;
  /** The continuations (generated text only), in prompt order. */
  continuations: string[];
}

export interface EvalProgressEvent {
  /** Continuations and neutral-text scorings done / to do, over the whole sweep. */
  done: number;
  total: number;
  lambda: number;
  gated: boolean;
  /** Set while the scorer is still loading (a classifier's download), before the first continuation. */
  scorerLoad?: { what: string; loaded: number; total: number };
}

export interface EvalDone {
  /** What was evaluated: the swept intervention (index: its place in the order the active ones are applied). */
  intervention: { modelId: string; method: string; hooks: HookName[]; hasGates: boolean; index: number };
  /** The other active interventions, applied unchanged at every point (empty: the swept one alone). */
  held: HeldIntervention[];
  /** The scorer of the effect, its name and what its values are. */
  scorer?: { id: string; label: string; units: string };
  /** In sweep order: gate settings (gated first when both), then λ. */
  points: EvalPoint[];
  /** Stopped early: `points` holds the finished ones. */
  aborted: boolean;
  /** Why it stopped early when it failed (a lost GPU, say) after some points had finished. */
  failure?: string;
  evalMs: number;
}
