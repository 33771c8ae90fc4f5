/**
 * VADER sentiment (the npm package vader-sentiment, a port of Hutto & Gilbert's rule-based scorer) as a registry
 * entry: the value is the compound score in [−1, 1]; a text is negative at compound ≤ −0.05 and positive at ≥ 0.05
 * (VADER's own thresholds). Which of the two is the source side is the sweep's `vaderSource` (default negative: the
 * negative → positive and rude → polite presets).
 */
import vader from 'vader-sentiment';
import { EvalParamsError } from '../eval-params-error.ts';
import type { ScorerKind, TextLabel } from './scorer.ts';

export const VADER_THRESHOLD = 0.05;

export function vaderCompound(text: string): number {
  return vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
}

export function vaderLabel(compound: number, source: 'negative' | 'positive'): TextLabel {
  const side = compound <= -VADER_THRESHOLD ? 'negative' : compound >= VADER_THRESHOLD ? 'positive' : null;
  if (side === null) return 'neutral';
  return side === source ? 'source' : 'target';
}

export const vaderScorerKind: ScorerKind<'vader'> = {
  id: 'vader',
  label: 'VADER sentiment',
  units: 'VADER compound, −1 (negative) to 1 (positive)',
  check(p) {
    if (p.vaderSource !== undefined && p.vaderSource !== 'negative' && p.vaderSource !== 'positive') {
      throw new EvalParamsError('vaderSource', `vaderSource must be "negative" or "positive", got ${JSON.stringify(p.vaderSource)}.`);
    }
  },
  create(p) {
    const source = p.vaderSource ?? 'negative';
    return {
      score(text) {
        const value = vaderCompound(text);
        return { label: vaderLabel(value, source), value };
      },
    };
  },
};
