/** The library slice: saved interventions and datasets (IndexedDB), their names, deletion, export and import. */
import { MANIFEST_FILE_NAME, TENSORS_FILE_NAME } from '../steering/intervention-file.ts';
import { externalLabel, interventionFilesFrom } from './import-entries.ts';
import { message, useApp } from './store.ts';
import { defaultPresetFor, PRESETS } from './presets.ts';
import { presetDraft, type Draft } from './dataset-draft.ts';
import { datasetRecordJson } from './dataset-record.ts';
import { download } from './download.ts';
import { activeFrom, byNewest, bytesOf, methodLabel, recordFrom, slug } from './intervention-records.ts';
import type { LibrarySlice, LibrarySliceOf } from './library-state.ts';
import * as db from './storage/db.ts';
import type { InterventionRecord } from './storage/db.ts';
import { skippedNotice } from './storage/record-checks.ts';
import { readZip, writeZip } from './storage/zip.ts';

export const createLibrarySlice: LibrarySliceOf<LibrarySlice> = (set, get) => {
  const fail = (text: string) => set({ error: text });
  /** A storage change, then the lists read again: true when it was made, else the problem is shown and false. */
  const change = async (op: () => Promise<void>): Promise<boolean> => {
    try {
      await op();
      await get().refresh();
      return true;
    } catch (e) {
      fail(message(e));
      return false;
    }
  };
  const commitDraft = (d: Draft) => get().commitDraft(d);
  return {
    status: 'loading',
    error: null,
    notice: null,
    skipped: null,
    interventions: [],
    datasets: [],
    importing: false,
    importError: null,
    importFrom: 'library',

    async init() {
      await get().refresh();
      void db.askToPersist();
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
        const [interventions, datasets] = await Promise.all([db.listReadable('interventions'), db.listReadable('datasets')]);
        set({
          status: 'ready',
          interventions: interventions.records.sort(byNewest),
          datasets: datasets.records.sort(byNewest),
          skipped: skippedNotice([...interventions.skipped, ...datasets.skipped]),
        });
      } catch (e) {
        set({ status: 'error', error: `${message(e)} What you make now can still be exported.` });
      }
    },

    async renameDataset(id, name) {
      return change(async () => {
        await db.rename('datasets', id, name);
        const d = get().draft;
        if (d.origin.kind === 'saved' && d.origin.id === id) commitDraft({ ...d, name });
      });
    },

    async deleteDataset(id) {
      const r = get().datasets.find((x) => x.id === id);
      return change(async () => {
        await db.remove('datasets', id, r?.name ?? 'the dataset');
        const d = get().draft;
        if (d.origin.kind === 'saved' && d.origin.id === id) commitDraft({ ...d, origin: { kind: 'new' }, edited: true });
        set({ notice: { kind: 'ok', text: `Deleted the dataset “${r?.name ?? ''}”.` } });
      });
    },

    exportDataset(id) {
      const r = get().datasets.find((x) => x.id === id);
      if (!r) return;
      download(`${slug(r.name)}.json`, datasetRecordJson(r), 'application/json');
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
      return change(async () => {
        await db.rename('interventions', id, name);
        useApp.getState().entryChanged(id, { name });
      });
    },

    async deleteIntervention(id) {
      const r = get().interventions.find((x) => x.id === id);
      return change(async () => {
        await db.remove('interventions', id, r?.name ?? 'the intervention');
        useApp.getState().entryChanged(id, null);
        set({ notice: { kind: 'ok', text: `Deleted “${r?.name ?? ''}”.` } });
      });
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
        const model = useApp.getState().load.model;
        const { files: files2, external } = interventionFilesFrom(entries, model);
        let rec: InterventionRecord;
        try {
          rec = recordFrom(files2, 'imported');
        } catch (e) {
          throw new Error(`${message(e).replace(/^cannot load intervention: /, 'This is not a usable intervention: ')}.`);
        }
        if (external) rec.name = `${external.fileName.replace(/\.[^.]+$/, '')} (${externalLabel(external.kind)} for ${rec.modelId})`;
        else rec.name = zipName ?? `${rec.datasetName ?? 'Intervention'} · ${methodLabel(rec.method, rec.dsas)} (imported)`;
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
};
