/**
 * A text-classification model run by @huggingface/transformers as a registry entry. The model is a hub id (fetched on
 * demand, with progress, and kept in the browser's cache by transformers) or a folder served by the dev server under
 * /models/ (transformers.js layout: config.json with id2label, tokenizer.json, onnx/model_quantized.onnx). Its
 * probabilities give the value, P(target label) (1 − P(source label) without a target label), and the label: for a
 * single-label model (softmax) the most probable label decides; for a multi-label one (sigmoid, e.g. toxic-bert) a
 * probability of at least ½ does. A model that cannot be loaded, or lacks a label, fails the run with a message that
 * names the model and the reason; nothing else is touched.
 */
import type { TextClassificationPipeline } from '@huggingface/transformers';
import { EvalParamsError } from '../eval-params-error.ts';
import type { ClassifierChoice, EvalParams } from '../types.ts';
import type { ScorerKind, ScorerLoadProgress, TextLabel } from './scorer.ts';

/** Sentiment (SST-2), 67 MB quantised: NEGATIVE → POSITIVE, as the negative → positive preset steers. */
export const DEFAULT_CLASSIFIER: Required<ClassifierChoice> = {
  model: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  sourceLabel: 'NEGATIVE',
  targetLabel: 'POSITIVE',
};

/** Where transformers looks for a model id: local folders first (when set), then the hub (when allowed). */
export interface ClassifierSources {
  /** A URL (browser) or folder (Node) holding model folders; default the dev server's /models/ in a browser. */
  localModelPath?: string;
  allowRemoteModels?: boolean;
}

let sources: ClassifierSources = {};

/** Sets where models are read from (the Node tests point it at their own folder and turn the hub off). */
export function setClassifierSources(s: ClassifierSources): void {
  sources = s;
  loaded.clear();
}

const loaded = new Map<string, Promise<TextClassificationPipeline>>();

/** The classifier's labels per probability (every label), and whether they are independent (sigmoid) or not. */
export interface ClassifierOutput {
  probs: Map<string, number>;
  multiLabel: boolean;
}

export function classifierLabel(out: ClassifierOutput, c: ClassifierChoice): TextLabel {
  const ps = out.probs.get(c.sourceLabel) ?? 0;
  const pt = c.targetLabel === undefined ? 1 - ps : (out.probs.get(c.targetLabel) ?? 0);
  if (out.multiLabel) return ps >= 0.5 ? 'source' : pt >= 0.5 ? 'target' : 'neutral';
  let top = '';
  let best = -1;
  for (const [label, p] of out.probs) if (p > best) (best = p), (top = label);
  if (top === c.sourceLabel) return 'source';
  if (c.targetLabel === undefined || top === c.targetLabel) return 'target';
  return 'neutral';
}

export function classifierValue(out: ClassifierOutput, c: ClassifierChoice): number {
  return c.targetLabel === undefined ? 1 - (out.probs.get(c.sourceLabel) ?? 0) : (out.probs.get(c.targetLabel) ?? 0);
}

function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * Where the dev server serves the WebAssembly (and its loader) of transformers' own copy of onnxruntime-web (its
 * WebGPU bundle asks for the asyncify build). Plain paths, not `?url` imports: those would put 27 MB of wasm into the
 * app build, which ships the plain WebAssembly build instead (ort-build-wasm.ts).
 */
const ORT_DIST = '/node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/';

/**
 * Points onnxruntime-web at the app's own WebAssembly instead of the CDN transformers set at import: the dev server's
 * files, or the build's asset. One thread (no cross-origin isolation), no proxy worker, no blob-URL loader (transformers'
 * wasm cache would import the loader from a blob: URL, which the page's policy does not allow).
 */
async function setupBrowserRuntime(lib: typeof import('@huggingface/transformers')): Promise<void> {
  const onnx = lib.env.backends.onnx;
  if (!onnx.wasm) return;
  lib.env.useWasmCache = false;
  onnx.wasm.wasmPaths = import.meta.env.DEV
    ? { wasm: `${ORT_DIST}ort-wasm-simd-threaded.asyncify.wasm`, mjs: `${ORT_DIST}ort-wasm-simd-threaded.asyncify.mjs` }
    : { wasm: new URL((await import('./ort-build-wasm.ts')).ORT_BUILD_WASM, location.href).href };
  onnx.wasm.numThreads = 1;
  onnx.wasm.proxy = false;
}

async function loadPipeline(model: string, onLoad: ((p: ScorerLoadProgress) => void) | undefined): Promise<TextClassificationPipeline> {
  const browser = typeof window !== 'undefined' || typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';
  const lib = await import('@huggingface/transformers');
  const { env } = lib;
  // A path, not a URL: transformers skips the local lookup for http(s) URLs; fetch resolves it against the page's origin.
  const local = sources.localModelPath ?? (browser ? '/models/' : undefined);
  if (local !== undefined) {
    env.allowLocalModels = true;
    env.localModelPath = local;
  }
  env.allowRemoteModels = sources.allowRemoteModels ?? true;
  if (browser) await setupBrowserRuntime(lib);
  const what = `classifier ${model}`;
  onLoad?.({ what, loaded: 0, total: 0 });
  const pipe = await lib.pipeline('text-classification', model, {
    dtype: 'q8',
    progress_callback: (info) => {
      if (info.status === 'progress_total') onLoad?.({ what, loaded: info.loaded, total: info.total });
    },
  });
  return pipe as TextClassificationPipeline;
}

/** The model's pipeline, loaded once per page (a failed load is tried again next time). */
async function pipelineFor(model: string, onLoad?: (p: ScorerLoadProgress) => void): Promise<TextClassificationPipeline> {
  let p = loaded.get(model);
  if (!p) {
    p = loadPipeline(model, onLoad);
    loaded.set(model, p);
    p.catch(() => loaded.delete(model));
  }
  try {
    return await p;
  } catch (e) {
    throw new EvalParamsError('classifier.model', `Could not load the classifier “${model}”: ${reason(e)}`);
  }
}

function choiceOf(p: EvalParams): ClassifierChoice {
  return p.classifier ?? DEFAULT_CLASSIFIER;
}

export const classifierScorerKind: ScorerKind<'classifier'> = {
  id: 'classifier',
  label: 'Text classifier',
  units: 'probability of the target label, 0 to 1',
  check(p) {
    if (p.classifier === undefined) return;
    const c = p.classifier as unknown;
    if (typeof c !== 'object' || c === null) throw new EvalParamsError('classifier', 'classifier must be { model, sourceLabel, targetLabel }.');
    const { model, sourceLabel, targetLabel } = c as Record<string, unknown>;
    if (typeof model !== 'string' || model.trim() === '') throw new EvalParamsError('classifier.model', 'classifier.model must name a model (a hub id such as Xenova/toxic-bert).');
    if (typeof sourceLabel !== 'string' || sourceLabel === '') throw new EvalParamsError('classifier.sourceLabel', 'classifier.sourceLabel must be one of the model’s labels.');
    if (targetLabel !== undefined && (typeof targetLabel !== 'string' || targetLabel === '')) {
      throw new EvalParamsError('classifier.targetLabel', 'classifier.targetLabel must be one of the model’s labels (or left out).');
    }
    if (targetLabel === sourceLabel) throw new EvalParamsError('classifier.targetLabel', `classifier.targetLabel is the source label “${sourceLabel}” too.`);
  },
  async create(p, o) {
    const c = choiceOf(p);
    const pipe = await pipelineFor(c.model, o?.onLoad);
    const config = pipe.model.config as { id2label?: Record<string, string>; problem_type?: string };
    const labels = Object.values(config.id2label ?? {});
    for (const [field, l] of [['sourceLabel', c.sourceLabel], ['targetLabel', c.targetLabel]] as const) {
      if (l !== undefined && !labels.includes(l)) {
        throw new EvalParamsError(`classifier.${field}`, `The classifier “${c.model}” has no label “${l}”; its labels are ${labels.map((x) => `“${x}”`).join(', ') || 'not named'}.`);
      }
    }
    const multiLabel = config.problem_type === 'multi_label_classification';
    return {
      async score(text) {
        const r = (await pipe(text, { top_k: null })) as { label: string; score: number }[];
        const out: ClassifierOutput = { probs: new Map(r.map((x) => [x.label, x.score])), multiLabel };
        return { label: classifierLabel(out, c), value: classifierValue(out, c) };
      },
    };
  },
};
