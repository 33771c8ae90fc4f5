/**
 * The built-in prompt datasets, written for this playground, one file each in ./presets/ (the shape and its fields are
 * documented in ./presets/preset-dataset.ts). The first is the one a fresh draft starts from.
 */
import { casualToFormal } from './presets/casual-to-formal.ts';
import { englishToFrench } from './presets/english-to-french.ts';
import { formalToCasual } from './presets/formal-to-casual.ts';
import { negativeToPositive } from './presets/negative-to-positive.ts';
import { oceanTopic } from './presets/ocean-topic.ts';
import type { PresetDataset } from './presets/preset-dataset.ts';
import { rudeToPolite } from './presets/rude-to-polite.ts';
import { sadToHappy } from './presets/sad-to-happy.ts';

export type { PresetDataset } from './presets/preset-dataset.ts';

export const PRESETS: readonly PresetDataset[] = [sadToHappy, rudeToPolite, negativeToPositive, formalToCasual, casualToFormal, oceanTopic, englishToFrench];

/** The preset to start with for a model: sad → happy for models without a chat template, rude → polite otherwise. */
export function defaultPresetFor(hasChatTemplate: boolean): PresetDataset {
  return hasChatTemplate ? rudeToPolite : sadToHappy;
}

/**
 * The preset whose example chat messages the prompt box offers: the dataset draft's preset when it has some, else the
 * chat models' default preset.
 */
export function chatExamplesFor(origin: { kind: string; id?: string }): { name: string; messages: readonly string[] } {
  const fromDraft = origin.kind === 'preset' ? PRESETS.find((p) => p.id === origin.id) : undefined;
  const p = fromDraft?.chatPrompts?.length ? fromDraft : defaultPresetFor(true);
  return { name: p.name, messages: p.chatPrompts ?? [] };
}

/** The scorer a preset suggests for evaluating interventions fitted on it (see PresetDataset.scorer); null when none. */
export function presetScorer(origin: { kind: string; id?: string }): 'lexicon' | 'vader' | null {
  return origin.kind === 'preset' ? (PRESETS.find((p) => p.id === origin.id)?.scorer ?? null) : null;
}
