// `fit`: fit an intervention on a model from a dataset file and save it as a folder.
import { hubOptionsFrom } from './hub-cache.ts';
import { readDatasetFile } from './dataset-file.ts';
import { heartbeat, progress } from './progress.ts';
import { modelRef, openBrowserSession } from './browser-session.ts';
import { num, required, str, type Flags } from './args.ts';
import { writeInterventionFolder } from './intervention-folder.ts';
import { closedFormMethod, FITTABLE_METHODS, steeringMethod } from '../src/steering/methods/registry.ts';
import type { FitMode } from '../src/steering/fit-incremental.ts';

const METHODS = FITTABLE_METHODS.map((m) => m.id);

export async function runFit(flags: Flags): Promise<Record<string, unknown>> {
  const mounts: Record<string, string> = {};
  const model = modelRef(required(flags, 'model'), mounts);
  const datasetPath = required(flags, 'dataset');
  // Checked here (format and size limits) so a bad file fails before the browser starts.
  const data = readDatasetFile(datasetPath);
  const method = required(flags, 'method');
  if (!(METHODS as string[]).includes(method)) throw new Error(`--method must be one of ${METHODS.join(', ')}, got "${method}"`);
  const out = required(flags, 'out');
  progress(`starting the browser and loading ${model}…`);
  const session = await openBrowserSession(mounts, hubOptionsFrom(flags));
  let stopBeat = () => {};
  try {
    const loaded = await session.api.load(model);
    const sizes = `${data.dataset.source.length} source / ${data.dataset.target.length} target / ${data.dataset.control.length} control prompts`;
    progress(`model loaded (${Math.round(loaded.loadMs)} ms); fitting ${method} on ${sizes}`);
    stopBeat = heartbeat(`fitting ${method}`);
    if (steeringMethod(method)?.kind === 'trained') {
      const dsas = flags['dsas-e2e'] ? ('e2e' as const) : undefined;
      if (flags.dsas) throw new Error('LinEAS takes --dsas e2e (gates trained end to end)');
      const trainer = str(flags, 'trainer') ?? 'auto';
      if (trainer !== 'auto' && trainer !== 'cpu' && trainer !== 'gpu') throw new Error(`--trainer must be auto, cpu or gpu, got "${trainer}"`);
      const r = await session.api.fitLineas({
        dataset: data.text,
        datasetName: data.name,
        hooks: str(flags, 'hooks'),
        steps: num(flags, 'steps'),
        lr: num(flags, 'lr'),
        batch: num(flags, 'batch'),
        l1: num(flags, 'l1'),
        group: num(flags, 'group'),
        seed: num(flags, 'seed'),
        dsas,
        trainer,
      });
      stopBeat();
      writeInterventionFolder(out, r.intervention);
      progress(`fitted in ${Math.round(r.fitMs)} ms; saved ${out}`);
      const metrics = r.metrics as { finalLoss: number; curve: unknown[]; support: unknown };
      return { model: str(flags, 'model'), method, trainer: r.trainer, dsas: dsas ?? false, hooks: r.hooks, out, fitMs: r.fitMs, finalLoss: metrics.finalLoss, curve: metrics.curve, support: metrics.support };
    }
    const closedForm = closedFormMethod(method);
    if (!closedForm) throw new Error(`--method ${method} is not fitted in closed form`);
    const r = await session.api.fit({
      dataset: data.text,
      datasetName: data.name,
      method: closedForm.id,
      hooks: str(flags, 'hooks'),
      dsas: Boolean(flags.dsas),
      mode: fitModeFlag(flags),
    });
    stopBeat();
    writeInterventionFolder(out, r.intervention);
    progress(`fitted in ${Math.round(r.fitMs)} ms; saved ${out}`);
    return { model: str(flags, 'model'), method, dsas: Boolean(flags.dsas), hooks: r.hooks, out, fitMs: r.fitMs, metrics: r.metrics };
  } finally {
    stopBeat();
    await session.close();
  }
}

/**
 * `--mode incremental|independent` (Mean-AcT / Linear-AcT): incremental (the default) fits hook after hook with the
 * earlier maps active, running the source prompts again for every hook; independent collects every hook once.
 */
export function fitModeFlag(flags: Flags): FitMode | undefined {
  const mode = str(flags, 'mode');
  if (mode === undefined) return undefined;
  if (mode !== 'incremental' && mode !== 'independent') throw new Error(`--mode must be incremental or independent, got "${mode}"`);
  return mode;
}
