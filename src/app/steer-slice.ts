/**
 * The steering slice: the active intervention, λ, the gate switch and the steered hooks; and the interventions added
 * after it (`extra`, applied in that order: at a shared hook z ← steer_B(steer_A(z)), each its own λ and gate).
 */
import type { SteeringState } from '../engine/protocol.ts';
import type { HookName } from '../model/spec.ts';
import type { EngineClient } from '../worker/engine-client.ts';
import { getEngine } from './engine-jobs.ts';
import { isBusy, message, type AppState, type ExtraIntervention, type Slice, type SteerSlice, type SteerState } from './app-state.ts';
import { afterStrengthRests, scheduleRegenerate } from './generation-slice.ts';

const NO_STEER: SteerState = { active: null, strength: 1, useGate: true, hooks: [], gatedHooks: [], gateInterventions: [], extra: [], busy: false, error: null };

/** The gate columns of an engine answer. */
const gates = (r: SteeringState) => ({ gatedHooks: r.gatedHooks, gateInterventions: r.gateInterventions });

/**
 * Adds `extra` after the first intervention again (the engine replaced its list); one that no longer fits is dropped
 * and named. Returns those kept, the engine's last answer and the problems.
 */
export async function reapplyExtras(engine: EngineClient, extra: ExtraIntervention[], last: SteeringState): Promise<{ kept: ExtraIntervention[]; state: SteeringState; errors: string[] }> {
  const kept: ExtraIntervention[] = [];
  const errors: string[] = [];
  let state = last;
  for (const e of extra) {
    try {
      state = await engine.setIntervention(e.iv.files, { strength: e.strength, useGate: e.useGate, add: true });
      kept.push(e);
    } catch (err) {
      errors.push(`“${e.iv.name}” was removed: ${message(err)}`);
    }
  }
  return { kept, state, errors };
}

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
      const first = await engine.setIntervention(iv?.files ?? null, opts);
      // The engine's list is now this one only: the added ones follow it again (none when unsteered).
      const { kept, state: r, errors } = iv ? await reapplyExtras(engine, s.steer.extra, first) : { kept: [], state: first, errors: [] };
      set((st) => ({ steer: { ...st.steer, active: iv, useGate: first.useGate, hooks: first.activeHooks, ...gates(r), extra: kept, busy: false, error: errors.length ? errors.join(' ') : null } }));
      scheduleRegenerate(get);
      return true;
    } catch (e) {
      set((st) => ({ steer: { ...st.steer, busy: false, error: `Could not use “${iv?.name ?? 'no intervention'}”: ${message(e)}` } }));
      return false;
    }
  },

  adopt(iv, r) {
    // A fit replaces the engine's list: the added interventions are gone.
    set((st) => ({ steer: { ...st.steer, active: iv, strength: r.strength, useGate: r.useGate, hooks: r.activeHooks, ...gates(r), extra: [], busy: false, error: null } }));
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

  async addIntervention(iv) {
    const engine = getEngine();
    const s = get();
    if (!engine || !s.steer.active) return false;
    set({ steer: { ...s.steer, busy: true, error: null } });
    if (isBusy(s.gen) || isBusy(s.base)) void engine.stop('generate');
    const entry: ExtraIntervention = { iv, strength: 1, useGate: iv.hasGates };
    try {
      const r = await engine.setIntervention(iv.files, { strength: entry.strength, useGate: entry.useGate, add: true });
      set((st) => ({ steer: { ...st.steer, ...gates(r), extra: [...st.steer.extra, entry], busy: false } }));
      scheduleRegenerate(get);
      return true;
    } catch (e) {
      set((st) => ({ steer: { ...st.steer, busy: false, error: `Could not add “${iv.name}”: ${message(e)}` } }));
      return false;
    }
  },

  async removeExtra(k) {
    const engine = getEngine();
    const s = get();
    if (!engine || !s.steer.extra[k]) return;
    set({ steer: { ...s.steer, busy: true, error: null } });
    if (isBusy(s.gen) || isBusy(s.base)) void engine.stop('generate');
    try {
      const r = await engine.removeIntervention(k + 1);
      set((st) => ({ steer: { ...st.steer, ...gates(r), extra: st.steer.extra.filter((_, i) => i !== k), busy: false } }));
      scheduleRegenerate(get);
    } catch (e) {
      set((st) => ({ steer: { ...st.steer, busy: false, error: message(e) } }));
    }
  },

  setExtraStrength(k, v) {
    if (!Number.isFinite(v) || !get().steer.extra[k]) return;
    set((st) => ({ steer: { ...st.steer, extra: st.steer.extra.map((e, i) => (i === k ? { ...e, strength: v } : e)) } }));
    afterStrengthRests(() => {
      const e = get().steer.extra[k];
      if (e && get().gen.status === 'idle') void getEngine()?.setStrength(e.strength, k + 1).catch(() => undefined);
    });
    scheduleRegenerate(get);
  },

  async setExtraUseGate(k, v) {
    const engine = getEngine();
    const s = get();
    if (!engine || !s.steer.extra[k]) return;
    set({ steer: { ...s.steer, busy: true, error: null } });
    if (isBusy(s.gen) || isBusy(s.base)) void engine.stop('generate');
    try {
      const r = await engine.updateSteering({ useGate: v, index: k + 1 });
      set((st) => ({ steer: { ...st.steer, ...gates(r), extra: st.steer.extra.map((e, i) => (i === k ? { ...e, useGate: v } : e)), busy: false } }));
      scheduleRegenerate(get);
    } catch (e) {
      set((st) => ({ steer: { ...st.steer, busy: false, error: message(e) } }));
    }
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
    set((st) => ({ steer: { ...st.steer, useGate: r.useGate, hooks: r.activeHooks, ...gates(r), busy: false } }));
    scheduleRegenerate(get);
  } catch (e) {
    set((st) => ({ steer: { ...st.steer, useGate: before.useGate, hooks: before.hooks, busy: false, error: message(e) } }));
  }
}

