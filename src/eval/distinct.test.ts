import { describe, expect, it } from 'vitest';
import { distinctOf, diversityOf, meanDistinct } from './distinct.ts';

describe('distinct-n', () => {
  it('counts different word n-grams over all n-grams (hand-computed)', () => {
    // words: the cat saw the cat → unigrams 5, distinct {the, cat, saw} = 3; bigrams 4: the cat, cat saw, saw the, the cat → 3
    expect(distinctOf('The cat saw the cat.', 1)).toBeCloseTo(3 / 5, 12);
    expect(distinctOf('The cat saw the cat.', 2)).toBeCloseTo(3 / 4, 12);
    expect(distinctOf('The cat saw the cat.', 3)).toBe(1); // the cat saw, cat saw the, saw the cat
  });

  it('a text repeating one word is 1/length at n = 1 and 1/(length − 1) at n = 2', () => {
    expect(distinctOf('no no no no', 1)).toBe(0.25);
    expect(distinctOf('no no no no', 2)).toBeCloseTo(1 / 3, 12);
  });

  it('ignores case and punctuation, and texts too short for n', () => {
    expect(distinctOf('Sea, sea! SEA?', 1)).toBeCloseTo(1 / 3, 12);
    expect(distinctOf('one', 2)).toBeNull();
    expect(distinctOf('', 1)).toBeNull();
    expect(meanDistinct(['one', 'a b'], 2)).toBe(1);
    expect(meanDistinct(['', '!!'], 1)).toBe(0);
  });

  it('averages over texts', () => {
    const d = diversityOf(['a a', 'a b']);
    expect(d.distinct1).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(d.distinct2).toBe(1);
    expect(d.distinct3).toBe(0);
  });

  it('refuses a bad n', () => {
    expect(() => distinctOf('a b', 0)).toThrow(/n ≥ 1/);
    expect(() => distinctOf('a b', 1.5)).toThrow(/n ≥ 1/);
  });
});
