/**
 * The lexicon scorer (spec section 7, the browser's stand-in for a classifier): counts whole-word matches of a source
 * and a target word list in a text and labels it by which list has more.
 *
 * Matching rules:
 * - Words are maximal runs of Unicode letters, combining marks and digits; everything else (spaces, punctuation,
 *   apostrophes, hyphens) separates words. So "sad" matches "Sad," and "(sad)" but never "sadness" or "unsad", and
 *   "Lily's" is the words "lily" and "s".
 * - Case-insensitive (Unicode lower case), after NFC normalisation.
 * - An entry of several words (a phrase, "very sad") matches those words in a row, whatever separates them in the text.
 * - Every occurrence counts (overlapping ones too), and every entry counts on its own: with "sad" and "very sad" both
 *   listed, "very sad" counts 2. An entry listed twice in one list counts once; an entry with no word in it is ignored.
 * - Label: 'source' when the source count is higher, 'target' when the target count is higher, else 'neutral'.
 */

export interface Lexicon {
  source: readonly string[];
  target: readonly string[];
}

export type LexiconLabel = 'source' | 'target' | 'neutral';

export interface LexiconScore {
  source: number;
  target: number;
  label: LexiconLabel;
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** The words of a text as the scorer sees them: lower-cased, in order. */
export function lexiconWords(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(WORD) ?? [];
}

/** A list's entries as word sequences, each once (entries without words dropped). */
export function compileList(entries: readonly string[]): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const e of entries) {
    const words = lexiconWords(e);
    const key = words.join(' ');
    if (words.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push(words);
  }
  return out;
}

/** Occurrences of the word sequences in `words`. */
function countMatches(words: readonly string[], list: readonly string[][]): number {
  let n = 0;
  for (const phrase of list) {
    for (let i = 0; i + phrase.length <= words.length; i++) {
      let k = 0;
      while (k < phrase.length && words[i + k] === phrase[k]) k++;
      if (k === phrase.length) n++;
    }
  }
  return n;
}

/** A scorer for one lexicon (the lists are compiled once). */
export function lexiconScorer(lexicon: Lexicon): (text: string) => LexiconScore {
  const source = compileList(lexicon.source);
  const target = compileList(lexicon.target);
  return (text) => {
    const words = lexiconWords(text);
    const s = countMatches(words, source);
    const t = countMatches(words, target);
    return { source: s, target: t, label: s > t ? 'source' : t > s ? 'target' : 'neutral' };
  };
}

export function scoreText(text: string, lexicon: Lexicon): LexiconScore {
  return lexiconScorer(lexicon)(text);
}
