/** The Evaluate panel's classifier fields (the classifier scorer's model and labels) as text, and their check. */
import type { ClassifierChoice } from '../engine/protocol.ts';
import { DEFAULT_CLASSIFIER } from '../eval/scorers/classifier-scorer.ts';

export interface ClassifierDraft {
  model: string;
  sourceLabel: string;
  /** Blank: the target side is "not the source label". */
  targetLabel: string;
}

export type ClassifierField = keyof ClassifierDraft;

export const DEFAULT_CLASSIFIER_DRAFT: ClassifierDraft = { ...DEFAULT_CLASSIFIER };

export const CLASSIFIER_FIELDS: { field: ClassifierField; label: string; hint: string }[] = [
  {
    field: 'model',
    label: 'Classifier model',
    hint: 'A hub id of a text-classification model with ONNX weights (Xenova/…), downloaded on first use and kept in this browser, or a model folder the server lists.',
  },
  { field: 'sourceLabel', label: 'Source label', hint: 'The model’s label for source-like text, as its config names it (NEGATIVE, toxic…).' },
  { field: 'targetLabel', label: 'Target label', hint: 'The label for target-like text; blank: anything not the source label.' },
];

/** The classifier choice from the fields (trimmed), or the first problem in words. */
export function parseClassifierDraft(d: ClassifierDraft): { ok: true; value: ClassifierChoice } | { ok: false; field: ClassifierField; error: string } {
  const model = d.model.trim();
  const sourceLabel = d.sourceLabel.trim();
  const targetLabel = d.targetLabel.trim();
  if (model === '') return { ok: false, field: 'model', error: 'Classifier model: give a hub id (like Xenova/toxic-bert) or a model folder’s name.' };
  if (/\s/.test(model)) return { ok: false, field: 'model', error: `Classifier model: “${model}” has a space; a hub id looks like owner/name.` };
  if (sourceLabel === '') return { ok: false, field: 'sourceLabel', error: 'Source label: give the model’s label for source-like text.' };
  if (targetLabel === sourceLabel) return { ok: false, field: 'targetLabel', error: `Target label: “${targetLabel}” is the source label too.` };
  return { ok: true, value: { model, sourceLabel, ...(targetLabel ? { targetLabel } : {}) } };
}

/** "classifier Xenova/toxic-bert (toxic → not toxic)". */
export function classifierName(c: ClassifierChoice): string {
  return `classifier ${c.model} (${c.sourceLabel} → ${c.targetLabel ?? `not ${c.sourceLabel}`})`;
}
