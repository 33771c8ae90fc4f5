// Starts the Vite dev server (serving the harness and the model folders) and headless Chromium with WebGPU,
// and hands back a typed handle on the page's window.steerscope. Used by the CLI and the benchmark.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_ARGS, chromiumPath } from '../e2e/browser.ts';
import { openHarness, type Remote } from '../e2e/harness.ts';
import type { SteerscopeHarness } from '../src/harness/main.ts';
import { closeOnShutdown, keepingSignalsOurs } from './shutdown.ts';
import { hubCacheHandler, type HubCacheOptions } from './hub-cache.ts';

/** Where the page asks for hub files: the dev server's /hub, answered by hub-cache.ts (disk cache, token). */
const HUB_MOUNT = '/hub';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BrowserSession {
  api: Remote<SteerscopeHarness>;
  close(): Promise<void>;
}

/** A --model value that is a local folder is mounted under an id; anything else (hub id, URL) passes through. */
export function modelRef(model: string, mounts: Record<string, string>): string {
  const abs = path.resolve(model);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    const id = path.basename(abs).replace(/[^\w.-]/g, '_') || 'model';
    mounts[id] = abs;
    return id;
  }
  if (fs.existsSync(abs) && /\.gguf$/i.test(abs)) {
    // A GGUF file: its folder is mounted, and the ref names the file in it (folder/file.gguf).
    const id = path.basename(path.dirname(abs)).replace(/[^\w.-]/g, '_') || 'model';
    mounts[id] = path.dirname(abs);
    return `${id}/${path.basename(abs)}`;
  }
  if (fs.existsSync(abs)) throw new Error(`${model} is a file; give the model folder (or a .gguf file)`);
  if (/^\.{0,2}\//.test(model)) throw new Error(`no such folder: ${model}`);
  return model;
}

/** `hub`: hub ids are read through the dev server's /hub (hub-cache.ts: endpoint, token, disk cache); absent: straight from huggingface.co. */
export async function openBrowserSession(mounts: Record<string, string>, hub?: HubCacheOptions): Promise<BrowserSession> {
  process.env.STEERSCOPE_MODEL_MOUNTS = JSON.stringify(mounts);
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  // From here on an interrupt closes whatever has been started.
  const unregister = closeOnShutdown(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });
  try {
    server = await keepingSignalsOurs(async () => {
      const s = await createServer({
        configFile: path.join(REPO_ROOT, 'vite.config.ts'),
        root: REPO_ROOT,
        logLevel: 'silent',
        clearScreen: false,
        server: { port: 0, host: '127.0.0.1', hmr: false },
        plugins: hub
          ? [
              {
                name: 'steerscope-cli-hub',
                configureServer(s) {
                  const handle = hubCacheHandler(hub);
                  s.middlewares.use(HUB_MOUNT, (req, res) => void handle(req, res));
                },
              },
            ]
          : [],
      });
      return s.listen();
    });
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('the dev server did not report its port');
    // Our own handlers close the browser on signals (and print the JSON error), not Playwright's.
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    const page = await browser.newPage();
    const origin = `http://127.0.0.1:${address.port}`;
    const harness = await openHarness(page, `${origin}/harness.html`);
    // Every load names the /hub mount as the hub endpoint; the token stays in this process.
    const api: Remote<SteerscopeHarness> = hub
      ? new Proxy(harness, {
          get: (t, name: string) =>
            name === 'load' ? (ref: string, opts: Parameters<typeof harness.load>[1] = {}) => t.load(ref, { hub: { endpoint: origin + HUB_MOUNT }, ...opts }) : t[name as keyof typeof t],
        })
      : harness;
    const s = server;
    const b = browser;
    return {
      api,
      async close() {
        unregister();
        await b.close().catch(() => undefined);
        await s.close().catch(() => undefined);
      },
    };
  } catch (e) {
    unregister();
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    throw e;
  }
}

/** Playwright wraps page errors as "page.evaluate: Error: <message>\n    at ...": keep the user's part. */
export function cleanError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^page\.evaluate: /, '').replace(/^Error: /, '').split('\n    at ')[0].trim();
}
