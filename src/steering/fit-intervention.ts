/**
 * Fits an intervention on the loaded model from a prompt dataset: Mean-AcT or Linear-AcT (incremental or
 * independent, spec section 4), optionally with DSAS gates (section 6) trained on unsteered source vs control.
 */
import type { GpuModel, Steering } from '../model/gpu/gpu-model.ts';
import type { HookName } from '../model/spec.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { collectPooled } from './collect-activations.ts';
import { datasetFormat, datasetHash, type PromptDataset } from './dataset.ts';
import { fitDsas } from './fit-dsas.ts';
import { fitIncremental, type FitMode, type FitOneFn } from './fit-incremental.ts';
import { gpuSourceStepper } from './layer-stepper.ts';
import type { Intervention } from './intervention.ts';
import type { ClosedFormMethod } from './methods/method.ts';
import type { ClosedFormMethodId } from './methods/registry.ts';

export interface FitRequest {
  method: ClosedFormMethod<ClosedFormMethodId>;
  hooks: HookName[];
  dsas: boolean;
  mode?: FitMode;
  /** Linear-AcT: apply only inside the source range (off by default). */
  sourceRange?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
  signal?: AbortSignal;
}

export async function fitClosedForm(
  modelId: string,
  model: GpuModel,
  tokenizer: Tokenizer,
  dataset: PromptDataset,
  req: FitRequest,
  restore: Steering,
): Promise<Intervention> {
  if (dataset.source.length === 0 || dataset.target.length === 0) throw new Error('the dataset needs source and target prompts');
  if (req.dsas && dataset.control.length === 0) throw new Error('DSAS needs control prompts (neutral text) in the dataset');
  const problem = req.method.datasetProblem({ source: dataset.source.length, target: dataset.target.length, control: dataset.control.length });
  if (problem) throw new Error(problem);
  const mode = req.mode ?? 'incremental';
  const format = datasetFormat(dataset);
  const fitOne: FitOneFn = (s, t) => req.method.fitMap(s, t, { sourceRange: req.sourceRange });
  const maps = await fitIncremental(
    req.hooks,
    (active, which, hooks) => collectPooled(model, tokenizer, which === 'source' ? dataset.source : dataset.target, hooks, active, restore, format),
    fitOne,
    mode,
    {
      signal: req.signal,
      onProgress: (done, total) => req.onProgress?.('maps', done, total),
      // Incremental sources layer by layer: each layer runs a few times instead of a forward per hook.
      stepper: mode === 'incremental' ? gpuSourceStepper(model, tokenizer, dataset.source, restore, format) : undefined,
    },
  );
  const metrics: Record<string, unknown> = {};
  if (req.dsas) {
    const src = await collectPooled(model, tokenizer, dataset.source, req.hooks, new Map(), restore, format);
    const ctl = await collectPooled(model, tokenizer, dataset.control, req.hooks, new Map(), restore, format);
    const accuracy: Record<string, number> = {};
    for (const h of req.hooks) {
      const fit = fitDsas(src.get(h)!, ctl.get(h)!);
      maps.get(h)!.gate = fit.gate;
      accuracy[h] = fit.accuracy;
    }
    metrics.dsasTrainAccuracy = accuracy;
  }
  return {
    modelId,
    method: req.method.id,
    hooks: maps,
    strength: 1,
    dataset: { name: dataset.name, hash: await datasetHash(dataset) },
    settings: { mode, dsas: req.dsas, sourceRange: req.sourceRange ?? false, hooks: req.hooks },
    metrics,
    created: new Date().toISOString(),
  };
}
