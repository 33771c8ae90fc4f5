// `fit`: fit an intervention on a model from a dataset file and save it as a folder.
import fs from 'node:fs';
import path from 'node:path';
import { modelRef, openBrowserSession } from './browser-session.ts';
import { required, str, type Flags } from './args.ts';
import { writeInterventionFolder } from './intervention-folder.ts';

const METHODS = ['mean', 'linear-act'] as const;
type Method = (typeof METHODS)[number];

export async function runFit(flags: Flags): Promise<Record<string, unknown>> {
  const mounts: Record<string, string> = {};
  const model = modelRef(required(flags, 'model'), mounts);
  const datasetPath = required(flags, 'dataset');
  if (!fs.existsSync(datasetPath)) throw new Error(`no dataset file ${datasetPath}`);
  const method = required(flags, 'method');
  if (method === 'lineas') throw new Error('LinEAS training is not available yet; use --method mean or linear-act');
  if (!(METHODS as readonly string[]).includes(method)) throw new Error(`--method must be one of ${METHODS.join(', ')}, got "${method}"`);
  const out = required(flags, 'out');
  const session = await openBrowserSession(mounts);
  try {
    await session.api.load(model);
    const r = await session.api.fit({
      dataset: fs.readFileSync(datasetPath, 'utf8'),
      datasetName: path.basename(datasetPath),
      method: method as Method,
      hooks: str(flags, 'hooks'),
      dsas: Boolean(flags.dsas),
    });
    writeInterventionFolder(out, r.intervention);
    return { model: str(flags, 'model'), method, dsas: Boolean(flags.dsas), hooks: r.hooks, out, fitMs: r.fitMs, metrics: r.metrics };
  } finally {
    await session.close();
  }
}
