/**
 * The engine in a dedicated module worker: one GPU context, at most one loaded model, one call at a time (load and
 * generate queue behind each other; adapter and stop answer at once). See protocol.ts for the messages.
 */
import { createGpuContext, WebGpuUnavailableError, type GpuContext } from '../gpu/device.ts';
import { ModelConfigError } from '../model/config.ts';
import { ContextOverflowError, type GpuModel } from '../model/gpu-model.ts';
import { generate } from '../model/generate.ts';
import { loadModel, type LoadedModel } from '../model/load-model.ts';
import { ModelFileError, pickedModelFiles, type ModelFiles } from '../model/model-files.ts';
import { resolveModelSource } from '../model/resolve-source.ts';
import { SafetensorsError } from '../model/safetensors.ts';
import { parseShardIndex, SHARD_INDEX_FILE, ShardIndexError } from '../model/shard-index.ts';
import { TokenizerError } from '../model/tokenizer.ts';
import { CheckpointTensorError } from '../model/weight-names.ts';
import type { HookName } from '../model/spec.ts';
import { DatasetError, parseDataset } from '../steering/dataset.ts';
import { fitClosedForm } from '../steering/fit-intervention.ts';
import { parseHookSelection } from '../steering/hook-selection.ts';
import { decodeIntervention, encodeIntervention, InterventionFileError } from '../steering/intervention-file.ts';
import type { HookMap, Intervention } from '../steering/intervention.ts';
import type {
  EncodedIntervention,
  EngineErrorInfo,
  EngineErrorKind,
  EngineEvent,
  EngineRequest,
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
} from './protocol.ts';

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
let running: AbortController | null = null;
/** What `running` belongs to. */
let runningKind: 'generate' | 'fit' | null = null;
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
  if (during === 'generate' || during === 'fit' || during === 'setIntervention' || during === 'updateSteering' || during === 'setStrength') {
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

function runFit(id: number, p: FitParams): Promise<ResultOf['fit']> {
  return serial(async () => {
    const m = loaded;
    if (!m) throw new EngineFailure('no-model', 'Load a model first.');
    const dataset = parseDataset(p.dataset.text, p.dataset.fileName || 'dataset.json');
    let hooks: HookName[];
    try {
      hooks = parseHookSelection(p.hooks, m.spec.numLayers);
    } catch (e) {
      throw new EngineFailure('input', `The hook selection is not usable: ${(e as Error).message}.`);
    }
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

/** Aborts the running generation or fit (only that kind when given). */
function stopRunning(kind?: 'generate' | 'fit'): boolean {
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
          steer = null;
          return { unloaded: had };
        });
        break;
      case 'fit':
        result = await runFit(req.id, req.params);
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
