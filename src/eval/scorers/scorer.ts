/**
 * A scorer turns one continuation into a label (source-like, target-like or neither: the effect counts source-like
 * ones) and a number in the scorer's own units (its mean is reported per point). One file per scorer in this folder;
 * registry.ts lists them, so a new scorer is a new file plus one line there.
 */
import type { EvalParams } from '../types.ts';

export type TextLabel = 'source' | 'target' | 'neutral';

export interface TextScore {
  label: TextLabel;
  /** The scorer's number for the text (see ScorerKind.units). */
  value: number;
}

export interface TextScorer {
  score(text: string): TextScore | Promise<TextScore>;
}

/** How far a scorer is in loading what it needs (a classifier's download): bytes of all its files. */
export interface ScorerLoadProgress {
  /** What is loading, for people ("classifier Xenova/toxic-bert"). */
  what: string;
  loaded: number;
  /** 0 while unknown. */
  total: number;
}

export interface ScorerCreateOptions {
  onLoad?: (p: ScorerLoadProgress) => void;
}

export interface ScorerKind<Id extends string = string> {
  id: Id;
  /** The name people read. */
  label: string;
  /** What `value` is, in a few words ("source words − target words"). */
  units: string;
  /** Checks what the scorer needs from the sweep's parameters, throwing EvalParamsError naming the field. */
  check(p: EvalParams): void;
  /** A scorer for this sweep (loading what it needs once, reporting the load to `o.onLoad`). */
  create(p: EvalParams, o?: ScorerCreateOptions): TextScorer | Promise<TextScorer>;
}
