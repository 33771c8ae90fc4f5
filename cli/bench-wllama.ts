// The bench's wllama section: @wllama/wllama (llama.cpp compiled to WebAssembly) decoding a GGUF file in the same
// headless Chromium as our engine, on the same prompt ids (benchPromptIds) and number of new tokens.
// Variants: wasm on one thread, wasm on several threads (needs a cross-origin isolated page: the section's dev server
// sends COOP/COEP on its page, which no other page of the project gets), and wllama's own WebGPU backend.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import type { WllamaBenchPage, WllamaBenchRequest, WllamaBenchResult } from '../src/testing/wllama-bench-page.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../e2e/browser.ts';
import { REPO_ROOT } from './browser-session.ts';
import { median } from '../src/testing/median.ts';

export const WLLAMA_VARIANTS = ['wasm-1t', 'wasm-mt', 'webgpu'] as const;
export type WllamaVariant = (typeof WLLAMA_VARIANTS)[number];

export interface WllamaRow {
  model: string;
  engine: 'wllama';
  variant: WllamaVariant;
  threads?: number;
  multiThread?: boolean;
  prefillTokensPerSecond?: number;
  decodeTokensPerSecond?: number;
  /** Timed runs (the median prefill and the median decode rate are reported, as for our engine's engine-gguf rows). */
  rounds?: number;
  perRun?: { prefillTokensPerSecond: number; decodeTokensPerSecond: number }[];
  loadMs?: number;
  /** The start of the continuation, to show it decoded something real. */
  sample?: string;
  /** Devices holding the weights, from llama.cpp's "<device> model buffer size" log lines (e.g. ["CPU"]). */
  weightsOn?: string[];
  /** llama.cpp's log lines on backends and weight buffers. */
  backend?: string[];
  skipped?: string;
}

/** Plain English, repeated as needed, for a prompt of an exact token count (wllama takes text, not ids). */
const PROMPT_TEXT =
  'The river ran slowly past the old mill, and the children sat on the bank to watch the boats go by. ' +
  'Every morning the baker opened his shop at six, and the smell of fresh bread filled the narrow street. ' +
  'In the evening the lamps were lit one by one, and the town grew quiet under a sky full of stars. ';

export interface BenchPrompt {
  /** Text whose llama.cpp tokenization (with BOS when the file asks for it) is exactly `ids`. */
  text: string;
  /** What both engines prefill: BOS (when the file adds one) and the text's tokens. */
  ids: number[];
}

/**
 * The GGUF bench's prompt: `promptTokens` ids of plain text as llama.cpp (node-llama-cpp, vocabulary only)
 * tokenizes it for this file. wllama gets the text (its completion API takes no ids) and reports how many tokens it
 * prefilled, which the section checks; our engine gets the ids.
 */
export async function benchPrompt(gguf: string, promptTokens: number): Promise<BenchPrompt> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: gguf, vocabOnly: true });
  try {
    const bos = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos as number] : [];
    const want = promptTokens - bos.length;
    const source = model.tokenize(PROMPT_TEXT.repeat(Math.ceil((4 * want) / PROMPT_TEXT.length) + 2));
    // A cut between tokens may re-tokenize differently; shorten the cut until the text gives exactly `want` ids.
    for (let k = want; k > 0 && k > want - 16; k--) {
      const text = model.detokenize(source.slice(0, k));
      const ids = model.tokenize(text) as number[];
      if (ids.length === want) return { text, ids: [...bos, ...ids] };
      if (ids.length < want) {
        // Still short: extend with single characters of the passage until the count is right or overshoots.
        for (const extra of ['.', ' The', ' and', ' a']) {
          const t = text + extra;
          const x = model.tokenize(t) as number[];
          if (x.length === want) return { text: t, ids: [...bos, ...x] };
        }
      }
    }
    throw new Error(`${gguf}: found no text of exactly ${want} tokens`);
  } finally {
    await model.dispose();
  }
}

/** COOP/COEP on the wllama page when asked (?isolated=1): SharedArrayBuffer, hence wasm threads. */
function isolationPlugin(): Plugin {
  return {
    name: 'wllama-bench-isolation',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (/[?&]isolated=1\b/.test(req.url ?? '')) {
          res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        }
        next();
      });
    },
  };
}

const MOUNT = 'wllama-bench-gguf';

export interface WllamaBenchOptions {
  gguf: string;
  prompt: BenchPrompt;
  newTokens: number;
  variants: WllamaVariant[];
  rounds: number;
  /** Threads of the multi-thread variant (default: every core). */
  threads?: number;
  log?: (s: string) => void;
}

/** Runs each variant in a fresh page (its own wllama worker) of one headless Chromium; one row per variant. */
export async function runWllamaBench(opts: WllamaBenchOptions): Promise<WllamaRow[]> {
  const log = opts.log ?? (() => undefined);
  const gguf = path.resolve(opts.gguf);
  if (!fs.existsSync(gguf)) throw new Error(`no such GGUF file: ${opts.gguf}`);
  const model = path.basename(gguf);
  const mounts = { ...(process.env.STEERSCOPE_MODEL_MOUNTS ? (JSON.parse(process.env.STEERSCOPE_MODEL_MOUNTS) as Record<string, string>) : {}), [MOUNT]: path.dirname(gguf) };
  process.env.STEERSCOPE_MODEL_MOUNTS = JSON.stringify(mounts);
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  const rows: WllamaRow[] = [];
  try {
    server = await createServer({
      configFile: path.join(REPO_ROOT, 'vite.config.ts'),
      root: REPO_ROOT,
      logLevel: 'silent',
      clearScreen: false,
      plugins: [isolationPlugin()],
      // Served as it is (one self-contained ES module), so no dependency discovery reloads the page mid-run.
      optimizeDeps: { exclude: ['@wllama/wllama'] },
      server: { port: 0, host: '127.0.0.1', hmr: false },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('the dev server did not report its port');
    const base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
    const cores = (await import('node:os')).cpus().length;
    for (const variant of opts.variants) {
      const isolated = variant === 'wasm-mt';
      const req: WllamaBenchRequest = {
        modelUrl: `/models/${MOUNT}/${encodeURIComponent(model)}`,
        prompt: opts.prompt.text,
        promptTokens: opts.prompt.ids.length,
        newTokens: opts.newTokens,
        threads: variant === 'wasm-mt' ? (opts.threads ?? cores) : 1,
        webgpu: variant === 'webgpu',
        rounds: opts.rounds,
      };
      log(`${model}: wllama ${variant} (${req.threads} thread${req.threads > 1 ? 's' : ''}) …`);
      const page: Page = await browser.newPage();
      const backend: string[] = [];
      page.on('console', (m) => {
        const line = m.text().trim();
        if (/webgpu|model buffer size|offload/i.test(line)) backend.push(line);
      });
      try {
        await page.goto(`${base}/src/testing/wllama-bench.html${isolated ? '?isolated=1' : ''}`);
        await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 120_000 });
        const r: WllamaBenchResult = await page.evaluate((q) => (window as unknown as { wllamaBench: WllamaBenchPage }).wllamaBench.run(q), req);
        if (isolated && !r.multiThread) throw new Error(`the page was not cross-origin isolated (crossOriginIsolated=${r.crossOriginIsolated}), so wllama ran on one thread`);
        rows.push({
          model,
          engine: 'wllama',
          variant,
          threads: r.threads,
          multiThread: r.multiThread,
          prefillTokensPerSecond: median(r.runs.map((x) => x.prefillTokensPerSecond)),
          decodeTokensPerSecond: median(r.runs.map((x) => x.decodeTokensPerSecond)),
          rounds: r.runs.length,
          perRun: r.runs.map((x) => ({ prefillTokensPerSecond: x.prefillTokensPerSecond, decodeTokensPerSecond: x.decodeTokensPerSecond })),
          loadMs: r.loadMs,
          sample: r.text.slice(0, 80),
          weightsOn: [...new Set(backend.map((l) => /(\S+) model buffer size/.exec(l)?.[1]).filter((x): x is string => !!x))],
          backend,
        });
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).replace(/^page\.evaluate: /, '').split('\n')[0];
        log(`${model}: wllama ${variant} failed: ${msg}`);
        rows.push({ model, engine: 'wllama', variant, skipped: `wllama ${variant} failed: ${msg}` });
      } finally {
        await page.close().catch(() => undefined);
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  }
  return rows;
}
