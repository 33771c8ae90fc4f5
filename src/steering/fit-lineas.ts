/**
 * LinEAS (spec section 5) on the loaded model: source prompts steered end to end onto unsteered target activations at
 * every selected hook, with the float64 CPU trainer or (given `gpu`) the float32 GPU gradients. With `dsas: 'e2e'`
 * the DSAS gates are initialised from the per-hook detectors (section 6) and trained jointly, with the control term
 * keeping control prompts put.
 */
import type { CpuWeights } from '../model/cpu/weights.ts';
import type { GpuWeights } from '../model/gpu/gpu-weights.ts';
import type { HookName, ModelSpec } from '../model/spec.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { tokenizePrompt } from './collect-activations.ts';
import { datasetFormat, datasetHash, type PromptDataset } from './dataset.ts';
import { fitDsas } from './fit-dsas.ts';
import type { Intervention } from './intervention.ts';
import { CpuLineasModel, cpuPooled, identityParams, makeCpuGradientFn, trainLineas, type GradientFn, type TrainProgress } from './lineas/index.ts';
import { gpuPooledUnsteered, makeGpuGradientFn } from './lineas/gpu-gradient.ts';

/** What the GPU trainer needs: the device and the loaded model's GPU weights. */
export interface LineasGpu {
  device: GPUDevice;
  weights: GpuWeights;
}

export interface LineasRequest {
  hooks: HookName[];
  steps?: number;
  lr?: number;
  batch?: number;
  l1?: number;
  group?: number;
  seed?: number;
  dsas?: 'e2e';
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface CurvePoint {
  step: number;
  loss: number;
  lr: number;
  activeNeurons: number;
  activeHooks: number;
  elapsedMs: number;
}

export async function fitLineas(
  modelId: string,
  spec: ModelSpec,
  weights: CpuWeights | null,
  tokenizer: Tokenizer,
  dataset: PromptDataset,
  req: LineasRequest,
  gpu?: LineasGpu,
): Promise<Intervention> {
  if (dataset.source.length === 0 || dataset.target.length === 0) throw new Error('the dataset needs source and target prompts');
  if (req.dsas === 'e2e' && dataset.control.length === 0) throw new Error('E2E-DSAS needs control prompts (neutral text) in the dataset');
  const format = datasetFormat(dataset);
  const source = dataset.source.map((t) => tokenizePrompt(tokenizer, t, format));
  const target = dataset.target.map((t) => tokenizePrompt(tokenizer, t, format));
  const control = req.dsas === 'e2e' ? dataset.control.map((t) => tokenizePrompt(tokenizer, t, format)) : [];
  if (!gpu && !weights) throw new Error('LinEAS: the CPU trainer needs the CPU weights');
  const model = gpu ? null : new CpuLineasModel(spec, weights!);
  const gpuFn = gpu
    ? await makeGpuGradientFn({ device: gpu.device, spec, weights: gpu.weights, source, target, lossHooks: req.hooks, control })
    : null;
  let gates: Map<HookName, { a: Float32Array; c: number }> | undefined;
  try {
    if (req.dsas === 'e2e') {
      const src = gpuFn ? await gpuPooledUnsteered(gpuFn.tape, source, req.hooks) : cpuPooled(model!, source, req.hooks);
      const ctl = gpuFn ? await gpuPooledUnsteered(gpuFn.tape, control, req.hooks) : cpuPooled(model!, control, req.hooks);
      gates = new Map(req.hooks.map((h) => [h, fitDsas(src.get(h)!, ctl.get(h)!).gate]));
    }
    const settings = {
      steps: req.steps ?? 1000,
      lr: req.lr ?? 1e-3,
      batch: Math.min(req.batch ?? 32, source.length),
      l1: req.l1 ?? 0,
      group: req.group ?? 0,
      seed: req.seed ?? 0,
      dsas: req.dsas ?? null,
      hooks: req.hooks,
    };
    const gradientFn: GradientFn = gpuFn ?? makeCpuGradientFn({ spec, weights: weights!, model: model!, source, target, lossHooks: req.hooks, control });
    const result = await trainLineas({
      hooks: req.hooks,
      hiddenSize: spec.hiddenSize,
      init: identityParams(req.hooks, spec.hiddenSize, gates),
      numSource: source.length,
      numControl: control.length,
      gradientFn,
      steps: settings.steps,
      lr: settings.lr,
      batchSize: settings.batch,
      seed: settings.seed,
      l1: settings.l1,
      groupLambda: settings.group,
      trainGates: req.dsas === 'e2e',
      onProgress: req.onProgress,
      signal: req.signal,
    });
    const curve: CurvePoint[] = result.curve.map((p) => ({ step: p.step, loss: p.loss, lr: p.lr, activeNeurons: p.activeNeurons, activeHooks: p.activeHooks, elapsedMs: p.elapsedMs }));
    return {
      modelId,
      method: 'lineas',
      hooks: result.maps,
      strength: 1,
      dataset: { name: dataset.name, hash: await datasetHash(dataset) },
      settings: { ...settings, trainer: gpuFn ? 'gpu-f32' : 'cpu-float64' },
      metrics: {
        finalLoss: curve.at(-1)?.loss ?? null,
        stepsDone: result.stepsDone,
        aborted: result.aborted,
        support: { activeNeurons: result.activeNeurons, activeHooks: result.activeHooks, perHook: Object.fromEntries(result.perHookSupport) },
        curve,
      },
      created: new Date().toISOString(),
    };
  } finally {
    gpuFn?.dispose();
  }
}
