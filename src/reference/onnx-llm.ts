/**
 * The independent reference: an ONNX decoder with KV cache (transformers.js / optimum naming) run by onnxruntime-web
 * in the page. Inputs `input_ids`, `attention_mask`, `position_ids` (int64) and `past_key_values.{i}.key/value`
 * ([1, kvHeads, past, headDim] f32); outputs `logits` and `present.{i}.key/value`.
 *
 * The default `onnxruntime-web` entry is the JSEP build: one wasm binary that runs both the 'wasm' (CPU) and the
 * 'webgpu' execution providers. It is single-threaded here (no SharedArrayBuffer / cross-origin isolation needed).
 */
import * as ort from 'onnxruntime-web';
// The JSEP wasm binary of the default entry, resolved and served by Vite (dev: from node_modules; build: as an asset).
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';

export type OnnxEp = 'wasm' | 'webgpu';

/** The few config.json fields used when the session's input metadata lacks static shapes. */
export interface OnnxLlmConfig {
  num_hidden_layers?: number;
  num_attention_heads?: number;
  num_key_value_heads?: number;
  hidden_size?: number;
  head_dim?: number;
}

/** One external weight file of the model: `path` as the .onnx names it (its `location`), `data` its bytes or URL. */
export interface OnnxExternalFile {
  path: string;
  data: Uint8Array | string;
}

export interface OnnxLlmOptions {
  ep?: OnnxEp;
  config?: OnnxLlmConfig;
  /** The weights of a model saved with external data (an .onnx over protobuf's 2 GiB keeps its tensors outside). */
  externalData?: OnnxExternalFile[];
}

export interface OnnxKvShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

export interface OnnxGreedyResult {
  promptTokenIds: number[];
  tokenIds: number[];
  /** Same definitions as the engine's GenerateResult timings: decode = tokens after the first. */
  timings: { prefillMs: number; decodeMs: number; decodeTokensPerSecond: number };
}

let envReady = false;

function setupEnv(): void {
  if (envReady) return;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = { wasm: jsepWasmUrl };
  ort.env.logLevel = 'warning';
  envReady = true;
}

const PAST = /^past_key_values\.(\d+)\.key$/;

/** KV layout from the session's input metadata (static dims), else from config.json. */
function kvShape(session: ort.InferenceSession, config: OnnxLlmConfig | undefined): OnnxKvShape {
  const keys = session.inputNames.filter((n) => PAST.test(n));
  let layers = keys.length;
  let kvHeads = 0;
  let headDim = 0;
  const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
  if (meta?.isTensor && meta.shape.length === 4) {
    const [, h, , d] = meta.shape;
    if (typeof h === 'number' && h > 0) kvHeads = h;
    if (typeof d === 'number' && d > 0) headDim = d;
  }
  if (config) {
    layers ||= config.num_hidden_layers ?? 0;
    kvHeads ||= config.num_key_value_heads ?? config.num_attention_heads ?? 0;
    if (!headDim) headDim = config.head_dim ?? (config.hidden_size && config.num_attention_heads ? config.hidden_size / config.num_attention_heads : 0);
  }
  if (!(layers > 0 && kvHeads > 0 && headDim > 0)) {
    throw new Error(`cannot tell the KV cache layout of this ONNX model (layers ${layers}, kv heads ${kvHeads}, head dim ${headDim}): pass its config.json`);
  }
  if (config?.num_hidden_layers !== undefined && keys.length > 0 && config.num_hidden_layers !== keys.length) {
    throw new Error(`the ONNX model has ${keys.length} past_key_values layers but config.json says ${config.num_hidden_layers}`);
  }
  for (const n of ['input_ids', 'attention_mask', 'logits']) {
    if (![...session.inputNames, ...session.outputNames].includes(n)) throw new Error(`the ONNX model has no "${n}" (inputs: ${session.inputNames.join(', ')})`);
  }
  return { layers, kvHeads, headDim };
}

function int64(values: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, values.length]);
}

function range(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

function argmax(a: Float32Array, start: number, n: number): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = a[start + i];
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

export class OnnxLlm {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly ep: OnnxEp,
    readonly kv: OnnxKvShape,
    private readonly hasPositionIds: boolean,
  ) {}

  /** `model`: URL of the .onnx file, or its bytes. */
  static async load(model: string | Uint8Array, opts: OnnxLlmOptions = {}): Promise<OnnxLlm> {
    setupEnv();
    const ep = opts.ep ?? 'wasm';
    if (ep === 'webgpu' && !(typeof navigator !== 'undefined' && 'gpu' in navigator)) {
      throw new Error('the webgpu execution provider needs navigator.gpu (WebGPU is not available in this browser)');
    }
    const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: [ep], graphOptimizationLevel: 'all' };
    if (opts.externalData?.length) sessionOptions.externalData = opts.externalData;
    const session = typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
    return new OnnxLlm(session, ep, kvShape(session, opts.config), session.inputNames.includes('position_ids'));
  }

  private emptyPast(): Record<string, ort.Tensor> {
    const past: Record<string, ort.Tensor> = {};
    const dims = [1, this.kv.kvHeads, 0, this.kv.headDim];
    for (let i = 0; i < this.kv.layers; i++) {
      past[`past_key_values.${i}.key`] = new ort.Tensor('float32', new Float32Array(0), dims);
      past[`past_key_values.${i}.value`] = new ort.Tensor('float32', new Float32Array(0), dims);
    }
    return past;
  }

  /** One forward pass of `ids` at positions pastLen.. with the given cache; logits [seq, vocab] and the new cache. */
  private async step(ids: number[], pastLen: number, past: Record<string, ort.Tensor>) {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(ids),
      attention_mask: int64(new Array<number>(pastLen + ids.length).fill(1)),
      ...past,
    };
    if (this.hasPositionIds) feeds.position_ids = int64(range(pastLen, ids.length));
    const out = await this.session.run(feeds);
    const logits = out.logits;
    const vocab = logits.dims[logits.dims.length - 1];
    const present: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.kv.layers; i++) {
      present[`past_key_values.${i}.key`] = out[`present.${i}.key`];
      present[`past_key_values.${i}.value`] = out[`present.${i}.value`];
    }
    return { logits: (await logits.getData()) as Float32Array, vocab, present };
  }

  /** Logits of every prompt position, in one pass. */
  async promptLogits(ids: number[]): Promise<number[][]> {
    if (ids.length === 0) throw new Error('the prompt is empty');
    const { logits, vocab } = await this.step(ids, 0, this.emptyPast());
    return ids.map((_, t) => Array.from(logits.subarray(t * vocab, (t + 1) * vocab)));
  }

  /** Greedy decoding: prefill, then one token per step through the KV cache; exactly `maxNew` tokens (no EOS stop). */
  async greedy(promptIds: number[], maxNew: number): Promise<OnnxGreedyResult> {
    if (promptIds.length === 0) throw new Error('the prompt is empty');
    if (!(Number.isInteger(maxNew) && maxNew >= 0)) throw new Error(`max new tokens must be a whole number ≥ 0, got ${maxNew}`);
    const out: number[] = [];
    const t0 = performance.now();
    let r = await this.step(promptIds, 0, this.emptyPast());
    let pos = promptIds.length;
    const t1 = performance.now();
    if (maxNew > 0) out.push(argmax(r.logits, (promptIds.length - 1) * r.vocab, r.vocab));
    while (out.length < maxNew) {
      r = await this.step([out[out.length - 1]], pos, r.present);
      pos += 1;
      out.push(argmax(r.logits, 0, r.vocab));
    }
    const t2 = performance.now();
    const decodeMs = t2 - t1;
    return {
      promptTokenIds: promptIds,
      tokenIds: out,
      timings: { prefillMs: t1 - t0, decodeMs, decodeTokensPerSecond: out.length > 1 ? ((out.length - 1) * 1000) / decodeMs : 0 },
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
