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
import type {
  EngineErrorInfo,
  EngineErrorKind,
  EngineEvent,
  EngineRequest,
  GenerateParams,
  LoadProgressEvent,
  ModelInfo,
  ModelSource,
  RequestType,
  ResultOf,
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
  if (/^GPU error|out of memory|device (was )?lost/i.test(message)) return { kind: 'gpu', message: `The GPU failed: ${message}` };
  if (during === 'load') return { kind: 'model', message: `The model could not be loaded: ${message}` };
  if (during === 'generate') return { kind: 'input', message: sentence };
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
    let prev = '';
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
          prev = t.text;
          post({ id, type: 'token', token });
        },
      });
      return { promptTokenCount: promptIds.length, tokenIds: r.tokenIds, text: r.text, stopReason: r.stopReason, hooks: r.hooks, timings: r.timings };
    } finally {
      if (running === controller) running = null;
    }
  });
}

function stopRunning(): boolean {
  if (!running) return false;
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
        result = { stopped: stopRunning() };
        break;
      case 'unload':
        stopRunning();
        result = await serial(async () => {
          const had = loaded !== null;
          loaded?.model.destroy();
          loaded = null;
          return { unloaded: had };
        });
        break;
    }
    post({ id: req.id, type: 'done', request: req.type, result } as EngineEvent);
  } catch (e) {
    post({ id: req.id, type: 'error', error: describe(e, req.type) });
  }
}

scope.addEventListener('message', (ev: MessageEvent<EngineRequest>) => void handle(ev.data));
