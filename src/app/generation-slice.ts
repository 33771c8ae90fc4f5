/** The generation slice: prompt and settings, the steered and unsteered outputs, live re-generation. */
import type { HookName } from '../model/spec.ts';
import { EngineError } from '../worker/engine-client.ts';
import type { GenerateParams, StopReason } from '../engine/protocol.ts';
import { engineBusyWith, getEngine } from './engine-jobs.ts';
import { isBusy, message, type AppState, type GenerationSlice, type GenState, type Slice } from './app-state.ts';
import { DEFAULT_SETTINGS, parseSettings, type SettingsField } from './settings.ts';
import { itemsWithin } from './token-items.ts';
import { loadPromptState, storePromptState, type PromptState } from './prompt-state.ts';

export const IDLE_GEN: GenState = {
  status: 'idle',
  prompt: '',
  chat: false,
  system: '',
  text: '',
  tokens: 0,
  firstTokenAt: 0,
  lastTokenAt: 0,
  tokensPerSecond: null,
  stopReason: null,
  error: null,
  items: [],
  promptItems: [],
  lead: '',
  hooks: [],
  strength: null,
};

/** Sets part of the prompt box and keeps the whole of it for the next visit. */
function keepPrompt(set: (p: Partial<AppState>) => void, change: Partial<PromptState>): void {
  set(change);
  storePromptState(change);
}

/** Live controls re-generate this long after the last change. */
export const REGENERATE_DELAY_MS = 300;

/** Timers of the live controls (not state: nothing renders them). */
const timers: { regen: ReturnType<typeof setTimeout> | null; strength: ReturnType<typeof setTimeout> | null } = { regen: null, strength: null };

/** Cancels a pending strength-only update (a generation sends λ itself). */
export function cancelStrengthTimer(): void {
  if (timers.strength) clearTimeout(timers.strength);
  timers.strength = null;
}

/** Calls `fn` once the strength slider has rested. */
export function afterStrengthRests(fn: () => void): void {
  cancelStrengthTimer();
  timers.strength = setTimeout(() => {
    timers.strength = null;
    fn();
  }, REGENERATE_DELAY_MS);
}

export const createGenerationSlice: Slice<GenerationSlice> = (set, get) => ({
  ...loadPromptState(),
  settings: DEFAULT_SETTINGS,
  settingsErrors: {},
  gen: IDLE_GEN,
  base: IDLE_GEN,
  baseKey: '',
  regen: { queued: false },
  compare: false,

  setPrompt: (prompt) => keepPrompt(set, { prompt }),
  setChat: (chat) => keepPrompt(set, { chat }),
  setChatMessage: (which, text) => keepPrompt(set, which === 'system' ? { chatSystem: text } : { chatUser: text }),
  setSetting(k, v) {
    set((s) => {
      const settingsErrors = { ...s.settingsErrors };
      if (k !== 'greedy') delete settingsErrors[k as SettingsField];
      return { settings: { ...s.settings, [k]: v }, settingsErrors };
    });
  },

  async generate(from) {
    const s = get();
    const engine = getEngine();
    if (!engine) return;
    if (isBusy(s.gen) || isBusy(s.base)) {
      // Running already: stop it and start again with the current settings.
      set({ regen: { queued: true, from } });
      void engine.stop('generate');
      return;
    }
    // While a fit or an evaluation runs, generation would only queue behind it; a fit re-generates when it is done.
    if (engineBusyWith() !== null) return;
    const model = s.load.model;
    const parsed = parseSettings(s.settings, model?.maxContext ?? null);
    if (!parsed.ok) {
      set({ settingsErrors: parsed.errors, gen: { ...s.gen, status: 'error', error: 'Some settings need fixing (see Settings).' } });
      return;
    }
    const chat = (from ? from.chat : s.chat) && Boolean(model?.hasChatTemplate);
    const prompt = from ? from.prompt : chat ? s.chatUser : s.prompt;
    const system = chat ? ((from ? from.system : s.chatSystem) ?? '') : '';
    const problem = !model ? 'Load a model first.' : chat && !prompt.trim() ? 'Write a user message first.' : !prompt ? 'Write a prompt first.' : null;
    if (problem) {
      set({ settingsErrors: {}, gen: { ...s.gen, status: 'error', error: problem } });
      return;
    }
    const params: GenerateParams = { prompt, chat, ...(system.trim() ? { system } : {}), maxNewTokens: parsed.value.maxNewTokens, sampling: parsed.value.sampling };
    const steered = s.steer.active !== null && s.steer.hooks.length > 0;
    const wantBase = s.compare && steered;
    const key = JSON.stringify([s.loadCount, params]);
    const needBase = wantBase && !(s.baseKey === key && s.base.status === 'done');
    cancelStrengthTimer();
    const start = (strength: number | null, hooks: HookName[]): GenState => ({ ...IDLE_GEN, status: 'running', prompt, chat, system, strength, hooks });
    set({
      settingsErrors: {},
      gen: { ...start(steered ? s.steer.strength : null, steered && s.steer.useGate ? s.steer.gatedHooks : []), status: needBase ? 'queued' : 'running' },
      base: needBase ? start(null, []) : wantBase ? s.base : IDLE_GEN,
    });
    try {
      if (steered) await engine.setStrength(s.steer.strength);
      if (needBase) {
        set({ baseKey: '' });
        const reason = await runInto(set, 'base', { ...params, unsteered: true });
        if (reason !== null && reason !== 'aborted') set({ baseKey: key });
        if (reason === null) {
          set((st) => ({ gen: { ...st.gen, status: 'error', error: 'The unsteered run failed (see its side), so the steered one did not start.' } }));
          return;
        }
        if (reason === 'aborted') {
          set((st) => ({ gen: { ...st.gen, status: 'done', stopReason: 'aborted' } }));
          return;
        }
        set((st) => ({ gen: { ...st.gen, status: 'running' } }));
      }
      await runInto(set, 'gen', params);
    } catch (e) {
      set((st) => ({ gen: { ...st.gen, status: 'error', error: message(e) } }));
    } finally {
      const regen = get().regen;
      if (regen.queued) {
        set({ regen: { queued: false } });
        void get().generate(regen.from);
      }
    }
  },

  async stop() {
    const s = get();
    const engine = getEngine();
    if (!engine || !(isBusy(s.gen) || isBusy(s.base))) return;
    set({ regen: { queued: false } });
    if (timers.regen) clearTimeout(timers.regen);
    set((st) => ({
      gen: isBusy(st.gen) ? { ...st.gen, status: 'stopping' } : st.gen,
      base: isBusy(st.base) ? { ...st.base, status: 'stopping' } : st.base,
    }));
    try {
      await engine.stop('generate');
    } catch (e) {
      set((st) => ({ gen: { ...st.gen, status: 'error', error: message(e) } }));
    }
  },

  setCompare(v) {
    set({ compare: v });
    if (v) scheduleRegenerate(get);
  },
});

/** After a change to the steering, generate again (same prompt, settings and seed) once the controls rest. */
export function scheduleRegenerate(get: () => AppState): void {
  if (timers.regen) clearTimeout(timers.regen);
  timers.regen = setTimeout(() => {
    timers.regen = null;
    const s = get();
    if (!s.load.model || s.gen.status === 'idle' || !s.gen.prompt) return;
    // Re-generate what is on screen: the prompt and mode it was made from (the prompt box may hold a new draft).
    void s.generate({ prompt: s.gen.prompt, chat: s.gen.chat, system: s.gen.system });
  }, REGENERATE_DELAY_MS);
}


/** Runs one generation into `gen` or `base`, streaming tokens into it. Its stop reason, or null when it failed. */
async function runInto(set: (fn: (st: AppState) => Partial<AppState>) => void, target: 'gen' | 'base', params: GenerateParams): Promise<StopReason | null> {
  const patch = (fn: (g: GenState) => Partial<GenState>) => set((st) => ({ [target]: { ...st[target], ...fn(st[target]) } }) as Partial<AppState>);
  try {
    const r = await getEngine()!.generate(params, (t) => {
      const now = performance.now();
      patch((g) => {
        const firstTokenAt = t.index === 0 ? now : g.firstTokenAt;
        const tokens = t.index + 1;
        const elapsed = (now - firstTokenAt) / 1000;
        return {
          text: t.fullText,
          tokens,
          firstTokenAt,
          lastTokenAt: now,
          tokensPerSecond: tokens > 1 && elapsed > 0 ? (tokens - 1) / elapsed : g.tokensPerSecond,
          items: [...g.items, { text: t.text, s: t.strengths }],
          lead: t.index === 0 ? (t.lead ?? '') : g.lead,
        };
      });
    });
    patch((g) => ({
      status: 'done',
      text: r.text,
      tokens: r.tokenIds.length,
      stopReason: r.stopReason,
      tokensPerSecond: r.tokenIds.length > 1 ? r.timings.decodeTokensPerSecond : g.tokensPerSecond,
      hooks: r.hooks,
      strength: r.strength,
      items: ((items) => (r.stopReason === 'stop-string' ? itemsWithin(items, r.text) : items))(g.items.map((it, i) => ({ text: it.text, s: r.strengths[i] ?? it.s }))),
      promptItems: (r.promptTokens ?? []).map((text, i) => ({ text, s: r.promptStrengths[i] ?? [] })),
    }));
    return r.stopReason;
  } catch (e) {
    const kind = e instanceof EngineError ? e.kind : 'internal';
    set((st) => ({
      [target]: { ...st[target], status: 'error', error: message(e) },
      load:
        kind === 'gpu'
          ? { ...st.load, status: 'error', model: null, error: 'The model stopped working after a GPU error (see Prompt). Load it again.' }
          : kind === 'no-model'
            ? { ...st.load, status: 'error', model: null, error: 'No model is loaded. Load one first.' }
            : st.load,
    }) as Partial<AppState>);
    return null;
  }
}

