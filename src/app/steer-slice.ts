/** The steering slice: the active intervention, λ, the gate switch and the steered hooks. */
import type { HookName } from '../model/spec.ts';
import { getEngine } from './engine-jobs.ts';
import { isBusy, message, type AppState, type Slice, type SteerSlice, type SteerState } from './app-state.ts';
import { afterStrengthRests, scheduleRegenerate } from './generation-slice.ts';

const NO_STEER: SteerState = { active: null, strength: 1, useGate: true, hooks: [], gatedHooks: [], busy: false, error: null };

export const createSteerSlice: Slice<SteerSlice> = (set, get) => ({
  steer: NO_STEER,

  async activate(iv) {
    const engine = getEngine();
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
      scheduleRegenerate(get);
      return true;
    } catch (e) {
      set((st) => ({ steer: { ...st.steer, busy: false, error: `Could not use “${iv?.name ?? 'no intervention'}”: ${message(e)}` } }));
      return false;
    }
  },

  adopt(iv, r) {
    set((st) => ({ steer: { ...st.steer, active: iv, strength: r.strength, useGate: r.useGate, hooks: r.activeHooks, gatedHooks: r.gatedHooks, busy: false, error: null } }));
    scheduleRegenerate(get);
  },

  entryChanged(id, change) {
    const a = get().steer.active;
    if (!a || a.entryId !== id) return;
    set((st) => ({ steer: { ...st.steer, active: change ? { ...a, name: change.name } : { ...a, entryId: null } } }));
  },

  setStrength(v) {
    if (!Number.isFinite(v)) return;
    set((st) => ({ steer: { ...st.steer, strength: v } }));
    // With an output on screen, the re-generation sends λ; without one, tell the engine now.
    afterStrengthRests(() => {
      if (get().gen.status === 'idle') void getEngine()?.setStrength(get().steer.strength).catch(() => undefined);
    });
    scheduleRegenerate(get);
  },

  async setUseGate(v) {
    await updateSteering(set, get, { useGate: v });
  },

  async setSteerHooks(hooks) {
    await updateSteering(set, get, { hooks });
  },

});

async function updateSteering(set: Parameters<Slice<SteerSlice>>[0], get: () => AppState, change: { useGate?: boolean; hooks?: HookName[] }): Promise<void> {
  const s = get();
  const engine = getEngine();
  if (!engine || !s.steer.active) return;
  const before = s.steer;
  set({ steer: { ...before, ...change, busy: true, error: null } });
  if (isBusy(s.gen) || isBusy(s.base)) void engine.stop('generate');
  try {
    const r = await engine.updateSteering(change);
    set((st) => ({ steer: { ...st.steer, useGate: r.useGate, hooks: r.activeHooks, gatedHooks: r.gatedHooks, busy: false } }));
    scheduleRegenerate(get);
  } catch (e) {
    set((st) => ({ steer: { ...st.steer, useGate: before.useGate, hooks: before.hooks, busy: false, error: message(e) } }));
  }
}

