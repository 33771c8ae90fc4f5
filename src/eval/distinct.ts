/**
 * Diversity of generated text, distinct-n (as the steering papers report beside perplexity): for one text, the
 * number of different n-grams of words over the number of n-grams; for a set of continuations, the mean over those
 * that have at least one n-gram. Words are the lexicon's (lower-case runs of letters, marks and digits), so
 * punctuation and spacing do not count as diversity. A model stuck repeating itself scores near 0, varied text near 1.
 */
import { lexiconWords } from './lexicon.ts';

/** distinct-n of one text; null when it has fewer than n words. */
export function distinctOf(text: string, n: number): number | null {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`distinct-n needs a whole n ≥ 1, got ${n}`);
  const words = lexiconWords(text);
  const count = words.length - n + 1;
  if (count <= 0) return null;
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add(words.slice(i, i + n).join('\u0000'));
  return seen.size / count;
}

/** Mean distinct-n over the texts that have an n-gram (0 when none has). */
export function meanDistinct(texts: readonly string[], n: number): number {
  let sum = 0;
  let k = 0;
  for (const t of texts) {
    const d = distinctOf(t, n);
    if (d !== null) (sum += d), k++;
  }
  return k === 0 ? 0 : sum / k;
}

export interface Diversity {
  distinct1: number;
  distinct2: number;
  distinct3: number;
}

export function diversityOf(texts: readonly string[]): Diversity {
  return { distinct1: meanDistinct(texts, 1), distinct2: meanDistinct(texts, 2), distinct3: meanDistinct(texts, 3) };
}
