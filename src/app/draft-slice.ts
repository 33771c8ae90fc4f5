/** The draft slice: the dataset editor's prompts, kept between visits, filled from presets, saved datasets and files. */
import { parseDataset } from '../steering/dataset.ts';
import { message } from './store.ts';
import { checkDraft, lexiconOf, presetDraft, storeDraft, loadStoredDraft } from './dataset-draft.ts';
import type { DraftSlice, LibrarySliceOf } from './library-state.ts';
import * as db from './storage/db.ts';
import type { DatasetRecord } from './storage/db.ts';

export const createDraftSlice: LibrarySliceOf<DraftSlice> = (set, get) => {
  const commitDraft = (d: DraftSlice['draft']) => {
    storeDraft(d);
    set({ draft: d });
  };
  return {
    draft: loadStoredDraft(),
    draftNotice: null,

    commitDraft,
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
        chat: r.chat === true,
        system: r.system ?? '',
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
            chat: ds.chat === true,
            system: ds.system ?? '',
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
      if (d.chat) rec.chat = true;
      if (check.dataset.system !== undefined) rec.system = check.dataset.system;
      try {
        await db.put('datasets', rec);
        commitDraft({ ...d, name, origin: { kind: 'saved', id }, edited: false });
        set({ draftNotice: { kind: 'ok', text: `Saved the dataset “${name}” to the library.` }, error: null });
        await get().refresh();
      } catch (e) {
        set({ draftNotice: { kind: 'error', text: `${message(e)} Your prompts are still in the editor; download them as JSON to keep them.` } });
      }
    },

  };
};
