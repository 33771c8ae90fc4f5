/** LinEAS training settings as the form holds them (text), their defaults (spec section 5) and their checks. */
import type { TrainParams } from '../engine/protocol.ts';

export interface TrainSettingsDraft {
  steps: string;
  lr: string;
  batch: string;
  l1: string;
  group: string;
  seed: string;
}

export type TrainField = keyof TrainSettingsDraft;

export type TrainSettings = Pick<TrainParams, TrainField>;

/** The spec's defaults: 1000 steps, lr 1e-3, batches of 32, no sparsity. */
export const DEFAULT_TRAIN_SETTINGS: TrainSettingsDraft = { steps: '1000', lr: '0.001', batch: '32', l1: '0', group: '0', seed: '0' };

export const TRAIN_FIELDS: { field: TrainField; label: string; hint: string }[] = [
  { field: 'steps', label: 'Steps', hint: 'Optimizer steps (1000 in the paper). Stop keeps what is trained so far.' },
  { field: 'lr', label: 'Learning rate', hint: 'Adam’s peak rate; a cosine schedule lowers it to a thousandth.' },
  { field: 'batch', label: 'Batch', hint: 'Source prompts per step (at most as many as there are).' },
  { field: 'l1', label: 'L1', hint: 'Sparsity per neuron: pushes w toward 1 and b toward 0. 0 is off.' },
  { field: 'group', label: 'Sparse-group', hint: 'Sparsity per hook: can switch whole hooks off. 0 is off.' },
  { field: 'seed', label: 'Seed', hint: 'Shuffles the batches.' },
];

function num(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

export function parseTrainSettings(d: TrainSettingsDraft): { ok: true; value: TrainSettings } | { ok: false; errors: Partial<Record<TrainField, string>> } {
  const errors: Partial<Record<TrainField, string>> = {};
  const steps = num(d.steps);
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 1_000_000)) errors.steps = 'Steps: a whole number from 1 to 1000000.';
  const lr = num(d.lr);
  if (!(Number.isFinite(lr) && lr > 0 && lr <= 10)) errors.lr = 'Learning rate: a number above 0 (like 0.001 or 1e-2), at most 10.';
  const batch = num(d.batch);
  if (!(Number.isInteger(batch) && batch >= 1)) errors.batch = 'Batch: a whole number of at least 1.';
  const l1 = num(d.l1);
  if (!(Number.isFinite(l1) && l1 >= 0)) errors.l1 = 'L1: a number of 0 or more.';
  const group = num(d.group);
  if (!(Number.isFinite(group) && group >= 0)) errors.group = 'Sparse-group: a number of 0 or more.';
  const seed = num(d.seed);
  if (!(Number.isInteger(seed) && Math.abs(seed) <= 2 ** 31)) errors.seed = 'Seed: a whole number.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, value: { steps, lr, batch, l1, group, seed } };
}
