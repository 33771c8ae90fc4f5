// Browser side of the wllama benchmark (served by Vite as /src/testing/wllama-bench.html): loads a GGUF file into
// @wllama/wllama (llama.cpp compiled to WebAssembly, its wasm served from node_modules) and times greedy decoding
// of given prompt ids. Exposed as window.wllamaBench; every argument and result is plain JSON.
import { Wllama, type RawCompletionResponse } from '@wllama/wllama';
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';

export interface WllamaBenchRequest {
  /** URL of the GGUF file (the dev server's /models/<mount>/<file>). */
  modelUrl: string;
  /** Prompt text (wllama's completion API takes text); it must tokenize to promptTokens tokens, BOS included. */
  prompt: string;
  promptTokens: number;
  newTokens: number;
  /** Threads for llama.cpp (more than 1 needs a cross-origin isolated page for SharedArrayBuffer). */
  threads: number;
  /** Offload layers to wllama's WebGPU backend (false: CPU/wasm only). */
  webgpu: boolean;
  /** Timed runs after one warm-up (the fastest is reported). */
  rounds: number;
}

export interface WllamaRun {
  /** llama.cpp's own timings (llama-server's `timings`), measured inside the worker. */
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  promptTokens: number;
  decodedTokens: number;
  /** Wall time of the whole completion call seen from the page. */
  wallMs: number;
}

export interface WllamaBenchResult {
  crossOriginIsolated: boolean;
  multiThread: boolean;
  threads: number;
  webgpuRequested: boolean;
  webgpuSupported: boolean;
  loadMs: number;
  runs: WllamaRun[];
  /** The text of the last run's continuation (a sanity check that it decoded something real). */
  text: string;
}

async function run(req: WllamaBenchRequest): Promise<WllamaBenchResult> {
  const t0 = performance.now();
  const response = await fetch(req.modelUrl);
  if (!response.ok) throw new Error(`${req.modelUrl}: HTTP ${response.status}`);
  const file = new File([await response.blob()], 'model.gguf');
  // llama.cpp's log goes to the console (the bench reads from it which device got the weights).
  const wllama = new Wllama({ default: wasmUrl }, { allowOffline: true });
  try {
    await wllama.loadModel([file], {
      n_ctx: req.promptTokens + req.newTokens + 16,
      n_batch: Math.max(512, req.promptTokens),
      n_threads: req.threads,
      n_gpu_layers: req.webgpu ? 99999 : 0,
      n_parallel: 1,
    });
    const loadMs = performance.now() - t0;
    const complete = async (prompt: string, n: number): Promise<{ r: RawCompletionResponse; wallMs: number }> => {
      const s = performance.now();
      // cache_prompt false: every run prefills the whole prompt.
      const r = await wllama.createCompletion({ prompt, max_tokens: n, temp: 0, top_k: 1, ignore_eos: true, cache_prompt: false, stream: false } as Parameters<Wllama['createCompletion']>[0] & { stream: false });
      return { r, wallMs: performance.now() - s };
    };
    await complete(req.prompt.slice(0, 40), 4); // warm-up (first allocations, WebGPU pipelines)
    const runs: WllamaRun[] = [];
    let text = '';
    for (let i = 0; i < req.rounds; i++) {
      const { r, wallMs } = await complete(req.prompt, req.newTokens);
      const t = r.timings;
      if (!t) throw new Error('wllama returned no timings');
      if (t.prompt_n !== req.promptTokens) throw new Error(`wllama prefilled ${t.prompt_n} tokens, expected ${req.promptTokens}`);
      if (t.predicted_n !== req.newTokens) throw new Error(`wllama decoded ${t.predicted_n} tokens, expected ${req.newTokens}`);
      runs.push({ prefillTokensPerSecond: t.prompt_per_second, decodeTokensPerSecond: t.predicted_per_second, promptTokens: t.prompt_n, decodedTokens: t.predicted_n, wallMs });
      text = r.choices[0]?.text ?? '';
    }
    return {
      crossOriginIsolated: self.crossOriginIsolated,
      multiThread: wllama.isMultithread(),
      threads: wllama.getNumThreads(),
      webgpuRequested: req.webgpu,
      webgpuSupported: wllama.isSupportWebGPU(),
      loadMs,
      runs,
      text,
    };
  } finally {
    await wllama.exit().catch(() => undefined);
  }
}

const wllamaBench = { run };
export type WllamaBenchPage = typeof wllamaBench;

declare global {
  interface Window {
    wllamaBench: WllamaBenchPage;
  }
}
window.wllamaBench = wllamaBench;
document.body.dataset.ready = 'true';
