/**
 * The library (interventions and datasets saved in IndexedDB), the dataset editor's draft, fitting, and import /
 * export of intervention files. Nothing the user made is dropped silently: failed saves are reported with a way out
 * (export), deletions are confirmed in the UI, and the draft survives a reload (localStorage).
 */
import { create } from 'zustand';
import { hookName, hookOrder, type HookName } from '../model/spec.ts';
import { parseDataset, type PromptDataset } from '../steering/dataset.ts';
import { decodeIntervention, MANIFEST_FILE_NAME, TENSORS_FILE_NAME, type InterventionManifest } from '../steering/intervention-file.ts';
import { EngineError } from '../worker/engine-client.ts';
import type { EncodedIntervention, FitDone, FitMethod, FitProgressEvent } from '../worker/protocol.ts';
import { finishTrainLive, nextTrainLive, type TrainLive } from './train-data.ts';
import { defaultPresetFor, PRESETS } from './presets.ts';
import * as db from './storage/db.ts';
import type { DatasetRecord, InterventionRecord } from './storage/db.ts';
import { readZip, writeZip } from './storage/zip.ts';
import { engineBusyWith, getEngine, isRunning, setBusyCheck, useApp, type ActiveIntervention } from './store.ts';
import type { TrainerChoice } from '../steering/lineas/choose-trainer.ts';
import { DEFAULT_TRAIN_SETTINGS, parseTrainSettings, type TrainField, type TrainSettingsDraft } from './train-settings.ts';
import { download } from './download.ts';

export const METHOD_LABEL: Record<string, string> = { mean: 'Mean-AcT', 'linear-act': 'Linear-AcT', lineas: 'LinEAS', imported: 'Imported' };

/** A method as people read it, with "+ DSAS" when the intervention has gates. */
export function methodLabel(method: string, hasGates: boolean): string {
  return `${METHOD_LABEL[method] ?? method}${hasGates ? ' + DSAS' : ''}`;
}

export type SetName = 'source' | 'target' | 'control';

/** Word lists for the evaluation's lexicon scorer (see presets.ts). */
export interface Lexicon {
  source: string[];
  target: string[];
}

/** The `source` and `target` lists of a dataset file's lexicon (null when it has none, or they are empty). */
export function lexiconOf(lex: Record<string, string[]> | undefined): Lexicon | undefined {
  const source = lex?.source?.map((w) => w.trim()).filter(Boolean) ?? [];
  const target = lex?.target?.map((w) => w.trim()).filter(Boolean) ?? [];
  return source.length || target.length ? { source, target } : undefined;
}

/** The closed-form methods fit; LinEAS trains. */
export type FitChoice = FitMethod | 'lineas';

export interface Draft {
  /** Where the prompts came from: a preset, a saved dataset, or typed / opened by the user. */
  origin: { kind: 'preset' | 'saved'; id: string } | { kind: 'new' };
  name: string;
  description: string;
  /** One prompt per line. */
  source: string;
  target: string;
  control: string;
  /** Word lists for evaluating interventions fitted on it (from the preset or the dataset file; editable in Evaluate). */
  lexicon?: Lexicon;
  /** Changed since it was opened, saved or chosen. */
  edited: boolean;
}

export interface DraftCheck {
  dataset: PromptDataset | null;
  issues: string[];
  counts: Record<SetName, number>;
}

export interface FitState {
  status: 'idle' | 'running' | 'stopping' | 'done' | 'error';
  progress: FitProgressEvent | null;
  /** LinEAS: the run in progress or the last one (null for the closed-form methods). */
  train: TrainLive | null;
  /** LinEAS: stopped before its last step (the maps trained so far were kept). */
  stopped: boolean;
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

interface LibraryState {
  status: 'loading' | 'ready' | 'error';
  /** Storage problems (opening, saving, deleting), shown in the library. */
  error: string | null;
  notice: Notice | null;
  /** The dataset editor's last save outcome. */
  draftNotice: Notice | null;
  interventions: InterventionRecord[];
  datasets: DatasetRecord[];
  draft: Draft;
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
  /** Import in progress or its outcome (shown where it was asked for). */
  importing: boolean;
  importError: string | null;
  /** Which panel asked for the import (its outcome shows there). */
  importFrom: 'steer' | 'library';

  init(): Promise<void>;
  refresh(): Promise<void>;
  setDraft(change: Partial<Pick<Draft, 'name' | 'description' | SetName | 'lexicon'>>): void;
  /** Replaces the draft (asks first when it has unsaved edits). False when the user kept the draft. */
  replaceDraft(next: Omit<Draft, 'edited'>, confirmed?: boolean): boolean;
  choosePreset(id: string): boolean;
  openDataset(id: string): boolean;
  /** Fills the draft from a dataset file's text (JSON or CSV: all sets; plain text: `into`). */
  readDatasetText(text: string, fileName: string, into?: SetName): string[] | null;
  saveDraft(): Promise<void>;
  renameDataset(id: string, name: string): Promise<boolean>;
  deleteDataset(id: string): Promise<boolean>;
  exportDataset(id: string): void;
  setFitMethod(m: FitChoice): void;
  setTrainSetting(field: TrainField, value: string): void;
  setFitDsas(v: boolean): void;
  setTrainer(v: TrainerChoice): void;
  setFitHooks(h: HookName[] | null): void;
  runFit(): Promise<void>;
  stopFit(): Promise<void>;
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

const DRAFT_KEY = 'steerscope.draft.v1';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function presetDraft(id: string): Omit<Draft, 'edited'> {
  const p = PRESETS.find((x) => x.id === id) ?? PRESETS[0];
  return { origin: { kind: 'preset', id: p.id }, name: p.name, description: p.description, source: p.source.join('\n'), target: p.target.join('\n'), control: p.control.join('\n'), lexicon: p.lexicon };
}

function loadStoredDraft(): Draft {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    if (raw) {
      const d = JSON.parse(raw) as Draft;
      if (typeof d?.source === 'string' && typeof d.target === 'string' && typeof d.control === 'string' && typeof d.name === 'string') return d;
    }
  } catch {
    // no storage or a damaged entry: start from the preset
  }
  return { ...presetDraft(PRESETS[0].id), edited: false };
}

function storeDraft(d: Draft): void {
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(d));
  } catch {
    // The draft is still in memory; saving it to the library reports real failures.
  }
}

/** Validates the editor's three lists with parseDataset; issues name the set and line as the user sees them. */
export function checkDraft(d: Draft): DraftCheck {
  const sets: Record<SetName, { text: string; line: number }[]> = { source: [], target: [], control: [] };
  for (const set of ['source', 'target', 'control'] as const) {
    d[set].split(/\r\n|\r|\n/).forEach((l, i) => {
      if (l.trim()) sets[set].push({ text: l.trim(), line: i + 1 });
    });
  }
  const counts = { source: sets.source.length, target: sets.target.length, control: sets.control.length };
  const obj = { name: d.name.trim() || 'dataset', source: sets.source.map((x) => x.text), target: sets.target.map((x) => x.text), control: sets.control.map((x) => x.text) };
  try {
    return { dataset: parseDataset(obj, `${obj.name}.json`), issues: [], counts };
  } catch (e) {
    const issues = (e as { issues?: string[] }).issues ?? [message(e)];
    const where = (set: string, i: string) => `${set} line ${sets[set as SetName]?.[Number(i)]?.line ?? Number(i) + 1}`;
    return { dataset: null, issues: issues.map((m) => m.replace(/\b(source|target|control)\[(\d+)\]/g, (_, set: string, i: string) => where(set, i))), counts };
  }
}

/** Problems that stop a fit with this method, beyond the dataset's own. */
export function fitProblems(check: DraftCheck, method: FitChoice, dsas: boolean): string[] {
  const out: string[] = [];
  if (method === 'linear-act' && check.dataset && check.counts.source !== check.counts.target) {
    out.push(`Linear-AcT pairs source and target prompts, so it needs as many of each (now ${check.counts.source} and ${check.counts.target}).`);
  }
  if (dsas && check.counts.control === 0) out.push('DSAS gates learn to tell source from control prompts: add control prompts, or turn DSAS off.');
  return out;
}

export function defaultFitHooks(numLayers: number): HookName[] {
  return Array.from({ length: numLayers }, (_, l) => [hookName(l, 'attn'), hookName(l, 'mlp')]).flat();
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, ' ')
      .trim()
      .replace(/\s+/g, '-')
      .toLowerCase()
      .slice(0, 60) || 'intervention'
  );
}


function bytesOf(buf: ArrayBuffer): Uint8Array {
  return new Uint8Array(buf);
}

/** A library record from an intervention's two files (validated: throws InterventionFileError in plain words). */
function recordFrom(files: EncodedIntervention, name: string): InterventionRecord {
  const iv = decodeIntervention(files.manifest, bytesOf(files.tensors));
  const m = JSON.parse(files.manifest) as InterventionManifest;
  const hooks = [...iv.hooks.keys()].sort((a, b) => hookOrder(a) - hookOrder(b));
  return {
    id: db.newId(),
    name,
    modelId: iv.modelId,
    method: iv.method,
    dsas: [...iv.hooks.values()].some((h) => h.gate !== undefined),
    hooks,
    datasetName: m.dataset?.name ?? null,
    created: iv.created ?? new Date().toISOString(),
    saved: new Date().toISOString(),
    metrics: iv.metrics ?? {},
    manifest: files.manifest,
    tensors: files.tensors,
  };
}

export function activeFrom(rec: InterventionRecord, entryId: string | null = rec.id): ActiveIntervention {
  return { entryId, name: rec.name, modelId: rec.modelId, method: rec.method, hooks: rec.hooks, hasGates: rec.dsas, files: { manifest: rec.manifest, tensors: rec.tensors } };
}

const byNewest = <T extends { saved: string }>(a: T, b: T) => b.saved.localeCompare(a.saved);

export const useLibrary = create<LibraryState>()((set, get) => {
  const fail = (text: string) => set({ error: text });
  const commitDraft = (d: Draft) => {
    storeDraft(d);
    set({ draft: d });
  };

  return {
    status: 'loading',
    error: null,
    notice: null,
    draftNotice: null,
    interventions: [],
    datasets: [],
    draft: loadStoredDraft(),
    fitMethod: 'mean',
    fitDsas: true,
    trainSettings: DEFAULT_TRAIN_SETTINGS,
    trainer: 'auto',
    trainErrors: {},
    fitHooks: null,
    fit: { status: 'idle', progress: null, train: null, stopped: false, startedAt: 0, error: null, issues: [], record: null, saveError: null },
    importing: false,
    importError: null,
    importFrom: 'library',

    async init() {
      setBusyCheck('fit', () => isRunning(get().fit));
      await get().refresh();
      // A new model with an untouched preset draft: offer the preset that suits it.
      useApp.subscribe((s, prev) => {
        const m = s.load.model;
        if (!m || m === prev.load.model) return;
        const d = get().draft;
        const fitHooks = get().fitHooks;
        if (fitHooks && fitHooks.some((h) => Number(h.split('.')[0]) >= m.numLayers)) set({ fitHooks: null });
        if (d.edited || d.origin.kind !== 'preset') return;
        const want = defaultPresetFor(m.hasChatTemplate);
        const current = PRESETS.find((p) => p.id === (d.origin as { id: string }).id);
        if (current && current.audience !== want.audience) commitDraft({ ...presetDraft(want.id), edited: false });
      });
    },

    async refresh() {
      try {
        const [interventions, datasets] = await Promise.all([db.listAll('interventions'), db.listAll('datasets')]);
        set({ status: 'ready', interventions: interventions.sort(byNewest), datasets: datasets.sort(byNewest) });
      } catch (e) {
        set({ status: 'error', error: `${message(e)} What you make now can still be exported.` });
      }
    },

    setDraft(change) {
      if (get().draftNotice) set({ draftNotice: null });
      commitDraft({ ...get().draft, ...change, edited: true });
    },

    replaceDraft(next, confirmed = false) {
      const d = get().draft;
      if (d.edited && !confirmed && !window.confirm(`Your edits to the dataset “${d.name}” are not saved. Replace them?`)) return false;
      commitDraft({ ...next, edited: false });
      return true;
    },

    choosePreset(id) {
      return get().replaceDraft(presetDraft(id));
    },

    openDataset(id) {
      const r = get().datasets.find((x) => x.id === id);
      if (!r) return false;
      return get().replaceDraft({
        origin: { kind: 'saved', id },
        name: r.name,
        description: r.description,
        source: r.source.join('\n'),
        target: r.target.join('\n'),
        control: r.control.join('\n'),
        lexicon: r.lexicon,
      });
    },

    readDatasetText(text, fileName, into) {
      try {
        const ds = parseDataset(text, fileName, { singleSet: into ?? 'source' });
        const d = get().draft;
        // A whole dataset (JSON object or CSV with source and target) fills every set; a plain list fills one.
        const whole = ds.source.length > 0 && ds.target.length > 0;
        if (!whole) {
          const set = into ?? 'source';
          commitDraft({ ...d, [set]: ds[set].join('\n'), edited: true });
        } else {
          commitDraft({
            ...d,
            name: ds.name,
            description: ds.description ?? '',
            source: ds.source.join('\n'),
            target: ds.target.join('\n'),
            control: ds.control.join('\n'),
            lexicon: lexiconOf(ds.lexicon),
            origin: { kind: 'new' },
            edited: true,
          });
        }
        return null;
      } catch (e) {
        return (e as { issues?: string[] }).issues ?? [message(e)];
      }
    },

    async saveDraft() {
      const d = get().draft;
      const check = checkDraft(d);
      if (!check.dataset) {
        set({ draftNotice: { kind: 'error', text: 'Fix the problems in the dataset before saving it.' } });
        return;
      }
      const id = d.origin.kind === 'saved' ? d.origin.id : db.newId();
      const name = d.name.trim() || 'My dataset';
      const rec: DatasetRecord = { id, name, description: d.description, source: check.dataset.source, target: check.dataset.target, control: check.dataset.control, saved: new Date().toISOString() };
      if (d.lexicon) rec.lexicon = d.lexicon;
      try {
        await db.put('datasets', rec);
        commitDraft({ ...d, name, origin: { kind: 'saved', id }, edited: false });
        set({ draftNotice: { kind: 'ok', text: `Saved the dataset “${name}” to the library.` }, error: null });
        await get().refresh();
      } catch (e) {
        set({ draftNotice: { kind: 'error', text: `${message(e)} Your prompts are still in the editor; download them as JSON to keep them.` } });
      }
    },

    async renameDataset(id, name) {
      try {
        await db.rename('datasets', id, name);
        const d = get().draft;
        if (d.origin.kind === 'saved' && d.origin.id === id) commitDraft({ ...d, name });
        await get().refresh();
        return true;
      } catch (e) {
        fail(message(e));
        return false;
      }
    },

    async deleteDataset(id) {
      const r = get().datasets.find((x) => x.id === id);
      try {
        await db.remove('datasets', id, r?.name ?? 'the dataset');
        const d = get().draft;
        if (d.origin.kind === 'saved' && d.origin.id === id) commitDraft({ ...d, origin: { kind: 'new' }, edited: true });
        set({ notice: { kind: 'ok', text: `Deleted the dataset “${r?.name ?? ''}”.` } });
        await get().refresh();
        return true;
      } catch (e) {
        fail(message(e));
        return false;
      }
    },

    exportDataset(id) {
      const r = get().datasets.find((x) => x.id === id);
      if (!r) return;
      const body = { name: r.name, description: r.description, source: r.source, target: r.target, control: r.control, ...(r.lexicon ? { lexicon: r.lexicon } : {}) };
      download(`${slug(r.name)}.json`, JSON.stringify(body, null, 2), 'application/json');
    },

    setFitMethod: (fitMethod) => set({ fitMethod }),
    setTrainSetting(field, value) {
      const trainErrors = { ...get().trainErrors };
      delete trainErrors[field];
      set({ trainSettings: { ...get().trainSettings, [field]: value }, trainErrors });
    },
    setFitDsas: (fitDsas) => set({ fitDsas }),
    setTrainer: (trainer) => set({ trainer }),
    setFitHooks: (fitHooks) => set({ fitHooks }),

    async runFit() {
      const engine = getEngine();
      const app = useApp.getState();
      const model = app.load.model;
      const st = get();
      if (!engine || isRunning(st.fit)) return;
      const fitFail = (error: string, issues: string[] = []) => set({ fit: { ...get().fit, status: 'error', error, issues, progress: null } });
      if (engineBusyWith() === 'eval') return fitFail('An evaluation is running: fit when it is done (or stop it).');
      if (!model) return fitFail('Load a model first: the intervention is fitted on its activations.');
      const check = checkDraft(st.draft);
      if (!check.dataset) return fitFail('The dataset has problems (see above).', check.issues);
      const problems = fitProblems(check, st.fitMethod, st.fitDsas);
      if (problems.length) return fitFail(problems.join(' '));
      const hooks = st.fitHooks ?? defaultFitHooks(model.numLayers);
      if (hooks.length === 0) return fitFail('Choose at least one hook to fit.');
      const ds = check.dataset;
      const method = st.fitMethod;
      const dsas = st.fitDsas;
      const settings = method === 'lineas' ? parseTrainSettings(st.trainSettings) : null;
      if (settings && !settings.ok) {
        set({ trainErrors: settings.errors });
        return fitFail('Some training settings need fixing (see above).');
      }
      const dataset = { text: JSON.stringify({ name: ds.name, source: ds.source, target: ds.target, control: ds.control }), fileName: `${slug(ds.name)}.json` };
      const hookList = [...hooks].sort((a, b) => hookOrder(a) - hookOrder(b)).join(',');
      set({ fit: { status: 'running', progress: null, train: null, stopped: false, startedAt: performance.now(), error: null, issues: [], record: null, saveError: null } });
      try {
        let name = `${ds.name} · ${methodLabel(method, dsas)}`;
        let r: FitDone;
        if (settings) {
          const t = await engine.train({ dataset, hooks: hookList, ...settings.value, dsas, strength: app.steer.strength, trainer: st.trainer }, (p) =>
            set({ fit: { ...get().fit, train: nextTrainLive(get().fit.train, p) } }),
          );
          set({ fit: { ...get().fit, train: finishTrainLive(get().fit.train, t.metrics) } });
          const { l1, group } = settings.value;
          if (l1 > 0 || group > 0) name += ` · ${[l1 > 0 ? `L1 ${l1}` : '', group > 0 ? `group ${group}` : ''].filter(Boolean).join(', ')}`;
          if (t.aborted) name += ` · stopped at step ${t.stepsDone}`;
          set({ fit: { ...get().fit, stopped: t.aborted } });
          r = t;
        } else {
          r = await engine.fit({ dataset, method: method as FitMethod, hooks: hookList, dsas, strength: app.steer.strength }, (progress) => set({ fit: { ...get().fit, progress } }));
        }
        const rec = recordFrom(r.intervention, name);
        useApp.getState().adopt(activeFrom(rec), r.steering);
        set({ fit: { ...get().fit, status: 'done', progress: null, record: rec } });
        const problem = await get().saveInterventionRecord(rec);
        if (problem) {
          useApp.getState().entryChanged(rec.id, null);
          set({ fit: { ...get().fit, saveError: problem } });
        }
      } catch (e) {
        if (e instanceof EngineError && e.kind === 'aborted') set({ fit: { ...get().fit, status: 'idle', progress: null, train: null, error: null } });
        else fitFail(message(e), e instanceof EngineError ? e.issues : []);
      }
    },

    async stopFit() {
      const f = get().fit;
      if (f.status !== 'running') return;
      set({ fit: { ...f, status: 'stopping' } });
      await getEngine()?.stop('fit');
    },

    async saveInterventionRecord(rec) {
      try {
        await db.put('interventions', rec);
        set({ error: null });
        await get().refresh();
        return null;
      } catch (e) {
        fail(`${message(e)} “${rec.name}” is not in the library: export it to keep it.`);
        return message(e);
      }
    },

    async renameIntervention(id, name) {
      try {
        await db.rename('interventions', id, name);
        useApp.getState().entryChanged(id, { name });
        await get().refresh();
        return true;
      } catch (e) {
        fail(message(e));
        return false;
      }
    },

    async deleteIntervention(id) {
      const r = get().interventions.find((x) => x.id === id);
      try {
        await db.remove('interventions', id, r?.name ?? 'the intervention');
        useApp.getState().entryChanged(id, null);
        set({ notice: { kind: 'ok', text: `Deleted “${r?.name ?? ''}”.` } });
        await get().refresh();
        return true;
      } catch (e) {
        fail(message(e));
        return false;
      }
    },

    async useIntervention(id) {
      const r = get().interventions.find((x) => x.id === id);
      if (!r) return false;
      return useApp.getState().activate(activeFrom(r));
    },

    exportIntervention(rec, as = 'zip') {
      if (as === 'json') return download(MANIFEST_FILE_NAME, rec.manifest, 'application/json');
      if (as === 'safetensors') return download(TENSORS_FILE_NAME, rec.tensors, 'application/octet-stream');
      const enc = new TextEncoder();
      const zip = writeZip([
        { name: MANIFEST_FILE_NAME, data: enc.encode(rec.manifest) },
        { name: TENSORS_FILE_NAME, data: bytesOf(rec.tensors) },
      ]);
      download(`${slug(rec.name)}.zip`, zip as BlobPart, 'application/zip');
    },

    async saveActive() {
      const a = useApp.getState().steer.active;
      if (!a || a.entryId) return;
      let rec: InterventionRecord;
      try {
        rec = recordFrom(a.files, a.name);
      } catch (e) {
        fail(message(e));
        return;
      }
      if ((await get().saveInterventionRecord(rec)) === null) {
        useApp.setState((st) => ({ steer: { ...st.steer, active: st.steer.active && st.steer.active.files === a.files ? { ...st.steer.active, entryId: rec.id } : st.steer.active } }));
        set({ fit: { ...get().fit, saveError: null } });
      }
    },

    exportActive() {
      const a = useApp.getState().steer.active;
      if (!a) return;
      const rec: InterventionRecord = { id: '', name: a.name, modelId: a.modelId, method: a.method, dsas: a.hasGates, hooks: a.hooks, datasetName: null, created: '', saved: '', metrics: {}, ...a.files };
      get().exportIntervention(rec);
    },

    async importFiles(files, opts = {}) {
      if (files.length === 0) return null;
      set({ importing: true, importError: null, importFrom: opts.activate ? 'steer' : 'library' });
      const entries: { name: string; data: Uint8Array }[] = [];
      let zipName: string | null = null;
      try {
        for (const f of files) {
          const data = new Uint8Array(await f.arrayBuffer());
          if (/\.zip$/i.test(f.name)) {
            zipName = f.name.replace(/\.zip$/i, '');
            try {
              entries.push(...(await readZip(data)));
            } catch (e) {
              throw new Error(`${f.name}: ${message(e)}.`);
            }
          } else entries.push({ name: f.name, data });
        }
        const base = (n: string) => n.replace(/^.*\//, '');
        const manifest = entries.find((e) => base(e.name) === MANIFEST_FILE_NAME) ?? entries.find((e) => /\.json$/i.test(e.name));
        const tensors = entries.find((e) => base(e.name) === TENSORS_FILE_NAME) ?? entries.find((e) => /\.safetensors$/i.test(e.name));
        if (!manifest || !tensors) {
          const missing = !manifest && !tensors ? 'neither file' : !manifest ? `no ${MANIFEST_FILE_NAME}` : `no ${TENSORS_FILE_NAME}`;
          throw new Error(`An intervention is two files, ${MANIFEST_FILE_NAME} and ${TENSORS_FILE_NAME} (or the .zip exported here); this has ${missing}.`);
        }
        const buf = tensors.data.buffer.slice(tensors.data.byteOffset, tensors.data.byteOffset + tensors.data.byteLength) as ArrayBuffer;
        const files2 = { manifest: new TextDecoder().decode(manifest.data), tensors: buf };
        let rec: InterventionRecord;
        try {
          rec = recordFrom(files2, 'imported');
        } catch (e) {
          throw new Error(`${message(e).replace(/^cannot load intervention: /, 'This is not a usable intervention: ')}.`);
        }
        rec.name = zipName ?? `${rec.datasetName ?? 'Intervention'} · ${methodLabel(rec.method, rec.dsas)} (imported)`;
        const saved = (await get().saveInterventionRecord(rec)) === null;
        set({ importing: false, notice: { kind: 'ok', text: saved ? `Imported “${rec.name}” into the library.` : `Imported “${rec.name}” (not saved, see above).` } });
        if (opts.activate && useApp.getState().load.model) await useApp.getState().activate(activeFrom(rec, saved ? rec.id : null));
        return rec;
      } catch (e) {
        set({ importing: false, importError: message(e) });
        return null;
      }
    },
  };
});
