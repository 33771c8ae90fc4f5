/**
 * The library's state, by concern: the saved records and import / export (library-slice.ts), the dataset editor's
 * draft (draft-slice.ts) and fitting / training jobs (fit-slice.ts); library-store.ts puts them into one store.
 * Nothing the user made is dropped silently: failed saves are reported with a way out (export), deletions are
 * confirmed in the UI, and the draft survives a reload (localStorage).
 */
import type { StateCreator } from 'zustand';
import type { HookName } from '../model/spec.ts';
import type { FitProgressEvent } from '../engine/protocol.ts';
import type { TrainerChoice } from '../steering/lineas/choose-trainer.ts';
import type { FITTABLE_METHODS } from '../steering/methods/registry.ts';
import type { Draft, SetName } from './dataset-draft.ts';
import type { DatasetRecord, InterventionRecord } from './storage/db.ts';
import type { TrainLive } from './train-data.ts';
import type { TrainField, TrainSettingsDraft } from './train-settings.ts';

/** The methods a user fits (closed form) or trains (LinEAS). */
export type FitChoice = (typeof FITTABLE_METHODS)[number]['id'];

export interface FitState {
  status: 'idle' | 'running' | 'stopping' | 'done' | 'error';
  progress: FitProgressEvent | null;
  /** LinEAS: the run in progress or the last one (null for the closed-form methods). */
  train: TrainLive | null;
  /** LinEAS: stopped before its last step (the maps trained so far were kept). */
  stopped: boolean;
  /** LinEAS stopped itself (a non-finite loss, say): what happened; the maps of the last good step were kept. */
  fault: string | null;
  startedAt: number;
  error: string | null;
  issues: string[];
  /** The last fit's library record (kept in memory even when saving it failed). */
  record: InterventionRecord | null;
  saveError: string | null;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}


export interface LibrarySlice {
  status: 'loading' | 'ready' | 'error';
  /** Storage problems (opening, saving, deleting), shown in the library. */
  error: string | null;
  notice: Notice | null;
  /** Saved records that could not be read (kept in storage, not shown), in one sentence; null when none. */
  skipped: string | null;
  interventions: InterventionRecord[];
  datasets: DatasetRecord[];
  /** Import in progress or its outcome (shown where it was asked for). */
  importing: boolean;
  importError: string | null;
  /** Which panel asked for the import (its outcome shows there). */
  importFrom: 'steer' | 'library';

  init(): Promise<void>;
  refresh(): Promise<void>;
  renameDataset(id: string, name: string): Promise<boolean>;
  deleteDataset(id: string): Promise<boolean>;
  exportDataset(id: string): void;
  /** Saves a record in the library; the storage problem in words when it failed (also shown in the library), else null. */
  saveInterventionRecord(rec: InterventionRecord): Promise<string | null>;
  renameIntervention(id: string, name: string): Promise<boolean>;
  deleteIntervention(id: string): Promise<boolean>;
  useIntervention(id: string): Promise<boolean>;
  exportIntervention(rec: InterventionRecord, as?: 'zip' | 'json' | 'safetensors'): void;
  /** Saves the active intervention when it is not in the library (after a failed save). */
  saveActive(): Promise<void>;
  exportActive(): void;
  importFiles(files: File[], opts?: { activate?: boolean }): Promise<InterventionRecord | null>;
}

export interface DraftSlice {
  draft: Draft;
  /** The dataset editor's last save outcome. */
  draftNotice: Notice | null;

  /** Keeps a new draft (in memory and in localStorage). */
  commitDraft(d: Draft): void;
  setDraft(change: Partial<Pick<Draft, 'name' | 'description' | SetName | 'lexicon' | 'chat' | 'system'>>): void;
  /** Replaces the draft (asks first when it has unsaved edits). False when the user kept the draft. */
  replaceDraft(next: Omit<Draft, 'edited'>, confirmed?: boolean): boolean;
  choosePreset(id: string): boolean;
  openDataset(id: string): boolean;
  /** Fills the draft from a dataset file's text (JSON or CSV: all sets; plain text: `into`). */
  readDatasetText(text: string, fileName: string, into?: SetName): string[] | null;
  saveDraft(): Promise<void>;
}

export interface FitSlice {
  fitMethod: FitChoice;
  fitDsas: boolean;
  /** LinEAS settings as typed, and the fields that need fixing. */
  trainSettings: TrainSettingsDraft;
  trainErrors: Partial<Record<TrainField, string>>;
  /** Where LinEAS computes its gradients (auto: GPU, or the CPU for small models on a software adapter). */
  trainer: TrainerChoice;
  /** Hooks to fit (null: the default, attn and mlp of every layer). */
  fitHooks: HookName[] | null;
  fit: FitState;

  setFitMethod(m: FitChoice): void;
  setTrainSetting(field: TrainField, value: string): void;
  setFitDsas(v: boolean): void;
  setTrainer(v: TrainerChoice): void;
  setFitHooks(h: HookName[] | null): void;
  runFit(): Promise<void>;
  stopFit(): Promise<void>;
}

export type LibraryState = LibrarySlice & DraftSlice & FitSlice;

export type LibrarySliceOf<T> = StateCreator<LibraryState, [], [], T>;
