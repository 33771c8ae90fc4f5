import { describe, expect, it } from 'vitest';
import { NON_FINITE_BIT, decodeTokenWord, hasNonFinite } from './token-word.ts';

describe('token word', () => {
  it('splits the id and the non-finite flag', () => {
    expect(decodeTokenWord(12345)).toEqual({ tokenId: 12345, nonFinite: false });
    expect(decodeTokenWord((NON_FINITE_BIT | 7) >>> 0)).toEqual({ tokenId: 7, nonFinite: true });
    expect(decodeTokenWord(NON_FINITE_BIT)).toEqual({ tokenId: 0, nonFinite: true });
  });
  it('the CPU twin finds NaN and infinities only in the row', () => {
    expect(hasNonFinite([1, 2, 3e38])).toBe(false);
    expect(hasNonFinite([1, NaN])).toBe(true);
    expect(hasNonFinite([-Infinity, 0])).toBe(true);
    expect(hasNonFinite([NaN, 1, 2], 1, 2)).toBe(false);
  });
});
