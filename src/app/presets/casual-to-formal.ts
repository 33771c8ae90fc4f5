/**
 * Casual → formal for chat models: formal-to-casual.ts's pairs the other way round (its casual sentences are the
 * source here, its formal ones the target, its lexicon swapped), with chat messages typed casually.
 */
import { formalToCasual } from './formal-to-casual.ts';
import type { PresetDataset } from './preset-dataset.ts';

export const casualToFormal: PresetDataset = {
  id: 'preset:casual-to-formal',
  name: 'Casual → formal',
  description: 'Relaxed casual chat to formal letter style saying the same thing. For instruction-tuned models.',
  audience: 'instruct',
  scorer: 'lexicon',
  lexicon: { source: [...formalToCasual.lexicon!.target], target: [...formalToCasual.lexicon!.source] },
  source: [...formalToCasual.target],
  target: [...formalToCasual.source],
  control: [...formalToCasual.control],
  chatPrompts: [
    'hey, what should I do this weekend?',
    'can u tell me a fun fact about space?',
    'my friend is mad at me, what do I do lol',
    'whats a good snack before football practice?',
    'tell my mate I cant make it to the party tonight',
    'any tips for not being nervous before a test?',
    'write a quick message saying thanks for the birthday present',
    'how do I ask my boss for friday off?',
  ],
};
