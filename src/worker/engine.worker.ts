/**
 * The engine in a dedicated module worker: one GPU context, at most one loaded model, one call at a time (load and
 * generate queue behind each other; adapter and stop answer at once). See protocol.ts for the messages.
 */
import { createGpuContext, WebGpuUnavailableError, type GpuContext } from '../gpu/device.ts';
import { ModelConfigError } from '../model/config.ts';
import { cpuWeightsFromFiles } from '../model/cpu/weights-from-files.ts';
import type { CpuWeights } from '../model/cpu/weights.ts';
import { ContextOverflowError, type GpuModel } from '../model/gpu/gpu-model.ts';
import { generate } from '../model/generate.ts';
import { loadModel, type LoadedModel } from '../model/load-model.ts';
import { ModelFileError, pickedModelFiles, type ModelFiles } from '../model/formats/model-files.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import { SafetensorsError } from '../model/formats/safetensors.ts';
import { parseShardIndex, SHARD_INDEX_FILE, ShardIndexError } from '../model/formats/shard-index.ts';
import { TokenizerError } from '../model/tokenizer.ts';
import { CheckpointTensorError } from '../model/formats/weight-names.ts';
import type { HookName } from '../model/spec.ts';
import { DatasetError, parseDataset } from '../steering/dataset.ts';
import { fitClosedForm } from '../steering/fit-intervention.ts';
import { fitLineas } from '../steering/fit-lineas.ts';
import { chooseTrainer } from '../steering/lineas/choose-trainer.ts';
import { prefersBarrierFree } from '../kernels/matmul.ts';
import type { TrainProgress } from '../steering/lineas/index.ts';
import { parseHookSelection } from '../steering/hook-selection.ts';
import { decodeIntervention, encodeIntervention, InterventionFileError } from '../steering/intervention-file.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { Intervention } from '../steering/intervention.ts';
import type {
  EncodedIntervention,
  EngineErrorInfo,
  EngineErrorKind,
  EngineEvent,
  EngineRequest,
  EvalParams,
  FitParams,
  FitProgressEvent,
  GenerateParams,
  LoadProgressEvent,
  ModelInfo,
  ModelSource,
  RequestType,
  ResultOf,
  SteeringOptions,
  SteeringState,
  TokenEvent,
  TrainParams,
  TrainProgressEvent,
} from './protocol.ts';
import { ProgressThrottle } from './progress-throttle.ts';
import { runEvaluation } from './run-eval.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: EngineEvent) => scope.postMessage(e);

/** An error that already carries its kind and a user-readable message. */
class EngineFailure extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
  }
}

let ctx: GpuContext | null = null;
let ctxPromise: Promise<GpuContext> | null = null;
let loaded: LoadedModel | null = null;
/** Where the loaded model's files are (the CPU trainer reads its weights from them). */
let loadedFiles: ModelFiles | null = null;
/** The loaded model's weights on the CPU, read once on the first LinEAS training. */
let cpuWeights: { of: LoadedModel; weights: Promise<CpuWeights> } | null = null;
let running: AbortController | null = null;
/** What `running` belongs to. */
let runningKind: 'generate' | 'fit' | 'eval' | null = null;
/** The active intervention and how it is applied (cleared when a model loads). */
let steer: { iv: Intervention; strength: number; useGate: boolean; hooks: HookName[] } | null = null;
/** λ kept while no intervention is set, so the next one starts at it. */
let strengthWithout = 1;
/** Load and generate run one after another. */
let queue: Promise<unknown> = Promise.resolve();

function serial<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

async function gpu(): Promise<GpuContext> {
  if (ctx) return ctx;
  ctxPromise ??= createGpuContext().then(
    (c) => {
      ctx = c;
      void c.lost.then((reason) => {
        if (ctx !== c) return;
        ctx = null;
        ctxPromise = null;
        loaded = null;
        cpuWeights = null;
        steer = null;
        running?.abort();
        post({ id: 0, type: 'device-lost', error: { kind: 'gpu', message: `The GPU stopped working (${reason}). Load the model again.` } });
      });
      return c;
    },
    (e) => {
      ctxPromise = null;
      throw e;
    },
  );
  return ctxPromise;
}

function describe(e: unknown, during: RequestType): EngineErrorInfo {
  if (e instanceof EngineFailure) return { kind: e.kind, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  if (e instanceof WebGpuUnavailableError) return { kind: 'webgpu', message };
  if (
    e instanceof ModelFileError ||
    e instanceof ModelConfigError ||
    e instanceof TokenizerError ||
    e instanceof SafetensorsError ||
    e instanceof ShardIndexError ||
    e instanceof CheckpointTensorError
  ) {
    // These name the model, file or field first: keep their spelling.
    return { kind: during === 'generate' ? 'input' : 'model', message };
  }
  if (e instanceof ContextOverflowError) return { kind: 'input', message: sentence };
  if (e instanceof DatasetError) return { kind: 'input', message: `The dataset has problems: ${e.issues.join('; ')}`, issues: e.issues };
  if (e instanceof InterventionFileError) return { kind: 'input', message: sentence };
  if (/^GPU error|out of memory|device (was )?lost/i.test(message)) return { kind: 'gpu', message: `The GPU failed: ${message}` };
  if (during === 'load') return { kind: 'model', message: `The model could not be loaded: ${message}` };
  if (during === 'generate' || during === 'fit' || during === 'train' || during === 'evaluate' || during === 'setIntervention' || during === 'updateSteering' || during === 'setStrength') {
    return { kind: 'input', message: sentence };
  }
  return { kind: 'internal', message: `Something went wrong in the engine: ${message}` };
}

/** A ModelFiles that reads each small file once (the worker peeks at the shard index before loadModel reads it). */
function memoText(files: ModelFiles): ModelFiles {
  const texts = new Map<string, Promise<string | null>>();
  return {
    id: files.id,
    text(name) {
      let t = texts.get(name);
      if (!t) {
        t = files.text(name);
        texts.set(name, t);
        t.catch(() => texts.delete(name));
      }
      return t;
    },
    range: (name, start, end) => files.range(name, start, end),
    stream: (name, start) => files.stream(name, start),
  };
}

function modelFiles(source: ModelSource): ModelFiles {
  if (source.kind === 'ref') {
    const ref = source.ref.trim();
    if (!ref) throw new EngineFailure('model', 'Choose a model first.');
    try {
      return resolveModelSource(ref);
    } catch (e) {
      throw new EngineFailure('model', (e as Error).message);
    }
  }
  if (source.files.length === 0) throw new EngineFailure('model', 'The chosen folder is empty.');
  // A cloned File may lose its webkitRelativePath; the page sends it alongside.
  const files = source.files.map(({ path, file }) => {
    Object.defineProperty(file, 'webkitRelativePath', { value: path, configurable: true });
    return file;
  });
  return pickedModelFiles(source.id, files);
}

async function weightFiles(files: ModelFiles): Promise<string[]> {
  try {
    const index = await files.text(SHARD_INDEX_FILE);
    return index === null ? ['model.safetensors'] : parseShardIndex(JSON.parse(index)).files;
  } catch {
    return []; // loadModel reports the problem in its own words
  }
}

async function load(id: number, source: ModelSource, maxContext: number | undefined): Promise<ModelInfo> {
  stopRunning();
  return serial(async () => {
    const t0 = performance.now();
    loaded?.model.destroy();
    loaded = null;
    loadedFiles = null;
    cpuWeights = null;
    steer = null;
    const files = memoText(modelFiles(source));
    const c = await gpu();
    const shards = await weightFiles(files);
    let last = 0;
    let lastFile = '';
    const report = (p: LoadProgressEvent) => {
      const now = performance.now();
      const important = p.phase !== 'weights' || p.file !== lastFile || p.loadedBytes === p.totalBytes;
      if (!important && now - last < 50) return;
      last = now;
      lastFile = p.file;
      post({ id, type: 'progress', progress: p });
    };
    const m = await loadModel(files, c, {
      maxContext,
      onProgress: (p) => {
        const i = shards.indexOf(p.file);
        report({ ...p, fileIndex: p.phase === 'done' ? shards.length : i + 1, fileCount: shards.length });
      },
    });
    loaded = m;
    loadedFiles = files;
    return info(m, performance.now() - t0);
  });
}

function info(m: LoadedModel, loadMs: number): ModelInfo {
  const model: GpuModel = m.model;
  return {
    id: m.id,
    modelType: m.spec.modelType,
    numLayers: m.spec.numLayers,
    hiddenSize: m.spec.hiddenSize,
    vocabSize: m.spec.vocabSize,
    maxContext: model.maxContext,
    hasChatTemplate: m.tokenizer.hasChatTemplate,
    weightDType: model.weights.dtype,
    gpuBytes: model.memory.gpuBytes,
    loadMs,
  };
}

async function runGenerate(id: number, p: GenerateParams): Promise<ResultOf['generate']> {
  return serial(async () => {
    const m = loaded;
    if (!m) throw new EngineFailure('no-model', 'Load a model first.');
    if (!p.prompt) throw new EngineFailure('input', 'Write a prompt first.');
    if (p.chat && !m.tokenizer.hasChatTemplate) throw new EngineFailure('input', 'This model has no chat template; turn off Chat to use plain completion.');
    const promptIds = p.chat ? m.tokenizer.encodeChat([{ role: 'user', content: p.prompt }]) : m.tokenizer.encode(p.prompt);
    const controller = new AbortController();
    running = controller;
    runningKind = 'generate';
    let prev = '';
    const steered = !p.unsteered && steer !== null && steer.hooks.length > 0;
    if (p.unsteered && steer) m.model.setSteering(null);
    try {
      const s = p.sampling;
      const r = await generate(m, promptIds, {
        maxNewTokens: p.maxNewTokens,
        greedy: s.greedy,
        ...(s.greedy ? {} : { temperature: s.temperature, topP: s.topP, topK: s.topK, seed: s.seed }),
        repetitionPenalty: s.repetitionPenalty,
        signal: controller.signal,
        onToken: (t) => {
          const token: TokenEvent = {
            index: t.index,
            tokenId: t.tokenId,
            text: t.text.startsWith(prev) ? t.text.slice(prev.length) : t.text,
            fullText: t.text,
            strengths: t.strengths,
          };
          if (t.index === 0 && !p.chat) token.lead = leadingSpace(m, promptIds[promptIds.length - 1], t.tokenId, t.text);
          prev = t.text;
          post({ id, type: 'token', token });
        },
      });
      return {
        promptTokenCount: promptIds.length,
        tokenIds: r.tokenIds,
        text: r.text,
        stopReason: r.stopReason,
        hooks: r.hooks,
        promptStrengths: r.promptStrengths,
        promptTokens: r.promptStrengths.length > 0 ? tokenTexts(m, promptIds) : undefined,
        strengths: r.strengths,
        strength: steered ? steer!.strength : null,
        timings: r.timings,
      };
    } finally {
      if (running === controller) running = null;
      if (p.unsteered && steer) m.model.setSteering(steeringConfig());
    }
  });
}

/**
 * Each token's text in context: what decoding it adds after the (up to) 8 tokens before it, so SentencePiece spaces
 * come out right; linear in the prompt length.
 */
function tokenTexts(m: LoadedModel, ids: number[]): string[] {
  return ids.map((_, i) => {
    try {
      const from = Math.max(0, i - 8);
      const before = m.tokenizer.decode(ids.slice(from, i));
      const withIt = m.tokenizer.decode(ids.slice(from, i + 1));
      return withIt.startsWith(before) ? withIt.slice(before.length) : m.tokenizer.decode([ids[i]]);
    } catch {
      return '';
    }
  });
}

/** Whitespace the decoder drops before the first generated token when it is decoded alone (see TokenEvent.lead). */
function leadingSpace(m: LoadedModel, lastPromptId: number, tokenId: number, alone: string): string {
  try {
    const before = m.tokenizer.decode([lastPromptId]);
    const joined = m.tokenizer.decode([lastPromptId, tokenId]);
    if (!joined.startsWith(before)) return '';
    const expected = joined.slice(before.length);
    const lead = expected.endsWith(alone) ? expected.slice(0, expected.length - alone.length) : '';
    return /^\s+$/.test(lead) ? lead : '';
  } catch {
    return '';
  }
}

/** The maps the model runs with now: the active intervention's selected hooks. */
function steeringConfig() {
  if (!steer || steer.hooks.length === 0) return null;
  const maps = new Map<HookName, HookMap>();
  for (const h of steer.hooks) maps.set(h, steer.iv.hooks.get(h)!);
  return { maps, lambda: steer.strength, useGate: steer.useGate };
}

function steeringState(): SteeringState {
  const iv = steer?.iv;
  return {
    intervention: iv
      ? { modelId: iv.modelId, method: iv.method, hooks: [...iv.hooks.keys()], hasGates: [...iv.hooks.values()].some((m) => m.gate !== undefined), created: iv.created ?? null }
      : null,
    activeHooks: steer ? [...steer.hooks] : [],
    gatedHooks: loaded && steer ? [...loaded.model.gatedHooks] : [],
    strength: steer?.strength ?? strengthWithout,
    useGate: steer?.useGate ?? true,
  };
}

function checkStrength(strength: number): number {
  if (!(typeof strength === 'number' && Number.isFinite(strength))) throw new EngineFailure('input', `The strength must be a number, got ${strength}.`);
  return strength;
}

function pickHooks(iv: Intervention, hooks: HookName[] | undefined): HookName[] {
  const all = [...iv.hooks.keys()];
  if (hooks === undefined) return all;
  const unknown = hooks.filter((h) => !iv.hooks.has(h));
  if (unknown.length) throw new EngineFailure('input', `The intervention has no map at ${unknown.join(', ')}; it has ${all.join(', ')}.`);
  return all.filter((h) => hooks.includes(h));
}

function apply(): SteeringState {
  loaded?.model.setSteering(steeringConfig());
  return steeringState();
}

function setIntervention(enc: EncodedIntervention | null, o: SteeringOptions): Promise<SteeringState> {
  return serial(async () => {
    const m = loaded;
    if (!m) throw new EngineFailure('no-model', 'Load a model first.');
    const strength = checkStrength(o.strength);
    if (!enc) {
      steer = null;
      strengthWithout = strength;
      return apply();
    }
    // The model id is not checked: a file fitted through the CLI names the model by its path. Shapes are.
    const iv = decodeIntervention(enc.manifest, new Uint8Array(enc.tensors), { hiddenSize: m.spec.hiddenSize, numLayers: m.spec.numLayers });
    steer = { iv, strength, useGate: o.useGate, hooks: pickHooks(iv, o.hooks) };
    return apply();
  });
}

function updateSteering(o: Partial<SteeringOptions>): Promise<SteeringState> {
  return serial(async () => {
    if (!loaded) throw new EngineFailure('no-model', 'Load a model first.');
    if (o.strength !== undefined) checkStrength(o.strength);
    if (!steer) {
      if (o.strength !== undefined) strengthWithout = o.strength;
      return steeringState();
    }
    steer = {
      iv: steer.iv,
      strength: o.strength ?? steer.strength,
      useGate: o.useGate ?? steer.useGate,
      hooks: o.hooks ? pickHooks(steer.iv, o.hooks) : steer.hooks,
    };
    return apply();
  });
}

function setStrength(strength: number): Promise<SteeringState> {
  return serial(async () => {
    if (!loaded) throw new EngineFailure('no-model', 'Load a model first.');
    checkStrength(strength);
    if (!steer) strengthWithout = strength;
    else {
      steer.strength = strength;
      loaded.model.setLambda(strength);
    }
    return steeringState();
  });
}

/** The loaded model, the parsed dataset and the hooks a fit or a training run asks for (input errors in plain words). */
function fitInputs(p: { dataset: { text: string; fileName: string }; hooks: string }) {
  const m = loaded;
  if (!m) throw new EngineFailure('no-model', 'Load a model first.');
  const dataset = parseDataset(p.dataset.text, p.dataset.fileName || 'dataset.json');
  try {
    return { m, dataset, hooks: parseHookSelection(p.hooks, m.spec.numLayers) };
  } catch (e) {
    throw new EngineFailure('input', `The hook selection is not usable: ${(e as Error).message}.`);
  }
}

function runFit(id: number, p: FitParams): Promise<ResultOf['fit']> {
  return serial(async () => {
    const { m, dataset, hooks } = fitInputs(p);
    if (p.method !== 'mean' && p.method !== 'linear-act') throw new EngineFailure('input', `Unknown method "${String(p.method)}".`);
    const controller = new AbortController();
    running = controller;
    runningKind = 'fit';
    const progress = (pr: FitProgressEvent) => post({ id, type: 'fit-progress', progress: pr });
    const t0 = performance.now();
    try {
      progress({ stage: 'maps', done: 0, total: hooks.length });
      const iv = await fitClosedForm(
        m.id,
        m.model,
        m.tokenizer,
        dataset,
        {
          method: p.method,
          hooks,
          dsas: p.dsas,
          signal: controller.signal,
          onProgress: (_stage, done, total) => {
            progress({ stage: 'maps', done, total });
            if (done === total && p.dsas) progress({ stage: 'dsas', done: 0, total: 0 });
          },
        },
        steeringConfig(),
      );
      if (controller.signal.aborted) throw new EngineFailure('aborted', 'Fitting was stopped.');
      const fitMs = performance.now() - t0;
      iv.metrics = { ...(iv.metrics ?? {}), fitMs, prompts: { source: dataset.source.length, target: dataset.target.length, control: dataset.control.length } };
      const { manifest, tensors } = encodeIntervention(iv);
      steer = { iv, strength: checkStrength(p.strength ?? 1), useGate: p.dsas, hooks: [...iv.hooks.keys()] };
      const buffer = tensors.buffer.slice(tensors.byteOffset, tensors.byteOffset + tensors.byteLength) as ArrayBuffer;
      return { intervention: { manifest, tensors: buffer }, hooks, fitMs, metrics: iv.metrics, steering: apply() };
    } catch (e) {
      if (controller.signal.aborted) {
        loaded?.model.setSteering(steeringConfig());
        throw new EngineFailure('aborted', 'Fitting was stopped.');
      }
      throw e;
    } finally {
      if (running === controller) running = null;
    }
  });
}

/** The loaded model's weights as f32 on the CPU, read from its files once (the harness's fitLineas does the same). */
function weightsOnCpu(m: LoadedModel): Promise<CpuWeights> {
  if (cpuWeights?.of !== m) {
    if (!loadedFiles) throw new EngineFailure('no-model', 'Load a model first.');
    const weights = cpuWeightsFromFiles(loadedFiles);
    const entry = { of: m, weights };
    weights.catch(() => {
      if (cpuWeights === entry) cpuWeights = null;
    });
    cpuWeights = entry;
  }
  return cpuWeights.weights;
}

function checkTrainParams(p: TrainParams): void {
  const bad = (what: string, v: unknown) => new EngineFailure('input', `${what}, got ${String(v)}.`);
  if (!(Number.isInteger(p.steps) && p.steps >= 1)) throw bad('Steps must be a whole number of at least 1', p.steps);
  if (!(Number.isFinite(p.lr) && p.lr > 0)) throw bad('The learning rate must be a positive number', p.lr);
  if (!(Number.isInteger(p.batch) && p.batch >= 1)) throw bad('The batch size must be a whole number of at least 1', p.batch);
  if (!(Number.isFinite(p.l1) && p.l1 >= 0)) throw bad('L1 must be a number ≥ 0', p.l1);
  if (!(Number.isFinite(p.group) && p.group >= 0)) throw bad('The sparse-group strength must be a number ≥ 0', p.group);
  if (!Number.isInteger(p.seed)) throw bad('The seed must be a whole number', p.seed);
}

const record = (m: Map<HookName, number> | undefined): Partial<Record<HookName, number>> | undefined => (m ? Object.fromEntries(m) : undefined);

/** LinEAS (± E2E-DSAS) on the GPU or CPU trainer (chooseTrainer), streaming throttled progress; stopping keeps the maps trained so far. */
function runTrain(id: number, p: TrainParams): Promise<ResultOf['train']> {
  return serial(async () => {
    checkTrainParams(p);
    const { m, dataset, hooks } = fitInputs(p);
    const controller = new AbortController();
    running = controller;
    runningKind = 'fit';
    const t0 = performance.now();
    const base: TrainProgressEvent = {
      phase: 'weights',
      step: 0,
      steps: p.steps,
      loss: null,
      perHook: {},
      controlLoss: 0,
      lr: p.lr,
      activeNeurons: 0,
      activeHooks: 0,
      hooks,
      totalNeurons: hooks.length * m.spec.hiddenSize,
      elapsedMs: 0,
      points: [],
    };
    const send = (e: TrainProgressEvent) => post({ id, type: 'train-progress', progress: e });
    const stoppedEarly = () => new EngineFailure('aborted', 'Training was stopped before its first step, so there is nothing to keep.');
    send(base);
    const throttle = new ProgressThrottle<TrainProgressEvent>((b) => send({ ...b.state, points: b.points }));
    try {
      const c = await gpu();
      const trainer = chooseTrainer(p.trainer ?? 'auto', { softwareAdapter: prefersBarrierFree(c.adapterInfo), weightBytes: m.model.memory.weightBytes });
      const weights = trainer === 'cpu' ? await weightsOnCpu(m) : null;
      if (controller.signal.aborted) throw stoppedEarly();
      send({ ...base, phase: 'prepare', elapsedMs: performance.now() - t0 });
      const onGpu = trainer === 'gpu' ? { device: c.device, weights: m.model.weights } : undefined;
      const iv = await fitLineas(m.id, m.spec, weights, m.tokenizer, dataset, {
        hooks,
        steps: p.steps,
        lr: p.lr,
        batch: p.batch,
        l1: p.l1,
        group: p.group,
        seed: p.seed,
        dsas: p.dsas ? 'e2e' : undefined,
        signal: controller.signal,
        onProgress: (tp: TrainProgress) =>
          throttle.push({
            ...base,
            phase: 'train',
            step: tp.step,
            loss: tp.loss,
            perHook: Object.fromEntries(tp.perHook),
            controlLoss: tp.controlLoss,
            lr: tp.lr,
            activeNeurons: tp.activeNeurons,
            activeHooks: tp.activeHooks,
            perHookActive: record(tp.perHookSupport),
            elapsedMs: performance.now() - t0,
          }),
      }, onGpu);
      throttle.flush();
      const stepsDone = Number(iv.metrics?.stepsDone ?? 0);
      const aborted = iv.metrics?.aborted === true;
      if (aborted && stepsDone === 0) throw stoppedEarly();
      const fitMs = performance.now() - t0;
      iv.metrics = { ...(iv.metrics ?? {}), fitMs, prompts: { source: dataset.source.length, target: dataset.target.length, control: dataset.control.length } };
      const { manifest, tensors } = encodeIntervention(iv);
      steer = { iv, strength: checkStrength(p.strength ?? 1), useGate: p.dsas, hooks: [...iv.hooks.keys()] };
      const buffer = tensors.buffer.slice(tensors.byteOffset, tensors.byteOffset + tensors.byteLength) as ArrayBuffer;
      return { intervention: { manifest, tensors: buffer }, hooks, fitMs, metrics: iv.metrics, steering: apply(), aborted, stepsDone, trainer };
    } catch (e) {
      throttle.flush();
      throw e;
    } finally {
      if (running === controller) running = null;
    }
  });
}

/**
 * A λ sweep of the active intervention (run-eval.ts), queued like the other calls; stop('eval') ends it with the
 * finished points. The model's steering is put back to the active settings afterwards, whatever happens.
 */
function runEvaluate(id: number, p: EvalParams): Promise<ResultOf['evaluate']> {
  return serial(async () => {
    const m = loaded;
    if (!m) throw new EngineFailure('no-model', 'Load a model first.');
    const config = steeringConfig();
    if (!steer || !config) throw new EngineFailure('input', 'Fit, train or load an intervention first: evaluation sweeps the active one.');
    const controller = new AbortController();
    running = controller;
    runningKind = 'eval';
    try {
      return await runEvaluation(m, steer.iv, config.maps, p, {
        signal: controller.signal,
        onProgress: (progress) => post({ id, type: 'eval-progress', progress }),
        inputError: (message) => new EngineFailure('input', message),
      });
    } finally {
      if (running === controller) running = null;
      try {
        apply();
      } catch {
        // The device is gone or the model changed: the call's own outcome is what gets reported.
      }
    }
  });
}

/** Aborts the running generation or fit (only that kind when given). */
function stopRunning(kind?: 'generate' | 'fit' | 'eval'): boolean {
  if (!running || (kind && runningKind !== kind)) return false;
  running.abort();
  return true;
}

async function handle(req: EngineRequest): Promise<void> {
  try {
    let result: ResultOf[RequestType];
    switch (req.type) {
      case 'adapter': {
        const c = await gpu();
        result = { ...c.adapterInfo, hasF16: c.hasF16, maxBufferSize: c.limits.maxBufferSize, maxStorageBufferBindingSize: c.limits.maxStorageBufferBindingSize };
        break;
      }
      case 'load':
        result = await load(req.id, req.source, req.maxContext);
        break;
      case 'generate':
        result = await runGenerate(req.id, req.params);
        break;
      case 'stop':
        result = { stopped: stopRunning(req.what) };
        break;
      case 'unload':
        stopRunning();
        result = await serial(async () => {
          const had = loaded !== null;
          loaded?.model.destroy();
          loaded = null;
          loadedFiles = null;
          cpuWeights = null;
          steer = null;
          return { unloaded: had };
        });
        break;
      case 'fit':
        result = await runFit(req.id, req.params);
        break;
      case 'train':
        result = await runTrain(req.id, req.params);
        break;
      case 'evaluate':
        result = await runEvaluate(req.id, req.params);
        break;
      case 'setIntervention':
        result = await setIntervention(req.intervention, { strength: req.strength, useGate: req.useGate, hooks: req.hooks });
        break;
      case 'updateSteering':
        result = await updateSteering({ strength: req.strength, useGate: req.useGate, hooks: req.hooks });
        break;
      case 'setStrength':
        result = await setStrength(req.strength);
        break;
    }
    post({ id: req.id, type: 'done', request: req.type, result } as EngineEvent);
  } catch (e) {
    post({ id: req.id, type: 'error', error: describe(e, req.type) });
  }
}

scope.addEventListener('message', (ev: MessageEvent<EngineRequest>) => void handle(ev.data));
