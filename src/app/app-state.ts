/**
 * The playground's state, by concern: the model (GPU, source, loading: model-slice.ts), generation (prompt,
 * settings, the outputs and the compare view: generation-slice.ts) and steering (the active intervention and how it
 * is applied: steer-slice.ts). store.ts puts the slices into one store, useApp.
 */
import type { StateCreator } from 'zustand';
import type { HookName } from '../model/spec.ts';
import type { AdapterInfo, EncodedIntervention, LoadProgressEvent, ModelInfo, SteeringState, StopReason } from '../engine/protocol.ts';
import type { SettingsDraft, SettingsField } from './settings.ts';

export interface ServerModel {
  id: string;
  files: { name: string; size: number }[];
  bytes: number;
}

export type SourceKind = 'catalog' | 'server' | 'ref' | 'folder';

export interface PickedFolder {
  name: string;
  files: { path: string; file: File }[];
  bytes: number;
}

/** One generated token: the text it added and its gate value at each gated hook. */
export interface TokenItem {
  text: string;
  s: number[];
}

export interface GenState {
  /** queued: waits for the unsteered run of the compare view. */
  status: 'idle' | 'queued' | 'running' | 'stopping' | 'done' | 'error';
  /** The prompt (in chat mode the user message) and mode this output belongs to. */
  prompt: string;
  chat: boolean;
  /** Chat mode: the system message it ran with ('' when none). */
  system: string;
  text: string;
  tokens: number;
  firstTokenAt: number;
  lastTokenAt: number;
  tokensPerSecond: number | null;
  stopReason: StopReason | null;
  error: string | null;
  items: TokenItem[];
  /** The prompt's tokens with their gate values (when gated; filled when the run is done). */
  promptItems: TokenItem[];
  /** Whitespace between the prompt and the generated text (see TokenEvent.lead). */
  lead: string;
  /** Gated hooks: the columns of each token's `s`. */
  hooks: HookName[];
  /** λ it ran with (null: unsteered). */
  strength: number | null;
}

/** The intervention the engine steers with, with its two files (kept to re-apply it after a model load). */
export interface ActiveIntervention {
  /** Library id (null: not in the library). */
  entryId: string | null;
  name: string;
  modelId: string;
  method: string;
  hooks: HookName[];
  hasGates: boolean;
  files: EncodedIntervention;
}

export interface SteerState {
  active: ActiveIntervention | null;
  /** λ as the slider shows it. */
  strength: number;
  useGate: boolean;
  /** The intervention's hooks that steer now. */
  hooks: HookName[];
  /** Hooks whose gates run now (from the engine). */
  gatedHooks: HookName[];
  busy: boolean;
  error: string | null;
}


/** A job (generation, fit, evaluation) that is running or stopping. */
export const isRunning = (job: { status: string }) => job.status === 'running' || job.status === 'stopping';
export const isBusy = (g: GenState) => isRunning(g) || g.status === 'queued';


export interface ModelSlice {
  gpu: { status: 'checking' | 'ready' | 'unavailable' | 'error'; adapter: AdapterInfo | null; message: string | null };
  serverModels: { status: 'loading' | 'ready'; items: ServerModel[] };
  sourceKind: SourceKind;
  /** Hub id of the chosen catalog model (catalog.ts). */
  catalogId: string;
  serverId: string;
  ref: string;
  folder: PickedFolder | null;
  load: {
    status: 'idle' | 'loading' | 'ready' | 'error';
    /** What is being (or was last) loaded, for messages. */
    target: string;
    progress: LoadProgressEvent | null;
    model: ModelInfo | null;
    error: string | null;
  };
  /** Counts model loads, so a kept unsteered output is not reused across models. */
  loadCount: number;

  init(): void;
  setSourceKind(k: SourceKind): void;
  setCatalogId(id: string): void;
  setServerId(id: string): void;
  setRef(ref: string): void;
  setFolder(files: File[]): void;
  loadModel(): Promise<void>;
}

/** What a generation runs from: the raw prompt, or (chat) the user message after an optional system message. */
export interface PromptSource {
  prompt: string;
  chat: boolean;
  system?: string;
}

export interface GenerationSlice {
  /** The Raw text box. */
  prompt: string;
  /** Chat mode (only used when the model has a chat template). */
  chat: boolean;
  /** Chat mode's messages, kept apart from the raw text so switching loses nothing. */
  chatSystem: string;
  chatUser: string;
  settings: SettingsDraft;
  settingsErrors: Partial<Record<SettingsField, string>>;
  /** The main output (steered when an intervention is active). */
  gen: GenState;
  /** The unsteered output of the compare view. */
  base: GenState;
  /** What the kept unsteered output (`base`) was generated from ('' when none is kept). */
  baseKey: string;
  /** A re-generation asked for while one runs: it starts when the current one has stopped (from: its prompt, or the prompt box). */
  regen: { queued: boolean; from?: PromptSource };
  compare: boolean;

  setPrompt(p: string): void;
  setChat(c: boolean): void;
  setChatMessage(which: 'system' | 'user', text: string): void;
  setSetting<K extends keyof SettingsDraft>(k: K, v: SettingsDraft[K]): void;
  /** Generates from the prompt box, or (re-generation) from the given prompt and mode. */
  generate(from?: PromptSource): Promise<void>;
  stop(): Promise<void>;
  setCompare(v: boolean): void;
}

export interface SteerSlice {
  steer: SteerState;

  /** Makes an intervention active (null: unsteered), with all its hooks and its gates on. False when the engine refused it. */
  activate(iv: ActiveIntervention | null): Promise<boolean>;
  /** Records an intervention the engine already made active (a fit). */
  adopt(iv: ActiveIntervention, state: SteeringState): void;
  /** Renames / forgets the library entry behind the active intervention. */
  entryChanged(id: string, change: { name: string } | null): void;
  setStrength(v: number): void;
  setUseGate(v: boolean): Promise<void>;
  setSteerHooks(hooks: HookName[]): Promise<void>;
}

export type AppState = ModelSlice & GenerationSlice & SteerSlice;

/** One slice of useApp: sees (and may set) the whole state. */
export type Slice<T> = StateCreator<AppState, [], [], T>;

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
