import { describe, expect, it } from 'vitest';
import { readPromptState } from './prompt-state.ts';
import { chosenScorer } from './eval-settings.ts';
import { chatExamplesFor, PRESETS, presetScorer } from './presets.ts';

describe('the prompt box between visits', () => {
  it('reads back what was kept, and starts empty from nothing or from a damaged entry', () => {
    const kept = { prompt: 'Once upon a time', chat: true, chatSystem: 'Be brief.', chatUser: 'Hi' };
    expect(readPromptState(JSON.stringify(kept))).toEqual(kept);
    const empty = { prompt: '', chat: false, chatSystem: '', chatUser: '' };
    expect(readPromptState(null)).toEqual(empty);
    expect(readPromptState('{not json')).toEqual(empty);
    expect(readPromptState('[1,2]')).toEqual(empty);
    expect(readPromptState(JSON.stringify({ prompt: 3, chat: 'yes', chatUser: 'Hi' }))).toEqual({ ...empty, chatUser: 'Hi' });
  });
});

describe("the presets' chat hints", () => {
  const rude = PRESETS.find((p) => p.id === 'preset:toxic-to-polite')!;
  const ocean = PRESETS.find((p) => p.id === 'preset:ocean-topic')!;

  it("offers the draft's preset's example messages, else the chat models' default preset's", () => {
    expect(chatExamplesFor({ kind: 'preset', id: ocean.id })).toEqual({ name: ocean.name, messages: ocean.chatPrompts });
    // sad → happy (for story models) has none; a saved or new dataset has no preset.
    expect(chatExamplesFor({ kind: 'preset', id: 'preset:sad-to-happy' })).toEqual({ name: rude.name, messages: rude.chatPrompts });
    expect(chatExamplesFor({ kind: 'new' })).toEqual({ name: rude.name, messages: rude.chatPrompts });
    expect(rude.chatPrompts?.length).toBe(8);
  });

  it("picks the Evaluate panel's scorer: the user's choice, else the preset's hint, else the lexicon", () => {
    expect(presetScorer({ kind: 'preset', id: rude.id })).toBe('vader');
    expect(chosenScorer(null, { kind: 'preset', id: rude.id })).toBe('vader');
    expect(chosenScorer(null, { kind: 'preset', id: ocean.id })).toBe('lexicon');
    expect(chosenScorer('lexicon', { kind: 'preset', id: rude.id })).toBe('lexicon');
    expect(chosenScorer(null, { kind: 'preset', id: 'preset:sad-to-happy' })).toBe('lexicon');
    expect(chosenScorer(null, { kind: 'saved', id: 'x' })).toBe('lexicon');
  });
});
