// The production build (vite build + vite preview on a port of its own): the Content-Security-Policy is in force
// (no inline script, no eval), the app starts under it without a violation, with no model loaded no request leaves
// 127.0.0.1, and with a model loaded from a local folder and text generated every request (page, worker, socket)
// goes to the page's own origin and none carries the prompt (the rule: src/testing/request-watch.ts, unit-tested).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Request } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { leavingRequests, type WatchedRequest } from '../src/testing/request-watch.ts';
import { doneStats } from './fixtures/app-page.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = process.env.SHARED_DIR ?? path.resolve(ROOT, '../shared');
let server: PreviewServer;
let base = '';

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-prod-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  expect(r.status, r.stderr).toBe(0);
  // A same-origin script (allowed by 'self') that tries eval: code run through the DevTools protocol is exempt from
  // the page's CSP, so the attempt must come from a page script. It lives only in this test's copy of the build.
  fs.writeFileSync(path.join(outDir, 'eval-probe.js'), "try { window.evalRan = eval('1 + 1') === 2; } catch { window.evalRan = false; }\nwindow.probeDone = true;\n");
  server = await preview({ root: ROOT, configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'silent', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const address = server.httpServer.address() as AddressInfo;
  base = `http://127.0.0.1:${address.port}`;
});

test.afterAll(async () => {
  await server?.close();
});

/** The policy's script sources: script-src, or default-src when there is none. */
function scriptSources(policy: string): string[] {
  const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v] as const));
  return [...(directives.get('script-src') ?? directives.get('default-src') ?? [])];
}

test('the built app ships a strict CSP that is in force, and starts under it', async ({ page }) => {
  const violations: string[] = [];
  await page.exposeFunction('__cspViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toBeTruthy();
  const scripts = scriptSources(policy!);
  expect(scripts).toContain("'self'");
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  // WebAssembly may be compiled (onnxruntime-web, for the text classifier scorer); JavaScript eval may not.
  expect(scripts.filter((src) => src !== "'self'")).toEqual(["'wasm-unsafe-eval'"]);
  expect(policy).toMatch(/object-src 'none'/);

  // The page works: the model panel is there, and the app's own scripts ran without a violation.
  await expect(page.locator('section.panel.model')).toBeVisible();
  await expect(page.locator('dl[aria-label="Graphics adapter"]')).toBeVisible();
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);

  // The policy is in force: an inline script, an inline handler and eval are refused.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.injected = true';
    document.head.append(s);
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.handlerRan = true');
    img.src = 'data:,broken';
    document.body.append(img);
    const probe = document.createElement('script');
    probe.src = '/eval-probe.js';
    document.head.append(probe);
  });
  await page.waitForFunction(() => (window as unknown as { probeDone?: boolean }).probeDone === true);
  const attempt = await page.evaluate(() => {
    const w = window as unknown as { injected?: boolean; handlerRan?: boolean; evalRan?: boolean };
    return { inline: w.injected === true, handler: w.handlerRan === true, evalRan: w.evalRan };
  });
  expect(attempt).toEqual({ inline: false, handler: false, evalRan: false });
  await expect.poll(() => violations.length).toBeGreaterThanOrEqual(3);
  expect(violations.some((v) => v.startsWith('script-src'))).toBe(true);
});

test('with no model loaded, every request stays on 127.0.0.1; the worker script carries the policy', async ({ page, context }) => {
  const urls: string[] = [];
  const workerPolicies: (string | undefined)[] = [];
  context.on('request', (r) => urls.push(r.url()));
  context.on('response', (r) => {
    if (/engine\.worker-[^/]*\.js$/.test(r.url())) workerPolicies.push(r.headers()['content-security-policy']);
  });
  await page.goto(base + '/');
  await expect(page.locator('section.panel.model')).toBeVisible();
  await expect(page.locator('dl[aria-label="Graphics adapter"]')).toBeVisible();
  // Let late work (the worker, the model list, cache listings) happen.
  await page.waitForLoadState('networkidle');
  const leaving = urls.filter((u) => {
    if (/^(data|blob):/.test(u)) return false;
    return new URL(u).hostname !== '127.0.0.1';
  });
  expect(urls.length).toBeGreaterThan(2);
  expect(leaving).toEqual([]);
  expect(workerPolicies).toHaveLength(1);
  expect(scriptSources(workerPolicies[0] ?? '')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
});

test('with a model loaded from a local folder and text generated, every request goes to the page\'s origin and none carries the prompt', async ({ page, context }) => {
  test.setTimeout(5 * 60_000);
  const prompt = 'Once upon a time a zebra named Quillfeather';
  const requests: WatchedRequest[] = [];
  const seen = new Set<unknown>();
  // The page's and its workers' requests (context-wide: also service workers and other pages), and any socket.
  const watch = (r: Request) => {
    if (seen.has(r)) return;
    seen.add(r);
    requests.push({ url: r.url(), body: r.postDataBuffer()?.toString('latin1') ?? null });
  };
  context.on('request', watch);
  page.on('request', watch);
  page.on('websocket', (ws) => requests.push({ url: ws.url() }));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(base + '/');
  await page.getByRole('radio', { name: 'Local folder' }).check();
  await page.getByLabel('Model folder files').setInputFiles(path.join(SHARED, 'models/stories260K'));
  await expect(page.getByText(/^stories260K: \d+ files/)).toBeVisible();
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'stories260K is ready' })).toBeVisible({ timeout: 120_000 });
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.getByRole('radio', { name: 'Greedy' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('8');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible();
  expect((await page.getByTestId('generated').textContent())?.length).toBeGreaterThan(0);
  await page.waitForLoadState('networkidle');

  // The watcher saw the app's own assets (the page, its scripts, the engine worker), so it was watching.
  expect(requests.some((r) => /engine\.worker-[^/]*\.js$/.test(r.url))).toBe(true);
  // The tokenizer library's chunk is imported by the engine worker (the page never loads it): the worker's own
  // requests are watched too.
  expect(requests.some((r) => /\/assets\/transformers\.web-[^/]*\.js$/.test(r.url))).toBe(true);
  expect(requests.length).toBeGreaterThan(2);
  expect(leavingRequests(requests, base, [prompt])).toEqual([]);
  // The same rule on this run's requests plus one made-up request elsewhere: it would be caught.
  expect(leavingRequests([...requests, { url: 'https://huggingface.co/api/models' }], base, [prompt])).toHaveLength(1);
  expect(errors).toEqual([]);
});
