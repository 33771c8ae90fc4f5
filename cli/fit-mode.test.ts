import { describe, expect, it } from 'vitest';
import { fitModeFlag } from './fit.ts';

describe('fit --mode', () => {
  it('is incremental or independent, absent by default, and anything else is refused', () => {
    expect(fitModeFlag({})).toBeUndefined();
    expect(fitModeFlag({ mode: 'independent' })).toBe('independent');
    expect(fitModeFlag({ mode: 'incremental' })).toBe('incremental');
    expect(() => fitModeFlag({ mode: 'fast' })).toThrow('--mode must be incremental or independent, got "fast"');
    expect(() => fitModeFlag({ mode: true })).toThrow('--mode needs a value');
  });
});
