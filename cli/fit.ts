// `fit`: fit an intervention on a model from a dataset file and save it as a folder.
import fs from 'node:fs';
import path from 'node:path';
import { modelRef, openBrowserSession } from './browser-session.ts';
import { num, required, str, type Flags } from './args.ts';
import { writeInterventionFolder } from './intervention-folder.ts';
import { closedFormMethod, FITTABLE_METHODS, steeringMethod } from '../src/steering/methods/registry.ts';

const METHODS = FITTABLE_METHODS.map((m) => m.id);

export async function runFit(flags: Flags): Promise<Record<string, unknown>> {
  const mounts: Record<string, string> = {};
  const model = modelRef(required(flags, 'model'), mounts);
  const datasetPath = required(flags, 'dataset');
  if (!fs.existsSync(datasetPath)) throw new Error(`no dataset file ${datasetPath}`);
  const method = required(flags, 'method');
  if (!(METHODS as string[]).includes(method)) throw new Error(`--method must be one of ${METHODS.join(', ')}, got "${method}"`);
  const out = required(flags, 'out');
  const session = await openBrowserSession(mounts);
  try {
    await session.api.load(model);
    if (steeringMethod(method)?.kind === 'trained') {
      const dsas = flags['dsas-e2e'] ? ('e2e' as const) : undefined;
      if (flags.dsas) throw new Error('LinEAS takes --dsas e2e (gates trained end to end)');
      const trainer = str(flags, 'trainer') ?? 'auto';
      if (trainer !== 'auto' && trainer !== 'cpu' && trainer !== 'gpu') throw new Error(`--trainer must be auto, cpu or gpu, got "${trainer}"`);
      const r = await session.api.fitLineas({
        dataset: fs.readFileSync(datasetPath, 'utf8'),
        datasetName: path.basename(datasetPath),
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
      writeInterventionFolder(out, r.intervention);
      const metrics = r.metrics as { finalLoss: number; curve: unknown[]; support: unknown };
      return { model: str(flags, 'model'), method, trainer: r.trainer, dsas: dsas ?? false, hooks: r.hooks, out, fitMs: r.fitMs, finalLoss: metrics.finalLoss, curve: metrics.curve, support: metrics.support };
    }
    const closedForm = closedFormMethod(method);
    if (!closedForm) throw new Error(`--method ${method} is not fitted in closed form`);
    const r = await session.api.fit({
      dataset: fs.readFileSync(datasetPath, 'utf8'),
      datasetName: path.basename(datasetPath),
      method: closedForm.id,
      hooks: str(flags, 'hooks'),
      dsas: Boolean(flags.dsas),
    });
    writeInterventionFolder(out, r.intervention);
    return { model: str(flags, 'model'), method, dsas: Boolean(flags.dsas), hooks: r.hooks, out, fitMs: r.fitMs, metrics: r.metrics };
  } finally {
    await session.close();
  }
}
