/** The fit slice: fitting (Mean-AcT, Linear-AcT ± DSAS) and LinEAS training jobs, their settings and progress. */
import { hookName, hookOrder, type HookName } from '../model/spec.ts';
import type { FitDone, FitMethod } from '../engine/protocol.ts';
import { datasetFileObject } from '../steering/dataset.ts';
import { steeringMethod } from '../steering/methods/registry.ts';
import { EngineError } from '../worker/engine-client.ts';
import { checkDraft, type DraftCheck } from './dataset-draft.ts';
import { beginJob, endJob, getEngine } from './engine-jobs.ts';
import { activeFrom, methodLabel, recordFrom, slug } from './intervention-records.ts';
import type { FitChoice, FitSlice, LibrarySliceOf } from './library-state.ts';
import { isRunning, message, useApp } from './store.ts';
import { finishTrainLive, nextTrainLive } from './train-data.ts';
import { DEFAULT_TRAIN_SETTINGS, parseTrainSettings } from './train-settings.ts';

/** Problems that stop a fit with this method, beyond the dataset's own. */
export function fitProblems(check: DraftCheck, method: FitChoice, dsas: boolean): string[] {
  const out: string[] = [];
  const problem = check.dataset ? steeringMethod(method)?.datasetProblem(check.counts) : null;
  if (problem) out.push(problem);
  if (dsas && check.counts.control === 0) out.push('DSAS gates learn to tell source from control prompts: add control prompts, or turn DSAS off.');
  return out;
}

export function defaultFitHooks(numLayers: number): HookName[] {
  return Array.from({ length: numLayers }, (_, l) => [hookName(l, 'attn'), hookName(l, 'mlp')]).flat();
}

export const createFitSlice: LibrarySliceOf<FitSlice> = (set, get) => ({
  fitMethod: 'mean',
  fitDsas: true,
  trainSettings: DEFAULT_TRAIN_SETTINGS,
  trainer: 'auto',
  trainErrors: {},
  fitHooks: null,
  fit: { status: 'idle', progress: null, train: null, stopped: false, fault: null, startedAt: 0, error: null, issues: [], record: null, saveError: null },

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
      // The checked draft: name, the three sets, and chat with its system message (checkDraft sets nothing else).
      const dataset = { text: JSON.stringify(datasetFileObject(ds)), fileName: `${slug(ds.name)}.json` };
      const hookList = [...hooks].sort((a, b) => hookOrder(a) - hookOrder(b)).join(',');
      if (beginJob('fit')) return fitFail('An evaluation is running: fit when it is done (or stop it).');
      const losses = app.gpuLosses;
      const lostGpu = () => useApp.getState().gpuLosses !== losses;
      set({ fit: { status: 'running', progress: null, train: null, stopped: false, fault: null, startedAt: performance.now(), error: null, issues: [], record: null, saveError: null } });
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
          set({ fit: { ...get().fit, stopped: t.aborted, fault: t.fault ?? null } });
          r = t;
        } else {
          r = await engine.fit({ dataset, method: method as FitMethod, hooks: hookList, dsas, strength: app.steer.strength }, (progress) => set({ fit: { ...get().fit, progress } }));
        }
        // The engine is free again: the re-generation the adoption schedules must not wait for the save below.
        endJob('fit');
        const rec = recordFrom(r.intervention, name);
        useApp.getState().adopt(activeFrom(rec), r.steering);
        set({ fit: { ...get().fit, status: 'done', progress: null, record: rec } });
        const problem = await get().saveInterventionRecord(rec);
        if (problem) {
          useApp.getState().entryChanged(rec.id, null);
          set({ fit: { ...get().fit, saveError: problem } });
        }
      } catch (e) {
        if (lostGpu()) {
          // The maps being fitted or trained lived on the lost device: nothing to resume from.
          const what = settings ? 'Training' : 'The fit';
          fitFail(`The GPU stopped working, so ${what.toLowerCase()} stopped and what it had made was lost with the device. The dataset and settings are kept: ${settings ? 'train' : 'fit'} again once the model is back.`);
        } else if (e instanceof EngineError && e.kind === 'aborted') set({ fit: { ...get().fit, status: 'idle', progress: null, train: null, error: null } });
        else fitFail(message(e), e instanceof EngineError ? e.issues : []);
      } finally {
        endJob('fit');
      }
    },

    async stopFit() {
      const f = get().fit;
      if (f.status !== 'running') return;
      set({ fit: { ...f, status: 'stopping' } });
      await getEngine()?.stop('fit');
    },

});
