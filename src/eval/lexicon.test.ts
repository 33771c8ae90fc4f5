import { describe, expect, it } from 'vitest';
import { compileList, lexiconScorer, lexiconWords, scoreText } from './lexicon.ts';

const MOOD = { source: ['sad', 'cry', 'cried', 'very sad'], target: ['happy', 'smile', 'hug'] };

describe('lexicon scorer', () => {
  it('counts whole words, case-insensitive, through punctuation', () => {
    // sad (Sad,) + cried + sad (sad!) + "very sad" (VERY sad) + sad in it = 5; happy: 1.
    expect(scoreText('Sad, Lily cried. She was sad! "VERY sad," said Mom. Then she was happy.', MOOD)).toEqual({ source: 5, target: 1, label: 'source' });
  });

  it('does not match inside longer words', () => {
    // "sadness", "crying", "unhappy", "smiles", "hugs": none is a listed word.
    expect(scoreText('The sadness and crying made her unhappy; smiles and hugs came later.', MOOD)).toEqual({ source: 0, target: 0, label: 'neutral' });
  });

  it('labels by which list has more, ties are neutral', () => {
    expect(scoreText('She was sad, then happy, then a hug and a smile.', MOOD)).toEqual({ source: 1, target: 3, label: 'target' });
    expect(scoreText('sad happy', MOOD)).toEqual({ source: 1, target: 1, label: 'neutral' });
    expect(scoreText('', MOOD)).toEqual({ source: 0, target: 0, label: 'neutral' });
  });

  it('splits at apostrophes and hyphens, and matches Unicode letters', () => {
    expect(lexiconWords("Lily's well-known CAFÉ, naïve 42x")).toEqual(['lily', 's', 'well', 'known', 'café', 'naïve', '42x']);
    const lex = { source: ['café', 'known'], target: ['lily'] };
    expect(scoreText("Lily's well-known Café", lex)).toEqual({ source: 2, target: 1, label: 'source' });
    // A decomposed é (e + U+0301) is the same word after NFC.
    expect(scoreText('cafe\u0301', lex).source).toBe(1);
    // Letters next to a word are part of it: "cafés" is not "café".
    expect(scoreText('cafés', lex).source).toBe(0);
  });

  it('matches phrases word by word and counts every occurrence', () => {
    const lex = { source: ['very sad', 'ha ha'], target: [] };
    expect(scoreText('Very   sad. very, sad. very happy sad', lex).source).toBe(2);
    // Overlapping occurrences: "ha ha ha" holds "ha ha" at two places.
    expect(scoreText('ha ha ha', lex).source).toBe(2);
  });

  it('ignores duplicate and empty entries', () => {
    expect(compileList(['Sad', 'sad', ' SAD ', '!!', ''])).toEqual([['sad']]);
    const score = lexiconScorer({ source: ['sad', 'Sad'], target: ['...'] });
    expect(score('sad sad')).toEqual({ source: 2, target: 0, label: 'source' });
  });
});
