import { describe, expect, it } from 'vitest';
import { checkDraft, presetDraft } from './dataset-draft.ts';

describe('a chat dataset draft', () => {
  it('checks into a dataset marked chat (what fitting sends), and a raw one stays unmarked', () => {
    const d = { ...presetDraft('preset:toxic-to-polite'), edited: false };
    expect(checkDraft(d).dataset?.chat).toBeUndefined();
    const chat = checkDraft({ ...d, chat: true }).dataset;
    expect(chat?.chat).toBe(true);
    expect(chat?.source).toEqual(checkDraft(d).dataset?.source);
  });
});
