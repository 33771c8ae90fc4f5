/**
 * The Evaluate panel's state: its settings, the evaluation in progress, and the runs (compared on one plot; kept in
 * this browser's IndexedDB until deleted, and downloadable as JSON). A run that could not be saved stays on screen with
 * the problem in words and a way to try again. While an evaluation runs, generation and fitting wait (store.ts
 * engineBusyWith).
 */
import { create } from 'zustand';
import { EngineError } from '../worker/engine-client.ts';
import type { EvalParams, EvalProgressEvent } from '../engine/protocol.ts';
import type { ScorerId } from '../eval/scorers/registry.ts';
import { DEFAULT_CLASSIFIER_DRAFT, parseClassifierDraft, type ClassifierDraft, type ClassifierField } from './classifier-settings.ts';
import { chosenScorer, DEFAULT_EVAL_SETTINGS, parseEvalSettings, type EvalField, type EvalSettingsDraft, type GateChoice } from './eval-settings.ts';
import { mergeRuns, nextRunNumber, type EvalRun, type UtilityChoice } from './eval-results.ts';
import { checkDraft, methodLabel, useLibrary, type Draft } from './library-store.ts';
import * as db from './storage/db.ts';
import { skippedNotice } from './storage/record-checks.ts';
import { isBusy, isRunning, useApp, type ActiveIntervention } from './store.ts';
import { beginJob, endJob, engineBusyWith, getEngine } from './engine-jobs.ts';

export interface EvalRunState {
  status: 'idle' | 'running' | 'stopping' | 'done' | 'error';
  progress: EvalProgressEvent | null;
  startedAt: number;
  error: string | null;
  /** The last run finished early (Stop): how many points it kept of how many. */
  stopped: { kept: number; planned: number } | null;
}

interface EvalState {
  settings: EvalSettingsDraft;
  errors: Partial<Record<EvalField, string>>;
  /** null: the default (both when the intervention has gates, else off). */
  gates: GateChoice | null;
  /** null: the default (the chat template when the model has one). */
  chat: boolean | null;
  /** null: the default (the dataset preset's hint, else the lexicon: chosenScorer). */
  scorer: ScorerId | null;
  /** The classifier scorer's fields (model and labels, as typed). */
  classifier: ClassifierDraft;
  classifierError: string | null;
  run: EvalRunState;
  runs: EvalRun[];
  /** Reading the saved runs (at start): loading, read, or failed (storageError says why). */
  savedRuns: 'loading' | 'ready' | 'error';
  /** Runs shown but not in the browser's storage (their save failed). */
  unsaved: string[];
  /** The last storage problem (loading, saving, deleting) in words; null when there is none. */
  storageError: string | null;
  /** Which perplexity the plot's y axis shows. */
  utility: UtilityChoice;

  /** Loads the saved runs (once, when the app starts). */
  init(): Promise<void>;

  setSetting(field: EvalField, value: string): void;
  setGates(g: GateChoice): void;
  setChat(c: boolean): void;
  setScorer(s: ScorerId): void;
  setClassifier(field: ClassifierField, value: string): void;
  setUtility(u: UtilityChoice): void;
  evaluate(): Promise<void>;
  stop(): Promise<void>;
  /** Deletes every run shown (from the browser's storage too). */
  clear(): Promise<void>;
  deleteRun(id: string): Promise<void>;
  /** Saves the runs whose save failed. */
  saveAgain(): Promise<void>;
}

const IDLE: EvalRunState = { status: 'idle', progress: null, startedAt: 0, error: null, stopped: null };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface BlockerInput {
  modelReady: boolean;
  active: ActiveIntervention | null;
  steerBusy: boolean;
  fitting: boolean;
  draft: Draft;
  /** Default the lexicon (which needs word lists). */
  scorer?: ScorerId;
}

/** An intervention's name with its method in brackets, unless the name already says it. */
export function nameWithMethod(name: string, method: string, hasGates: boolean): string {
  const label = methodLabel(method, hasGates);
  return name.includes(label) ? name : `${name} (${label})`;
}

/** Why Evaluate cannot start (null: it can), in words. */
export function evalBlocker(i: BlockerInput): string | null {
  if (!i.modelReady) return 'Load a model first.';
  if (!i.active) return 'Choose an intervention to evaluate (Steer), or fit one.';
  if (i.steerBusy) return 'Wait until the steering change is applied.';
  if (i.fitting) return 'Wait for the fit or training to finish.';
  const check = checkDraft(i.draft);
  if (!check.dataset) return 'Fix the dataset first (Make an intervention).';
  const lex = i.draft.lexicon;
  if ((i.scorer ?? 'lexicon') === 'lexicon' && (!lex || lex.source.length === 0 || lex.target.length === 0)) return `The dataset “${i.draft.name}” has no lexicon: list source and target words above.`;
  if (check.dataset.control.length === 0) return `The dataset “${i.draft.name}” has no control prompts: the neutral-text perplexity needs some.`;
  return null;
}

function currentBlocker(): string | null {
  const app = useApp.getState();
  return evalBlocker({
    modelReady: app.load.status === 'ready' && app.load.model !== null,
    active: app.steer.active,
    steerBusy: app.steer.busy,
    fitting: engineBusyWith() === 'fit',
    draft: useLibrary.getState().draft,
    scorer: chosenScorer(useEval.getState().scorer, useLibrary.getState().draft.origin),
  });
}

/** The highest run number handed out in this browser (so numbers are not reused after Clear and a reload). */
const TAKEN_KEY = 'steerscope.eval.lastRunNumber';

function storedTaken(): number {
  try {
    const n = Number(localStorage.getItem(TAKEN_KEY));
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

let taken = 0;

function takeRunNumber(runs: readonly EvalRun[]): number {
  const n = nextRunNumber(runs, Math.max(taken, storedTaken()));
  taken = n;
  try {
    localStorage.setItem(TAKEN_KEY, String(n));
  } catch {
    // Storage refused: the number is still unique among the runs kept (they are part of nextRunNumber's input).
  }
  return n;
}

const plainList = (numbers: number[]) => (numbers.length === 1 ? `Run ${numbers[0]} is` : `Runs ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)} are`);

/** Resolves when the saved runs have been read (or failed to be): new runs are numbered after them. */
let loaded: Promise<void> = Promise.resolve();
/** Why the saved runs could not be read (it stays shown when other problems are solved). */
let loadError: string | null = null;

/** Saves runs; on failure keeps them on screen, marked unsaved, with the problem in words. */
async function saveRuns(runs: EvalRun[]): Promise<void> {
  const failed: EvalRun[] = [];
  let problem = '';
  for (const r of runs) {
    try {
      await db.put('evaluations', r, `save run ${r.number} in this browser`);
    } catch (e) {
      failed.push(r);
      problem ||= message(e);
    }
  }
  const st = useEval.getState();
  const ids = new Set(runs.map((r) => r.id));
  const unsaved = [...st.unsaved.filter((id) => !ids.has(id)), ...failed.map((r) => r.id)];
  const numbers = st.runs.filter((r) => unsaved.includes(r.id)).map((r) => r.number);
  useEval.setState({
    unsaved,
    storageError: failed.length
      ? `${problem} ${plainList(numbers)} shown here but not kept in this browser: download the results as JSON to keep ${numbers.length === 1 ? 'it' : 'them'}, or try again.`
      : unsaved.length
        ? st.storageError
        : loadError,
  });
}

export const useEval = create<EvalState>()((set, get) => ({
  settings: DEFAULT_EVAL_SETTINGS,
  errors: {},
  gates: null,
  chat: null,
  scorer: null,
  classifier: DEFAULT_CLASSIFIER_DRAFT,
  classifierError: null,
  run: IDLE,
  runs: [],
  savedRuns: 'loading',
  unsaved: [],
  storageError: null,
  utility: 'neutral',

  init() {
    loaded = (async () => {
      try {
        const saved = await db.listReadable('evaluations');
        loadError = skippedNotice(saved.skipped);
        set({ runs: mergeRuns(saved.records, get().runs), savedRuns: 'ready', storageError: loadError });
      } catch (e) {
        loadError = `${message(e)} Earlier evaluation runs cannot be shown; new ones still can (download them as JSON to keep them).`;
        set({ storageError: loadError, savedRuns: 'error' });
      }
    })();
    return loaded;
  },

  setSetting(field, value) {
    const errors = { ...get().errors };
    delete errors[field];
    set({ settings: { ...get().settings, [field]: value }, errors });
  },
  setGates: (gates) => set({ gates }),
  setChat: (chat) => set({ chat }),
  setScorer: (scorer) => set({ scorer }),
  setClassifier: (field, value) => set({ classifier: { ...get().classifier, [field]: value }, classifierError: null }),
  setUtility: (utility) => set({ utility }),

  async evaluate() {
    const engine = getEngine();
    const st = get();
    if (!engine || isRunning(st.run)) return;
    const fail = (error: string) => set({ run: { ...IDLE, status: 'error', error } });
    const blocker = currentBlocker();
    if (blocker) return fail(blocker);
    const app = useApp.getState();
    const model = app.load.model!;
    const active = app.steer.active!;
    const draft = useLibrary.getState().draft;
    const ds = checkDraft(draft).dataset!;
    const scorer = chosenScorer(st.scorer, draft.origin);
    const lexicon = draft.lexicon ?? { source: [], target: [] };
    const parsed = parseEvalSettings(st.settings, { sourceCount: ds.source.length, maxContext: model.maxContext });
    if (!parsed.ok) {
      set({ errors: parsed.errors });
      return fail('Some evaluation settings need fixing (see above).');
    }
    const v = parsed.value;
    const classifier = scorer === 'classifier' ? parseClassifierDraft(st.classifier) : null;
    if (classifier && !classifier.ok) {
      set({ classifierError: classifier.error });
      return fail(classifier.error);
    }
    const gates: GateChoice = active.hasGates ? (st.gates ?? 'both') : 'off';
    const chat = model.hasChatTemplate && (st.chat ?? true);
    const params: EvalParams = {
      prompts: ds.source.slice(0, v.promptCount),
      neutral: ds.control,
      scorer,
      lexicon,
      ...(classifier?.ok ? { classifier: classifier.value } : {}),
      lambdas: v.lambdas,
      gates,
      maxNewTokens: v.maxNewTokens,
      sampling: v.sampling,
      chat,
      // The Steer panel's intervention is swept; those added with "Also apply" stay applied at their own λ and gates.
      intervention: 0,
      // A chat dataset's system message goes before each prompt, as in fitting.
      ...(chat && ds.system !== undefined ? { system: ds.system } : {}),
    };
    // What the held ones are called on screen (engine order: the first, then the extras in order).
    const heldLabels = app.steer.extra.map((e) => nameWithMethod(e.iv.name, e.iv.method, e.iv.hasGates));
    // A generation on screen would hold the engine: stop it (evaluation runs after it in the worker's queue).
    if (isBusy(app.gen) || isBusy(app.base)) await app.stop();
    if (beginJob('eval')) return fail('A fit is running: evaluate when it is done.');
    set({ errors: {}, run: { ...IDLE, status: 'running', startedAt: performance.now() } });
    const losses = app.gpuLosses;
    const lostGpu = () => useApp.getState().gpuLosses !== losses;
    try {
      // A held one's slider reaches the engine only once it rests and no generation runs: send what the panel shows.
      const extra = useApp.getState().steer.extra;
      for (const [k, e] of extra.entries()) await engine.setStrength(e.strength, k + 1);
      const r = await engine.evaluate(params, (progress) => set({ run: { ...get().run, progress } }));
      endJob('eval');
      const planned = v.lambdas.length * (gates === 'both' ? 2 : 1);
      if (r.points.length > 0) {
        await loaded;
        const run: EvalRun = {
          id: db.newId(),
          number: takeRunNumber(get().runs),
          name: active.name,
          method: r.intervention.method,
          modelId: r.intervention.modelId,
          hasGates: r.intervention.hasGates,
          datasetName: ds.name,
          prompts: params.prompts,
          neutralCount: params.neutral.length,
          lexicon,
          scorer,
          ...(classifier?.ok ? { classifier: classifier.value } : {}),
          lambdas: v.lambdas,
          gates,
          maxNewTokens: v.maxNewTokens,
          sampling: v.sampling,
          chat,
          ...(params.system !== undefined ? { system: params.system } : {}),
          points: r.points,
          held: r.held.map((h) => ({ label: heldLabels[h.index - 1] ?? h.method, modelId: h.modelId, hookCount: h.hooks.length, strength: h.strength, useGate: h.useGate })),
          aborted: r.aborted,
          evalMs: r.evalMs,
          at: new Date().toISOString(),
        };
        set({ runs: [...get().runs, run] });
        await saveRuns([run]);
      }
      set({ run: { ...get().run, status: 'done', progress: null, stopped: r.aborted ? { kept: r.points.length, planned } : null } });
      if (lostGpu() || r.failure !== undefined) {
        const kept = r.points.length > 0 ? `the ${r.points.length} finished point${r.points.length === 1 ? ' is' : 's are'} kept as run ${get().runs.at(-1)?.number}` : 'no point had finished';
        const why = lostGpu() ? 'The GPU stopped working, so the evaluation stopped' : `The evaluation failed part-way (${r.failure})`;
        set({ run: { ...get().run, status: 'error', error: `${why}; ${kept}. Evaluate again${lostGpu() ? ' once the model is back' : ''}.` } });
      }
    } catch (e) {
      const kind = e instanceof EngineError ? e.kind : 'internal';
      if (lostGpu()) fail('The GPU stopped working, so the evaluation stopped before any point finished. Evaluate again once the model is back.');
      else if (kind === 'aborted') set({ run: { ...get().run, status: 'done', progress: null, stopped: { kept: 0, planned: 0 } } });
      else fail(`The evaluation failed: ${message(e)}`);
    } finally {
      endJob('eval');
    }
  },

  async stop() {
    const r = get().run;
    if (r.status !== 'running') return;
    set({ run: { ...r, status: 'stopping' } });
    try {
      await getEngine()?.stop('eval');
    } catch (e) {
      set({ run: { ...get().run, error: message(e) } });
    }
  },

  async clear() {
    if (isRunning(get().run)) return;
    const runs = get().runs;
    try {
      await db.removeMany('evaluations', runs.map((r) => r.id), 'clear the evaluation runs');
    } catch (e) {
      set({ storageError: `${message(e)} The runs are still kept in this browser.` });
      return;
    }
    const ids = new Set(runs.map((r) => r.id));
    set({ runs: get().runs.filter((r) => !ids.has(r.id)), unsaved: [], storageError: loadError, run: IDLE });
  },

  async deleteRun(id) {
    const r = get().runs.find((x) => x.id === id);
    if (!r || isRunning(get().run)) return;
    try {
      await db.remove('evaluations', id, `run ${r.number}`);
    } catch (e) {
      set({ storageError: `${message(e)} Run ${r.number} is still kept in this browser.` });
      return;
    }
    const unsaved = get().unsaved.filter((x) => x !== id);
    // The finished-run message may name this run: drop it.
    set({ runs: get().runs.filter((x) => x.id !== id), unsaved, storageError: unsaved.length ? get().storageError : loadError, run: IDLE });
  },

  async saveAgain() {
    const ids = new Set(get().unsaved);
    await saveRuns(get().runs.filter((r) => ids.has(r.id)));
  },
}));

