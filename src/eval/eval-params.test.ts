import { describe, expect, it } from 'vitest';
import type { EvalParams } from './types.ts';
import { checkEvalParams, EvalParamsError } from './eval-params.ts';

const good: EvalParams = {
  prompts: ['Lily was sad.'],
  neutral: ['Tom saw a tree.'],
  lexicon: { source: ['sad'], target: ['happy'] },
  lambdas: [0, 0.5, 4],
  gates: 'both',
  maxNewTokens: 16,
  sampling: { greedy: false, temperature: 1, topP: 0.3, topK: 0, repetitionPenalty: 1.2, seed: 0 },
  chat: false,
};
const ctx = { hasGates: true, hasChatTemplate: false };

function fieldOf(p: EvalParams, c = ctx): string {
  try {
    checkEvalParams(p, c);
  } catch (e) {
    if (e instanceof EvalParamsError) {
      expect(e.message.startsWith(e.field)).toBe(true);
      return e.field;
    }
    throw e;
  }
  return 'ok';
}

describe('checkEvalParams', () => {
  it('accepts good parameters', () => {
    expect(fieldOf(good)).toBe('ok');
    expect(fieldOf({ ...good, gates: 'off' }, { hasGates: false, hasChatTemplate: false })).toBe('ok');
  });

  it('names the field of each problem', () => {
    expect(fieldOf({ ...good, prompts: [] })).toBe('prompts');
    expect(fieldOf({ ...good, prompts: ['a', '  '] })).toBe('prompts');
    expect(fieldOf({ ...good, neutral: [] })).toBe('neutral');
    expect(fieldOf({ ...good, lexicon: { source: [], target: ['happy'] } })).toBe('lexicon.source');
    expect(fieldOf({ ...good, lexicon: { source: ['sad'], target: ['?!'] } })).toBe('lexicon.target');
    expect(fieldOf({ ...good, lambdas: [] })).toBe('lambdas');
    expect(fieldOf({ ...good, lambdas: [0, 4.5] })).toBe('lambdas');
    expect(fieldOf({ ...good, lambdas: [-0.1] })).toBe('lambdas');
    expect(fieldOf({ ...good, lambdas: [NaN] })).toBe('lambdas');
    expect(fieldOf(good, { hasGates: false, hasChatTemplate: false })).toBe('gates');
    expect(fieldOf({ ...good, gates: 'on' }, { hasGates: false, hasChatTemplate: false })).toBe('gates');
    expect(fieldOf({ ...good, maxNewTokens: 0 })).toBe('maxNewTokens');
    expect(fieldOf({ ...good, maxNewTokens: 257 })).toBe('maxNewTokens');
    expect(fieldOf({ ...good, maxNewTokens: 2.5 })).toBe('maxNewTokens');
    expect(fieldOf({ ...good, sampling: { ...good.sampling, topP: 0 } })).toBe('sampling');
    expect(fieldOf({ ...good, sampling: { ...good.sampling, seed: 0.5 } })).toBe('sampling.seed');
    expect(fieldOf({ ...good, chat: true })).toBe('chat');
    expect(fieldOf({ ...good, system: 'Be kind.' })).toBe('system');
    expect(fieldOf({ ...good, system: 3 as unknown as string })).toBe('system');
    expect(fieldOf({ ...good, chat: true, system: 'Be kind.' }, { hasGates: true, hasChatTemplate: true })).toBe('ok');
    expect(fieldOf({ ...good, system: '' })).toBe('ok');
  });

  it('says what is wrong', () => {
    expect(() => checkEvalParams({ ...good, lambdas: [0, 5] }, ctx)).toThrow('lambdas[1] is 5; each λ must be a number from 0 to 4.');
    expect(() => checkEvalParams({ ...good, gates: 'on' }, { hasGates: false, hasChatTemplate: false })).toThrow(/no(ne)? .*gates|has none/);
  });
});
