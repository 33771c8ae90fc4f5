/** The playground's state: GPU, model source and loading, prompt and settings, and the generation in progress. */
import { create } from 'zustand';
import { EngineClient, EngineError } from '../worker/engine-client.ts';
import type { AdapterInfo, LoadProgressEvent, ModelInfo, ModelSource, StopReason } from '../worker/protocol.ts';
import { DEFAULT_SETTINGS, parseSettings, type SettingsDraft, type SettingsField } from './settings.ts';

export interface ServerModel {
  id: string;
  files: { name: string; size: number }[];
  bytes: number;
}

export type SourceKind = 'server' | 'ref' | 'folder';

export interface PickedFolder {
  name: string;
  files: { path: string; file: File }[];
  bytes: number;
}

export interface GenState {
  status: 'idle' | 'running' | 'stopping' | 'done' | 'error';
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
}

export interface AppState {
  gpu: { status: 'checking' | 'ready' | 'unavailable' | 'error'; adapter: AdapterInfo | null; message: string | null };
  serverModels: { status: 'loading' | 'ready'; items: ServerModel[] };
  sourceKind: SourceKind;
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
  gen: GenState;

  init(): void;
  setSourceKind(k: SourceKind): void;
  setServerId(id: string): void;
  setRef(ref: string): void;
  setFolder(files: File[]): void;
  loadModel(): Promise<void>;
  setPrompt(p: string): void;
  setChat(c: boolean): void;
  setSetting<K extends keyof SettingsDraft>(k: K, v: SettingsDraft[K]): void;
  generate(): Promise<void>;
  stop(): Promise<void>;
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
};

let engine: EngineClient | null = null;

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
  serverId: '',
  ref: '',
  folder: null,
  load: { status: 'idle', target: '', progress: null, model: null, error: null },
  prompt: '',
  chat: false,
  settings: DEFAULT_SETTINGS,
  settingsErrors: {},
  gen: IDLE_GEN,

  init() {
    if (engine) return;
    engine = new EngineClient(undefined, {
      onDeviceLost: (e) => {
        set((s) => ({
          load: { ...s.load, status: 'error', model: null, progress: null, error: e.message },
          gen: s.gen.status === 'running' || s.gen.status === 'stopping' ? { ...s.gen, status: 'error', error: e.message } : s.gen,
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
        sourceKind: items.length === 0 && s.sourceKind === 'server' ? 'ref' : s.sourceKind,
      })),
    );
  },

  setSourceKind: (sourceKind) => set({ sourceKind }),
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
    if (s.sourceKind === 'server') {
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
    if (s.gen.status === 'running') void engine.stop();
    set({ load: { status: 'loading', target, progress: null, model: null, error: null } });
    try {
      const model = await engine.load(source, { onProgress: (progress) => set((st) => ({ load: { ...st.load, progress } })) });
      set((st) => ({ load: { status: 'ready', target, progress: null, model, error: null }, chat: st.chat && model.hasChatTemplate }));
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

  async generate() {
    const s = get();
    if (!engine || s.gen.status === 'running' || s.gen.status === 'stopping') return;
    const model = s.load.model;
    const parsed = parseSettings(s.settings, model?.maxContext ?? null);
    if (!parsed.ok) {
      set({ settingsErrors: parsed.errors, gen: { ...s.gen, status: 'error', error: 'Some settings need fixing (see Settings).' } });
      return;
    }
    const chat = s.chat && Boolean(model?.hasChatTemplate);
    const problem = !model ? 'Load a model first.' : !s.prompt ? 'Write a prompt first.' : null;
    if (problem) {
      set({ settingsErrors: {}, gen: { ...s.gen, status: 'error', error: problem } });
      return;
    }
    set({ settingsErrors: {}, gen: { ...IDLE_GEN, status: 'running', prompt: s.prompt, chat } });
    try {
      const r = await engine.generate({ prompt: s.prompt, chat, maxNewTokens: parsed.value.maxNewTokens, sampling: parsed.value.sampling }, (t) => {
        const now = performance.now();
        set((st) => {
          const g = st.gen;
          const firstTokenAt = t.index === 0 ? now : g.firstTokenAt;
          const tokens = t.index + 1;
          const elapsed = (now - firstTokenAt) / 1000;
          return { gen: { ...g, text: t.fullText, tokens, firstTokenAt, lastTokenAt: now, tokensPerSecond: tokens > 1 && elapsed > 0 ? (tokens - 1) / elapsed : g.tokensPerSecond } };
        });
      });
      set((st) => ({
        gen: {
          ...st.gen,
          status: 'done',
          text: r.text,
          tokens: r.tokenIds.length,
          stopReason: r.stopReason,
          tokensPerSecond: r.tokenIds.length > 1 ? r.timings.decodeTokensPerSecond : st.gen.tokensPerSecond,
        },
      }));
    } catch (e) {
      const kind = e instanceof EngineError ? e.kind : 'internal';
      set((st) => ({
        gen: { ...st.gen, status: 'error', error: message(e) },
        load:
          kind === 'gpu'
            ? { ...st.load, status: 'error', model: null, error: 'The model stopped working after a GPU error (see Prompt). Load it again.' }
            : kind === 'no-model'
              ? { ...st.load, status: 'error', model: null, error: 'No model is loaded. Load one first.' }
              : st.load,
      }));
    }
  },

  async stop() {
    const s = get();
    if (!engine || s.gen.status !== 'running') return;
    set({ gen: { ...s.gen, status: 'stopping' } });
    try {
      await engine.stop();
    } catch (e) {
      set((st) => ({ gen: { ...st.gen, status: 'error', error: message(e) } }));
    }
  },
}));
