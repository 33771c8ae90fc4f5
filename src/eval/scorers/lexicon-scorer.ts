/** The lexicon scorer (src/eval/lexicon.ts) as a registry entry: whole-word counts of the dataset's two word lists. */
import { EvalParamsError, isStringList } from '../eval-params-error.ts';
import { compileList, lexiconScorer } from '../lexicon.ts';
import type { ScorerKind } from './scorer.ts';


export const lexiconScorerKind: ScorerKind<'lexicon'> = {
  id: 'lexicon',
  label: 'Lexicon',
  units: 'source words − target words',
  check(p) {
    const lex = p.lexicon as unknown;
    if (typeof lex !== 'object' || lex === null) throw new EvalParamsError('lexicon', 'lexicon must have "source" and "target" word lists.');
    for (const side of ['source', 'target'] as const) {
      const list = (lex as Record<string, unknown>)[side];
      const field = `lexicon.${side}`;
      if (!isStringList(list)) throw new EvalParamsError(field, `${field} must be a list of words.`);
      if (compileList(list).length === 0) throw new EvalParamsError(field, `${field} is empty: the lexicon needs at least one ${side} word.`);
    }
  },
  create(p) {
    const score = lexiconScorer(p.lexicon!);
    return {
      score(text) {
        const s = score(text);
        return { label: s.label, value: s.source - s.target };
      },
    };
  },
};
