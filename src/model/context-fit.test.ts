import { describe, expect, it } from 'vitest';
import { ContextOverflowError, fitPromptToContext } from './context-fit.ts';

const base = { maxContext: 10, maxNewTokens: 4, truncate: false, keepFirst: 1, chat: false };
const ids = [1, 11, 12, 13, 14, 15, 16, 17]; // BOS + 7

describe('fitPromptToContext', () => {
  it('leaves a prompt that fits alone (6 + 4 = 10)', () => {
    expect(fitPromptToContext(ids.slice(0, 6), base)).toEqual({ ids: [1, 11, 12, 13, 14, 15], cut: 0 });
  });

  it('refuses one that does not, with the numbers and what to do', () => {
    expect(() => fitPromptToContext(ids, base)).toThrow(ContextOverflowError);
    expect(() => fitPromptToContext(ids, base)).toThrow(
      "The prompt (8 tokens) plus 4 new tokens is longer than the model's context of 10 tokens: shorten it, ask for fewer new tokens, or choose “Keep the end of a long prompt” (Settings).",
    );
  });

  it('when chosen, keeps the BOS and the last tokens that fit: 1 + 5 + 4 new = 10', () => {
    expect(fitPromptToContext(ids, { ...base, truncate: true })).toEqual({ ids: [1, 13, 14, 15, 16, 17], cut: 2 });
    expect(fitPromptToContext(ids, { ...base, truncate: true, keepFirst: 0 })).toEqual({ ids: [12, 13, 14, 15, 16, 17], cut: 2 });
  });

  it('cannot cut a chat prompt, nor make room when the new tokens alone fill the context', () => {
    expect(() => fitPromptToContext(ids, { ...base, truncate: true, chat: true })).toThrow(/a chat prompt cannot be cut/);
    expect(() => fitPromptToContext(ids, { ...base, truncate: true, maxNewTokens: 9 })).toThrow(/ask for fewer than 9 new tokens/);
    expect(() => fitPromptToContext(ids, { ...base, truncate: true, maxNewTokens: 12 })).toThrow(/ask for fewer than 9 new tokens/);
  });
});
