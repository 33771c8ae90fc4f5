import { describe, expect, it } from 'vitest';
import { interventionFlags } from './intervention-list.ts';

describe('generate: --intervention / --strength pairing', () => {
  it('strength i goes with intervention i', () => {
    expect(interventionFlags({ intervention: ['a', 'b'], strength: ['0.5', '1.5'] })).toEqual([
      { path: 'a', strength: 0.5 },
      { path: 'b', strength: 1.5 },
    ]);
  });
  it('one --strength applies to every intervention; none leaves each its saved strength', () => {
    expect(interventionFlags({ intervention: ['a', 'b', 'c'], strength: ['2'] })).toEqual([
      { path: 'a', strength: 2 },
      { path: 'b', strength: 2 },
      { path: 'c', strength: 2 },
    ]);
    expect(interventionFlags({ intervention: ['a', 'b'] })).toEqual([
      { path: 'a', strength: undefined },
      { path: 'b', strength: undefined },
    ]);
  });
  it('a single intervention and strength as before (also given as plain strings)', () => {
    expect(interventionFlags({ intervention: 'a', strength: '0.25' })).toEqual([{ path: 'a', strength: 0.25 }]);
    expect(interventionFlags({})).toEqual([]);
  });
  it('refuses counts that do not pair, non-numbers and out-of-range strengths', () => {
    expect(() => interventionFlags({ intervention: ['a', 'b'], strength: ['1', '2', '3'] })).toThrow(
      '--strength is given 3 times for 2 interventions; give one for all, or one per --intervention (paired in order)',
    );
    expect(() => interventionFlags({ strength: ['1', '2'] })).toThrow(/without an --intervention/);
    expect(() => interventionFlags({ intervention: ['a'], strength: ['x'] })).toThrow('--strength needs a number, got x');
    expect(() => interventionFlags({ intervention: ['a', 'b'], strength: ['1', '2e3'] })).toThrow('--strength is 2000; it must lie within ±1000');
  });
});
