import { describe, expect, it } from 'vitest';
import { MAX_STRENGTH, StrengthError, checkStrength } from './strength.ts';
import { MAX_MAP_VALUE, firstOutOfRange } from './map-limits.ts';

describe('checkStrength', () => {
  it('passes finite λ within ±1000', () => {
    for (const l of [0, 1, -1, 0.5, 1000, -1000]) expect(checkStrength(l)).toBe(l);
  });
  it('refuses NaN, infinities, 1e30 and non-numbers with a StrengthError', () => {
    expect(() => checkStrength(1e30)).toThrow(StrengthError);
    expect(() => checkStrength(1e30)).toThrow('the steering strength λ is 1e+30; it must lie within ±1000 (λ = 1 is the fitted map)');
    expect(() => checkStrength(1000.5)).toThrow(/within ±1000/);
    expect(() => checkStrength(NaN)).toThrow(/must be a number, got NaN/);
    expect(() => checkStrength(-Infinity)).toThrow(/must be finite, got -Infinity/);
    expect(() => checkStrength('2')).toThrow(/must be a number/);
    expect(MAX_STRENGTH).toBe(1000);
  });
});

describe('map value limits', () => {
  it('finds NaN, ±∞ and values beyond ±1e6', () => {
    expect(firstOutOfRange([0, -1e6, 1e6])).toBe(-1);
    expect(firstOutOfRange([0, 3e38])).toBe(1);
    expect(firstOutOfRange([-3e38])).toBe(0);
    expect(firstOutOfRange([1, NaN])).toBe(1);
    expect(firstOutOfRange([Infinity])).toBe(0);
    expect(MAX_MAP_VALUE).toBe(1e6);
  });
});
