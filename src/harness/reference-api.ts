/** Harness functions running the independent reference runtime (onnxruntime-web). Plain-JSON arguments and results. */
import type { ModelFiles } from '../model/formats/model-files.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import { ONNX_DATA_MANIFEST, parseOnnxDataManifest } from '../reference/onnx-data-manifest.ts';
import { OnnxLlm, type OnnxEp, type OnnxExternalFile, type OnnxLlmConfig } from '../reference/onnx-llm.ts';

/** Where the ONNX export sits inside a model folder (transformers.js layout). */
const ONNX_DIR = 'onnx/';
const ONNX_FILE = `${ONNX_DIR}model.onnx`;

const sessions = new Map<string, Promise<OnnxLlm>>();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadOnnx(modelId: string, ep: OnnxEp): Promise<OnnxLlm> {
  const files = resolveModelSource(modelId);
  const configText = await files.text('config.json');
  const config = configText ? (JSON.parse(configText) as OnnxLlmConfig) : undefined;
  const bytes = await readAll(await files.stream(ONNX_FILE, 0));
  return OnnxLlm.load(bytes, { ep, config, externalData: await externalData(files) });
}

/** The external weight files an export over 2 GiB lists in its manifest (none: the weights are inside the .onnx). */
async function externalData(files: ModelFiles): Promise<OnnxExternalFile[] | undefined> {
  const text = await files.text(ONNX_DIR + ONNX_DATA_MANIFEST);
  if (text === null) return undefined;
  const manifest = parseOnnxDataManifest(text);
  if (manifest instanceof Error) throw new Error(`${files.id}: ${manifest.message}`);
  const out: OnnxExternalFile[] = [];
  // One file at a time: each is up to 1 GiB, read through the same source as the .onnx (dev server, hub or picked folder).
  for (const f of manifest.files) {
    const data = await readAll(await files.stream(ONNX_DIR + f.path, 0));
    if (data.byteLength !== f.bytes) throw new Error(`${files.id}: ${ONNX_DIR}${f.path} is ${data.byteLength} bytes, the manifest says ${f.bytes}`);
    out.push({ path: f.path, data });
  }
  return out;
}

function session(modelId: string, ep: OnnxEp = 'wasm'): Promise<OnnxLlm> {
  if (ep !== 'wasm' && ep !== 'webgpu') throw new Error(`unknown onnxruntime-web execution provider "${String(ep)}" (wasm or webgpu)`);
  const key = `${modelId}|${ep}`;
  let s = sessions.get(key);
  if (!s) {
    s = loadOnnx(modelId, ep);
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

export interface OnnxBenchmarkRequest {
  promptIds: number[];
  maxNewTokens: number;
  ep?: OnnxEp;
  /** Greedy tokens run once before the timed run (warms kernels / shader caches). Default 8. */
  warmupTokens?: number;
}

export const referenceApi = {
  /** onnxruntime-web logits of every prompt position (one pass, empty cache). */
  async onnxPromptLogits(modelId: string, ids: number[], ep: OnnxEp = 'wasm'): Promise<number[][]> {
    return (await session(modelId, ep)).promptLogits(ids);
  },

  /** onnxruntime-web greedy continuation: exactly `maxNew` new token ids (EOS does not stop it). */
  async onnxGreedy(modelId: string, promptIds: number[], maxNew: number, ep: OnnxEp = 'wasm'): Promise<number[]> {
    return (await (await session(modelId, ep)).greedy(promptIds, maxNew)).tokenIds;
  },

  /** Times a greedy run with the KV cache; same timing definitions as the engine's generate(). */
  async onnxDecodeBenchmark(modelId: string, req: OnnxBenchmarkRequest) {
    const ep = req.ep ?? 'wasm';
    const t0 = performance.now();
    const llm = await session(modelId, ep);
    const loadMs = performance.now() - t0;
    const warmup = req.warmupTokens ?? 8;
    if (warmup > 0) await llm.greedy(req.promptIds, warmup);
    const r = await llm.greedy(req.promptIds, req.maxNewTokens);
    return { model: modelId, ep, loadMs, kv: llm.kv, tokenIds: r.tokenIds, ...r.timings };
  },

  /** Frees the onnxruntime-web sessions (all, or one model's). */
  async onnxRelease(modelId?: string): Promise<void> {
    for (const [key, s] of [...sessions]) {
      if (modelId !== undefined && !key.startsWith(`${modelId}|`)) continue;
      sessions.delete(key);
      const llm = await s.catch(() => null);
      await llm?.release().catch(() => undefined);
    }
  },
};
