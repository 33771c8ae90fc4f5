/**
 * The playground's state: GPU, model source and loading, prompt and settings, the active intervention and how it is
 * applied, and the generations in progress (steered, and unsteered for the compare view).
 */
import { create } from 'zustand';
import type { HookName } from '../model/spec.ts';
import { EngineClient, EngineError } from '../worker/engine-client.ts';
import type { AdapterInfo, EncodedIntervention, GenerateParams, LoadProgressEvent, ModelInfo, ModelSource, SteeringState, StopReason } from '../worker/protocol.ts';
import { DEFAULT_SETTINGS, parseSettings, type SettingsDraft, type SettingsField } from './settings.ts';

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
  /** The prompt and mode this output belongs to. */
  prompt: string;
  chat: boolean;
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

export interface AppState {
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
  prompt: string;
  chat: boolean;
  settings: SettingsDraft;
  settingsErrors: Partial<Record<SettingsField, string>>;
  /** The main output (steered when an intervention is active). */
  gen: GenState;
  /** The unsteered output of the compare view. */
  base: GenState;
  compare: boolean;
  steer: SteerState;

  init(): void;
  setSourceKind(k: SourceKind): void;
  setCatalogId(id: string): void;
  setServerId(id: string): void;
  setRef(ref: string): void;
  setFolder(files: File[]): void;
  loadModel(): Promise<void>;
  setPrompt(p: string): void;
  setChat(c: boolean): void;
  setSetting<K extends keyof SettingsDraft>(k: K, v: SettingsDraft[K]): void;
  /** Generates from the prompt box, or (re-generation) from the given prompt and mode. */
  generate(from?: { prompt: string; chat: boolean }): Promise<void>;
  stop(): Promise<void>;
  /** Makes an intervention active (null: unsteered), with all its hooks and its gates on. False when the engine refused it. */
  activate(iv: ActiveIntervention | null): Promise<boolean>;
  /** Records an intervention the engine already made active (a fit). */
  adopt(iv: ActiveIntervention, state: SteeringState): void;
  /** Renames / forgets the library entry behind the active intervention. */
  entryChanged(id: string, change: { name: string } | null): void;
  setStrength(v: number): void;
  setUseGate(v: boolean): Promise<void>;
  setSteerHooks(hooks: HookName[]): Promise<void>;
  setCompare(v: boolean): void;
}

const IDLE_GEN: GenState = {
  status: 'idle',
  prompt: '',
  chat: false,
  text: '',
  tokens: 0,
  firstTokenAt: 0,
  lastTokenAt: 0,
  tokensPerSecond: null,
  stopReason: null,
  error: null,
  items: [],
  promptItems: [],
  lead: '',
  hooks: [],
  strength: null,
};

const NO_STEER: SteerState = { active: null, strength: 1, useGate: true, hooks: [], gatedHooks: [], busy: false, error: null };

/** Live controls re-generate this long after the last change. */
export const REGENERATE_DELAY_MS = 300;

let engine: EngineClient | null = null;

export function getEngine(): EngineClient | null {
  return engine;
}

/** Counts model loads, so a cached unsteered output is not reused across models. */
let loadCount = 0;
/** What the cached unsteered output (state.base) was generated from. */
let baseKey = '';
/** A re-generation asked for while one runs: it starts when the current one has stopped. */
let regenQueued = false;
/** The prompt the queued re-generation uses (undefined: the prompt box). */
let regenFrom: { prompt: string; chat: boolean } | undefined;
/** The user pressed Stop: skip the rest of a compare run. */
let stopRequested = false;
let regenTimer: ReturnType<typeof setTimeout> | null = null;
/** Long engine jobs that generation waits for: a fit or training (the library store) and an evaluation (eval-store). */
export type EngineJob = 'fit' | 'eval';
const busyChecks: Partial<Record<EngineJob, () => boolean>> = {};

/** Tells the generation side how to see whether a fit / an evaluation is running (their stores own them). */
export function setBusyCheck(job: EngineJob, fn: () => boolean): void {
  busyChecks[job] = fn;
}

/** The long job the engine is running now (generation and the other jobs must not start meanwhile), or null. */
export function engineBusyWith(): EngineJob | null {
  for (const job of ['fit', 'eval'] as const) if (busyChecks[job]?.()) return job;
  return null;
}
let strengthTimer: ReturnType<typeof setTimeout> | null = null;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function fetchServerModels(): Promise<ServerModel[]> {
  try {
    const res = await fetch('/models/index.json', { cache: 'no-store' });
    if (!res.ok || !(res.headers.get('Content-Type') ?? '').includes('json')) return [];
    const list = (await res.json()) as { id: string; files: { name: string; size: number }[] }[];
    if (!Array.isArray(list)) return [];
    return list
      .filter((m) => typeof m?.id === 'string' && Array.isArray(m.files))
      .map((m) => ({ id: m.id, files: m.files, bytes: m.files.reduce((n, f) => n + (f.size || 0), 0) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  } catch {
    return []; // a static host has no model list: the other sources still work
  }
}

export const useApp = create<AppState>()((set, get) => ({
  gpu: { status: 'checking', adapter: null, message: null },
  serverModels: { status: 'loading', items: [] },
  sourceKind: 'server',
  catalogId: '',
  serverId: '',
  ref: '',
  folder: null,
  load: { status: 'idle', target: '', progress: null, model: null, error: null },
  prompt: '',
  chat: false,
  settings: DEFAULT_SETTINGS,
  settingsErrors: {},
  gen: IDLE_GEN,
  base: IDLE_GEN,
  compare: false,
  steer: NO_STEER,

  init() {
    if (engine) return;
    engine = new EngineClient(undefined, {
      onDeviceLost: (e) => {
        set((s) => ({
          load: { ...s.load, status: 'error', model: null, progress: null, error: e.message },
          gen: isBusy(s.gen) ? { ...s.gen, status: 'error', error: e.message } : s.gen,
          base: isBusy(s.base) ? { ...s.base, status: 'error', error: e.message } : s.base,
          steer: { ...s.steer, gatedHooks: [] },
        }));
      },
    });
    engine.adapter().then(
      (adapter) => set({ gpu: { status: 'ready', adapter, message: null } }),
      (e) => set({ gpu: { status: e instanceof EngineError && e.kind === 'webgpu' ? 'unavailable' : 'error', adapter: null, message: message(e) } }),
    );
    void fetchServerModels().then((items) =>
      set((s) => ({
        serverModels: { status: 'ready', items },
        sourceKind: items.length === 0 && s.sourceKind === 'server' ? 'catalog' : s.sourceKind,
      })),
    );
  },

  setSourceKind: (sourceKind) => set({ sourceKind }),
  setCatalogId: (catalogId) => set({ catalogId, sourceKind: 'catalog' }),
  setServerId: (serverId) => set({ serverId, sourceKind: 'server' }),
  setRef: (ref) => set({ ref }),
  setFolder(files) {
    if (files.length === 0) return;
    const withPath = files.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    const name = withPath[0].path.includes('/') ? withPath[0].path.split('/')[0] : 'folder';
    set({ folder: { name, files: withPath, bytes: files.reduce((n, f) => n + f.size, 0) }, sourceKind: 'folder' });
  },

  async loadModel() {
    const s = get();
    if (!engine || s.load.status === 'loading') return;
    let source: ModelSource;
    let target: string;
    let missing: string | null = null;
    if (s.sourceKind === 'catalog') {
      source = { kind: 'ref', ref: s.catalogId };
      target = s.catalogId;
      if (!s.catalogId) missing = 'Choose a model from the catalog first.';
    } else if (s.sourceKind === 'server') {
      source = { kind: 'ref', ref: s.serverId };
      target = s.serverId;
      if (!s.serverId) missing = 'Choose a model folder first.';
    } else if (s.sourceKind === 'ref') {
      target = s.ref.trim();
      source = { kind: 'ref', ref: target };
      if (!target) missing = 'Type a Hugging Face model id (owner/name) or a URL first.';
    } else {
      target = s.folder?.name ?? '';
      source = { kind: 'files', id: target, files: s.folder?.files ?? [] };
      if (!s.folder) missing = 'Open a local folder first.';
    }
    if (missing) {
      set({ load: { ...s.load, status: s.load.model ? 'ready' : 'error', error: missing } });
      return;
    }
    if (isBusy(s.gen) || isBusy(s.base)) {
      stopRequested = true;
      void engine.stop();
    }
    set({ load: { status: 'loading', target, progress: null, model: null, error: null } });
    try {
      const model = await engine.load(source, { onProgress: (progress) => set((st) => ({ load: { ...st.load, progress } })) });
      loadCount++;
      set((st) => ({ load: { status: 'ready', target, progress: null, model, error: null }, chat: st.chat && model.hasChatTemplate }));
      // The engine forgets the intervention with the old model: apply it again if it fits this one.
      const active = get().steer.active;
      if (active) {
        const st = get().steer;
        try {
          const r = await engine.setIntervention(active.files, { strength: st.strength, useGate: st.useGate, hooks: st.hooks });
          set((x) => ({ steer: { ...x.steer, gatedHooks: r.gatedHooks, error: null } }));
        } catch (e) {
          set((x) => ({ steer: { ...x.steer, active: null, hooks: [], gatedHooks: [], error: `“${active.name}” does not fit ${model.id}, so nothing is steered now. ${message(e)}` } }));
        }
      }
    } catch (e) {
      set({ load: { status: 'error', target, progress: null, model: null, error: `Could not load ${target}. ${message(e)}` } });
    }
  },

  setPrompt: (prompt) => set({ prompt }),
  setChat: (chat) => set({ chat }),
  setSetting(k, v) {
    set((s) => {
      const settingsErrors = { ...s.settingsErrors };
      if (k !== 'greedy') delete settingsErrors[k as SettingsField];
      return { settings: { ...s.settings, [k]: v }, settingsErrors };
    });
  },

  async generate(from) {
    const s = get();
    if (!engine) return;
    if (isBusy(s.gen) || isBusy(s.base)) {
      // Running already: stop it and start again with the current settings.
      regenQueued = true;
      regenFrom = from;
      void engine.stop('generate');
      return;
    }
    // While a fit or an evaluation runs, generation would only queue behind it; a fit re-generates when it is done.
    if (engineBusyWith() !== null) return;
    const model = s.load.model;
    const parsed = parseSettings(s.settings, model?.maxContext ?? null);
    if (!parsed.ok) {
      set({ settingsErrors: parsed.errors, gen: { ...s.gen, status: 'error', error: 'Some settings need fixing (see Settings).' } });
      return;
    }
    const prompt = from ? from.prompt : s.prompt;
    const chat = (from ? from.chat : s.chat) && Boolean(model?.hasChatTemplate);
    const problem = !model ? 'Load a model first.' : !prompt ? 'Write a prompt first.' : null;
    if (problem) {
      set({ settingsErrors: {}, gen: { ...s.gen, status: 'error', error: problem } });
      return;
    }
    const params: GenerateParams = { prompt, chat, maxNewTokens: parsed.value.maxNewTokens, sampling: parsed.value.sampling };
    const steered = s.steer.active !== null && s.steer.hooks.length > 0;
    const wantBase = s.compare && steered;
    const key = JSON.stringify([loadCount, params]);
    const needBase = wantBase && !(baseKey === key && s.base.status === 'done');
    stopRequested = false;
    if (strengthTimer) {
      clearTimeout(strengthTimer);
      strengthTimer = null;
    }
    const start = (strength: number | null, hooks: HookName[]): GenState => ({ ...IDLE_GEN, status: 'running', prompt, chat, strength, hooks });
    set({
      settingsErrors: {},
      gen: { ...start(steered ? s.steer.strength : null, steered && s.steer.useGate ? s.steer.gatedHooks : []), status: needBase ? 'queued' : 'running' },
      base: needBase ? start(null, []) : wantBase ? s.base : IDLE_GEN,
    });
    try {
      if (steered) await engine.setStrength(s.steer.strength);
      if (needBase) {
        baseKey = '';
        const reason = await runInto('base', { ...params, unsteered: true });
        if (reason !== null && reason !== 'aborted') baseKey = key;
        if (reason === null) {
          set((st) => ({ gen: { ...st.gen, status: 'error', error: 'The unsteered run failed (see its side), so the steered one did not start.' } }));
          return;
        }
        if (reason === 'aborted') {
          set((st) => ({ gen: { ...st.gen, status: 'done', stopReason: 'aborted' } }));
          return;
        }
        set((st) => ({ gen: { ...st.gen, status: 'running' } }));
      }
      await runInto('gen', params);
    } catch (e) {
      set((st) => ({ gen: { ...st.gen, status: 'error', error: message(e) } }));
    } finally {
      if (regenQueued) {
        regenQueued = false;
        void get().generate(regenFrom);
      }
    }
  },

  async stop() {
    const s = get();
    if (!engine || !(isBusy(s.gen) || isBusy(s.base))) return;
    stopRequested = true;
    regenQueued = false;
    if (regenTimer) clearTimeout(regenTimer);
    set((st) => ({
      gen: isBusy(st.gen) ? { ...st.gen, status: 'stopping' } : st.gen,
      base: isBusy(st.base) ? { ...st.base, status: 'stopping' } : st.base,
    }));
    try {
      await engine.stop('generate');
    } catch (e) {
      set((st) => ({ gen: { ...st.gen, status: 'error', error: message(e) } }));
    }
  },

  async activate(iv) {
    if (!engine) return false;
    const s = get();
    if (!s.load.model) {
      set({ steer: { ...s.steer, error: 'Load a model first, then choose an intervention.' } });
      return false;
    }
    set({ steer: { ...s.steer, busy: true, error: null } });
    // The output on screen re-generates with the new steering: do not wait for the old run to finish.
    if (isBusy(s.gen) || isBusy(s.base)) void engine.stop('generate');
    try {
      const opts = { strength: s.steer.strength, useGate: iv?.hasGates ?? true, hooks: iv?.hooks };
      const r = await engine.setIntervention(iv?.files ?? null, opts);
      set((st) => ({ steer: { ...st.steer, active: iv, useGate: r.useGate, hooks: r.activeHooks, gatedHooks: r.gatedHooks, busy: false, error: null } }));
      scheduleRegenerate();
      return true;
    } catch (e) {
      set((st) => ({ steer: { ...st.steer, busy: false, error: `Could not use “${iv?.name ?? 'no intervention'}”: ${message(e)}` } }));
      return false;
    }
  },

  adopt(iv, r) {
    set((st) => ({ steer: { ...st.steer, active: iv, strength: r.strength, useGate: r.useGate, hooks: r.activeHooks, gatedHooks: r.gatedHooks, busy: false, error: null } }));
    scheduleRegenerate();
  },

  entryChanged(id, change) {
    const a = get().steer.active;
    if (!a || a.entryId !== id) return;
    set((st) => ({ steer: { ...st.steer, active: change ? { ...a, name: change.name } : { ...a, entryId: null } } }));
  },

  setStrength(v) {
    if (!Number.isFinite(v)) return;
    set((st) => ({ steer: { ...st.steer, strength: v } }));
    if (strengthTimer) clearTimeout(strengthTimer);
    strengthTimer = setTimeout(() => {
      strengthTimer = null;
      // With an output on screen, the re-generation sends λ; without one, tell the engine now.
      if (get().gen.status === 'idle') void engine?.setStrength(get().steer.strength).catch(() => undefined);
    }, REGENERATE_DELAY_MS);
    scheduleRegenerate();
  },

  async setUseGate(v) {
    await updateSteering({ useGate: v });
  },

  async setSteerHooks(hooks) {
    await updateSteering({ hooks });
  },

  setCompare(v) {
    set({ compare: v });
    if (v) scheduleRegenerate();
  },
}));

async function updateSteering(change: { useGate?: boolean; hooks?: HookName[] }): Promise<void> {
  const s = useApp.getState();
  if (!engine || !s.steer.active) return;
  const before = s.steer;
  useApp.setState({ steer: { ...before, ...change, busy: true, error: null } });
  if (isBusy(s.gen) || isBusy(s.base)) void engine.stop('generate');
  try {
    const r = await engine.updateSteering(change);
    useApp.setState((st) => ({ steer: { ...st.steer, useGate: r.useGate, hooks: r.activeHooks, gatedHooks: r.gatedHooks, busy: false } }));
    scheduleRegenerate();
  } catch (e) {
    useApp.setState((st) => ({ steer: { ...st.steer, useGate: before.useGate, hooks: before.hooks, busy: false, error: message(e) } }));
  }
}

/** After a change to the steering, generate again (same prompt, settings and seed) once the controls rest. */
function scheduleRegenerate(): void {
  if (regenTimer) clearTimeout(regenTimer);
  regenTimer = setTimeout(() => {
    regenTimer = null;
    const s = useApp.getState();
    if (!s.load.model || s.gen.status === 'idle' || !s.gen.prompt) return;
    // Re-generate what is on screen: the prompt and mode it was made from (the prompt box may hold a new draft).
    void s.generate({ prompt: s.gen.prompt, chat: s.gen.chat });
  }, REGENERATE_DELAY_MS);
}

/** Runs one generation into `gen` or `base`, streaming tokens into it. Its stop reason, or null when it failed. */
async function runInto(target: 'gen' | 'base', params: GenerateParams): Promise<StopReason | null> {
  const set = useApp.setState;
  const patch = (fn: (g: GenState) => Partial<GenState>) => set((st) => ({ [target]: { ...st[target], ...fn(st[target]) } }) as Partial<AppState>);
  try {
    const r = await engine!.generate(params, (t) => {
      const now = performance.now();
      patch((g) => {
        const firstTokenAt = t.index === 0 ? now : g.firstTokenAt;
        const tokens = t.index + 1;
        const elapsed = (now - firstTokenAt) / 1000;
        return {
          text: t.fullText,
          tokens,
          firstTokenAt,
          lastTokenAt: now,
          tokensPerSecond: tokens > 1 && elapsed > 0 ? (tokens - 1) / elapsed : g.tokensPerSecond,
          items: [...g.items, { text: t.text, s: t.strengths }],
          lead: t.index === 0 ? (t.lead ?? '') : g.lead,
        };
      });
    });
    patch((g) => ({
      status: 'done',
      text: r.text,
      tokens: r.tokenIds.length,
      stopReason: r.stopReason,
      tokensPerSecond: r.tokenIds.length > 1 ? r.timings.decodeTokensPerSecond : g.tokensPerSecond,
      hooks: r.hooks,
      strength: r.strength,
      items: g.items.map((it, i) => ({ text: it.text, s: r.strengths[i] ?? it.s })),
      promptItems: (r.promptTokens ?? []).map((text, i) => ({ text, s: r.promptStrengths[i] ?? [] })),
    }));
    return r.stopReason;
  } catch (e) {
    const kind = e instanceof EngineError ? e.kind : 'internal';
    set((st) => ({
      [target]: { ...st[target], status: 'error', error: message(e) },
      load:
        kind === 'gpu'
          ? { ...st.load, status: 'error', model: null, error: 'The model stopped working after a GPU error (see Prompt). Load it again.' }
          : kind === 'no-model'
            ? { ...st.load, status: 'error', model: null, error: 'No model is loaded. Load one first.' }
            : st.load,
    }) as Partial<AppState>);
    return null;
  }
}
