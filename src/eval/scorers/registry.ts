/** Every scorer an evaluation can use, one entry each. */
import { EvalParamsError } from '../eval-params-error.ts';
import type { EvalParams } from '../types.ts';
import { lexiconScorerKind } from './lexicon-scorer.ts';
import { vaderScorerKind } from './vader-scorer.ts';
import { classifierScorerKind } from './classifier-scorer.ts';
import type { ScorerKind } from './scorer.ts';

export const SCORERS = [lexiconScorerKind, vaderScorerKind, classifierScorerKind] as const;

export type ScorerId = (typeof SCORERS)[number]['id'];

export const DEFAULT_SCORER: ScorerId = 'lexicon';

/** The scorer a sweep uses (the lexicon unless it names another); throws EvalParamsError for an unknown one. */
export function scorerOf(p: EvalParams): ScorerKind {
  const id = p.scorer ?? DEFAULT_SCORER;
  const kind = SCORERS.find((s) => s.id === id);
  if (!kind) throw new EvalParamsError('scorer', `scorer must be one of ${SCORERS.map((s) => `"${s.id}"`).join(', ')}, got ${JSON.stringify(id)}.`);
  return kind;
}
