/**
 * The library store: saved records and import / export, the dataset draft, and fitting jobs, one slice each
 * (library-state.ts says which holds what).
 */
import { create } from 'zustand';
import { createDraftSlice } from './draft-slice.ts';
import { createFitSlice } from './fit-slice.ts';
import { createLibrarySlice } from './library-slice.ts';
import type { LibraryState } from './library-state.ts';

export * from './library-state.ts';
export { checkDraft, lexiconOf, lines, type Draft, type DraftCheck, type Lexicon, type SetName } from './dataset-draft.ts';
export { defaultFitHooks, fitProblems } from './fit-slice.ts';
export { activeFrom, methodLabel } from './intervention-records.ts';

export const useLibrary = create<LibraryState>()((...a) => ({ ...createLibrarySlice(...a), ...createDraftSlice(...a), ...createFitSlice(...a) }));
