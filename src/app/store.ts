/**
 * The playground's store: the model, generation and steering slices (app-state.ts says which holds what) in one
 * zustand store. The library, the dataset draft, fitting and evaluation have stores of their own; the engine client
 * and its one long job at a time live in engine-jobs.ts.
 */
import { create } from 'zustand';
import type { AppState } from './app-state.ts';
import { createGenerationSlice } from './generation-slice.ts';
import { createModelSlice } from './model-slice.ts';
import { createSteerSlice } from './steer-slice.ts';

export * from './app-state.ts';
export { getEngine } from './engine-jobs.ts';
export { REGENERATE_DELAY_MS } from './generation-slice.ts';

export const useApp = create<AppState>()((...a) => ({ ...createModelSlice(...a), ...createGenerationSlice(...a), ...createSteerSlice(...a) }));
