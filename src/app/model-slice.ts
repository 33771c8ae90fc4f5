/** The model slice: the GPU, where the model comes from, and loading it (the active intervention is put back after). */
import { EngineError } from '../worker/engine-client.ts';
import type { ModelSource } from '../engine/protocol.ts';
import { getEngine, startEngine } from './engine-jobs.ts';
import { hubSettingsOf, loadHubDraft, storeHubDraft } from './hub-settings.ts';
import { reapplyExtras } from './steer-slice.ts';
import { isBusy, message, type ModelSlice, type ServerModel, type Slice } from './app-state.ts';

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

/** Automatic reloads after a lost GPU within a minute: a device lost again and again is not retried forever. */
const RECOVERIES_PER_MINUTE = 3;

/** "The GPU stopped working (destroyed)" from the engine's message, without its advice (the app reloads itself). */
const lossText = (message: string) => message.replace(/\s*Load the model again\.?$/, '').replace(/\.$/, '');

export const createModelSlice: Slice<ModelSlice> = (set, get) => {
  /** What was loaded last (the picked files too), so a lost GPU can be recovered from without asking. */
  let lastLoad: { source: ModelSource; target: string } | null = null;
  const recoveries: number[] = [];

  /** Loads `source` and puts the active intervention back; `lost` says the load recovers from a lost GPU. */
  const loadFrom = async (source: ModelSource, target: string, lost?: string): Promise<void> => {
    const engine = getEngine();
    if (!engine) return;
    set({ load: { status: 'loading', target, progress: null, model: null, error: null, notice: lost ? `${lost}. Loading ${target} again on a new GPU device…` : null } });
    try {
      const model = await engine.load(source, { onProgress: (progress) => set((st) => ({ load: { ...st.load, progress } })) });
      lastLoad = { source, target };
      set((st) => ({ load: { status: 'ready', target, progress: null, model, error: null, notice: st.load.notice }, loadCount: st.loadCount + 1, chat: st.chat && model.hasChatTemplate }));
      // The engine forgets the intervention with the old model: apply it again if it fits this one.
      const active = get().steer.active;
      let putBack = '';
      if (active) {
        const st = get().steer;
        try {
          const first = await engine.setIntervention(active.files, { strength: st.strength, useGate: st.useGate, hooks: st.hooks });
          const { kept, state: r, errors } = await reapplyExtras(engine, st.extra, first);
          set((x) => ({ steer: { ...x.steer, gatedHooks: r.gatedHooks, gateInterventions: r.gateInterventions, extra: kept, error: errors.length ? errors.join(' ') : null } }));
          putBack = ` and “${active.name}”${kept.length ? ` (with ${kept.length} more)` : ''} is steering again`;
        } catch (e) {
          set((x) => ({ steer: { ...x.steer, active: null, hooks: [], gatedHooks: [], gateInterventions: [], extra: [], error: `“${active.name}” does not fit ${model.id}, so nothing is steered now. ${message(e)}` } }));
        }
      }
      if (lost) {
        const notice = `${lost}: ${target} was loaded again on a new GPU device${putBack}. Prompts, settings, datasets and interventions are as they were.`;
        set((st) => ({ load: { ...st.load, notice } }));
      }
    } catch (e) {
      const why = lost ? `${lost}, and loading ${target} again failed. ${message(e)}` : `Could not load ${target}. ${message(e)}`;
      set({ load: { status: 'error', target, progress: null, model: null, error: why, notice: null } });
    }
  };

  const onDeviceLost = (text: string) => {
    const s = get();
    const lost = lossText(text);
    const wasReady = s.load.status === 'ready' && s.load.model !== null;
    set((st) => ({
      gpuLosses: st.gpuLosses + 1,
      gen: isBusy(st.gen) ? { ...st.gen, status: 'error', error: `${lost}, so this generation stopped. Generate again once the model is back.` } : st.gen,
      base: isBusy(st.base) ? { ...st.base, status: 'error', error: `${lost}, so this generation stopped.` } : st.base,
      steer: { ...st.steer, gatedHooks: [], gateInterventions: [] },
    }));
    const now = Date.now();
    while (recoveries.length > 0 && now - recoveries[0] > 60_000) recoveries.shift();
    if (!wasReady || !lastLoad || recoveries.length >= RECOVERIES_PER_MINUTE) {
      const again = recoveries.length >= RECOVERIES_PER_MINUTE ? ' It was lost again soon after the last reload, so it is not reloaded by itself: Load the model again when the GPU is free.' : ' Load the model again.';
      // A load running now fails on its own and says so; otherwise the model is gone.
      if (s.load.status !== 'loading') set((st) => ({ load: { ...st.load, status: 'error', model: null, progress: null, error: `${lost}.${again}`, notice: null } }));
      return;
    }
    recoveries.push(now);
    void loadFrom(lastLoad.source, lastLoad.target, lost);
  };

  return {
    gpu: { status: 'checking', adapter: null, message: null },
    serverModels: { status: 'loading', items: [] },
    sourceKind: 'server',
    catalogId: '',
    serverId: '',
    ref: '',
    folder: null,
    hub: loadHubDraft(),
    load: { status: 'idle', target: '', progress: null, model: null, error: null },
    loadCount: 0,
    gpuLosses: 0,

    init() {
      if (getEngine()) return;
      const engine = startEngine({ onDeviceLost: (e) => onDeviceLost(e.message) });
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
    setHub(patch) {
      const hub = { ...get().hub, ...patch };
      storeHubDraft(hub);
      set({ hub });
    },
    setFolder(files) {
      if (files.length === 0) return;
      const withPath = files.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
      const name = withPath[0].path.includes('/') ? withPath[0].path.split('/')[0] : 'folder';
      set({ folder: { name, files: withPath, bytes: files.reduce((n, f) => n + f.size, 0) }, sourceKind: 'folder' });
    },

    async loadModel() {
      const s = get();
      const engine = getEngine();
      if (!engine || s.load.status === 'loading') return;
      let source: ModelSource;
      let target: string;
      let missing: string | null = null;
      const hub = hubSettingsOf(s.hub);
      if (s.sourceKind === 'catalog') {
        source = { kind: 'ref', ref: s.catalogId, hub: hub.ok ? hub.hub : undefined };
        target = s.catalogId;
        if (!s.catalogId) missing = 'Choose a model from the catalog first.';
      } else if (s.sourceKind === 'server') {
        source = { kind: 'ref', ref: s.serverId };
        target = s.serverId;
        if (!s.serverId) missing = 'Choose a model folder first.';
      } else if (s.sourceKind === 'ref') {
        target = s.ref.trim();
        source = { kind: 'ref', ref: target, hub: hub.ok ? hub.hub : undefined };
        if (!target) missing = 'Type a Hugging Face model id (owner/name) or a URL first.';
      } else {
        target = s.folder?.name ?? '';
        source = { kind: 'files', id: target, files: s.folder?.files ?? [] };
        if (!s.folder) missing = 'Open a local folder first.';
      }
      if (!missing && !hub.ok && (s.sourceKind === 'catalog' || s.sourceKind === 'ref')) missing = `Hub settings: ${hub.message}`;
      if (missing) {
        set({ load: { ...s.load, status: s.load.model ? 'ready' : 'error', error: missing } });
        return;
      }
      if (isBusy(s.gen) || isBusy(s.base)) void engine.stop();
      await loadFrom(source, target);
    },
  };
};
