/** The model slice: the GPU, where the model comes from, and loading it (the active intervention is put back after). */
import { EngineError } from '../worker/engine-client.ts';
import type { ModelSource } from '../engine/protocol.ts';
import { getEngine, startEngine } from './engine-jobs.ts';
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

export const createModelSlice: Slice<ModelSlice> = (set, get) => ({
  gpu: { status: 'checking', adapter: null, message: null },
  serverModels: { status: 'loading', items: [] },
  sourceKind: 'server',
  catalogId: '',
  serverId: '',
  ref: '',
  folder: null,
  load: { status: 'idle', target: '', progress: null, model: null, error: null },
  loadCount: 0,

  init() {
    if (getEngine()) return;
    const engine = startEngine({
      onDeviceLost: (e) => {
        set((s) => ({
          load: { ...s.load, status: 'error', model: null, progress: null, error: e.message },
          gen: isBusy(s.gen) ? { ...s.gen, status: 'error', error: e.message } : s.gen,
          base: isBusy(s.base) ? { ...s.base, status: 'error', error: e.message } : s.base,
          steer: { ...s.steer, gatedHooks: [], gateInterventions: [] },
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
    const engine = getEngine();
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
    if (isBusy(s.gen) || isBusy(s.base)) void engine.stop();
    set({ load: { status: 'loading', target, progress: null, model: null, error: null } });
    try {
      const model = await engine.load(source, { onProgress: (progress) => set((st) => ({ load: { ...st.load, progress } })) });
      set((st) => ({ load: { status: 'ready', target, progress: null, model, error: null }, loadCount: st.loadCount + 1, chat: st.chat && model.hasChatTemplate }));
      // The engine forgets the intervention with the old model: apply it again if it fits this one.
      const active = get().steer.active;
      if (active) {
        const st = get().steer;
        try {
          const first = await engine.setIntervention(active.files, { strength: st.strength, useGate: st.useGate, hooks: st.hooks });
          const { kept, state: r, errors } = await reapplyExtras(engine, st.extra, first);
          set((x) => ({ steer: { ...x.steer, gatedHooks: r.gatedHooks, gateInterventions: r.gateInterventions, extra: kept, error: errors.length ? errors.join(' ') : null } }));
        } catch (e) {
          set((x) => ({ steer: { ...x.steer, active: null, hooks: [], gatedHooks: [], gateInterventions: [], extra: [], error: `“${active.name}” does not fit ${model.id}, so nothing is steered now. ${message(e)}` } }));
        }
      }
    } catch (e) {
      set({ load: { status: 'error', target, progress: null, model: null, error: `Could not load ${target}. ${message(e)}` } });
    }
  },

});
