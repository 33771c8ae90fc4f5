import { describe, expect, it } from 'vitest';
import { evalInterventionFlags } from './eval-interventions.ts';

describe('eval: the swept --intervention and the held ones', () => {
  it('one intervention is swept, nothing held', () => {
    expect(evalInterventionFlags({ intervention: 'a' })).toEqual({ swept: 'a', held: [] });
  });
  it('the first is swept; --strength pairs with the held ones (one for all, or one each in order)', () => {
    expect(evalInterventionFlags({ intervention: ['a', 'b'], strength: ['1'] })).toEqual({ swept: 'a', held: [{ path: 'b', strength: 1 }] });
    expect(evalInterventionFlags({ intervention: ['a', 'b', 'c'], strength: ['0.5'] })).toEqual({ swept: 'a', held: [{ path: 'b', strength: 0.5 }, { path: 'c', strength: 0.5 }] });
    expect(evalInterventionFlags({ intervention: ['a', 'b', 'c'], strength: ['0.5', '2'] })).toEqual({ swept: 'a', held: [{ path: 'b', strength: 0.5 }, { path: 'c', strength: 2 }] });
    expect(evalInterventionFlags({ intervention: ['a', 'b'] })).toEqual({ swept: 'a', held: [{ path: 'b', strength: undefined }] });
  });
  it('refuses a --strength for the swept one, a missing --intervention and counts that do not pair', () => {
    expect(() => evalInterventionFlags({})).toThrow('--intervention is required');
    expect(() => evalInterventionFlags({ intervention: 'a', strength: '1' })).toThrow(/^--strength sets the λ of held interventions .* the swept one takes its λ values from --lambdas$/);
    expect(() => evalInterventionFlags({ intervention: ['a', 'b', 'c'], strength: ['1', '2', '3'] })).toThrow(/^--strength is given 3 times for 3 interventions, but the first --intervention is swept by --lambdas/);
    expect(() => evalInterventionFlags({ intervention: ['a', 'b'], strength: ['1', '2'] })).toThrow(
      '--strength is given 2 times for 2 interventions, but the first --intervention is swept by --lambdas: give one --strength, for the held one',
    );
    expect(() => evalInterventionFlags({ intervention: ['a', 'b', 'c', 'd'], strength: ['1', '2'] })).toThrow(
      '--strength is given 2 times for 3 interventions; give one for all, or one per held --intervention (paired in order) (the held interventions are those after the first, which is swept by --lambdas)',
    );
    expect(() => evalInterventionFlags({ intervention: ['a', 'b'], strength: ['9999'] })).toThrow(/--strength is 9999; it must lie within ±1000/);
  });
});
