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

describe('a chat dataset draft’s system message', () => {
  const d = { ...presetDraft('preset:toxic-to-polite'), edited: false };
  it('goes into the checked dataset only while the draft is a chat dataset, and only when not blank', () => {
    expect(checkDraft({ ...d, chat: true, system: 'You are a tutor.' }).dataset?.system).toBe('You are a tutor.');
    expect(checkDraft({ ...d, chat: false, system: 'You are a tutor.' }).dataset).toMatchObject({ source: d.source.split('\n') });
    expect(checkDraft({ ...d, chat: false, system: 'You are a tutor.' }).dataset?.system).toBeUndefined();
    expect(checkDraft({ ...d, chat: true, system: '  \n' }).dataset?.system).toBeUndefined();
  });
});
