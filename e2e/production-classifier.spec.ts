// The text classifier scorer in the production build (vite build + vite preview): the build ships onnxruntime-web's
// WebAssembly as its own asset, and under the built app's policy ('wasm-unsafe-eval', no eval) a sweep is scored by
// the tiny classifier (tools/tiny_classifier.py, built here) with no policy violation and no request leaving the
// page's origin. The model (stories260K) and the classifier are folders next to the built files, loaded by URL.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { buildTinyClassifier, tinyPositive, type TinyWeights } from '../src/testing/tiny-classifier.node.ts';
import { formatShare } from '../src/app/pareto-plot.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = process.env.SHARED_DIR ?? path.resolve(ROOT, '../shared');
const ID = 'tiny-classifier-prod';
const WEIGHTS: TinyWeights = { he: [1, 0], she: [0, 1], was: [0, 0.5], the: [0.5, 0], park: [0, 2], sad: [2, 0], happy: [0, 2], lily: [0, 1], tom: [1, 0] };
let server: PreviewServer;
let outDir = '';
let base = '';

test.beforeAll(async () => {
  test.setTimeout(240_000);
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-prod-clf-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
  expect(r.status, r.stderr).toBe(0);
  fs.cpSync(path.join(SHARED, 'models/stories260K'), path.join(outDir, 'models/stories260K'), { recursive: true });
  buildTinyClassifier(path.join(outDir, 'models', ID), WEIGHTS);
  server = await preview({ root: ROOT, configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'silent', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  base = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await server?.close();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

test('the built app scores a sweep with a text classifier under its policy; every request stays on the page origin', async ({ page, context }) => {
  test.setTimeout(8 * 60_000);
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  const violations: string[] = [];
  await page.exposeFunction('__cspViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(base + '/');
  await page.getByRole('radio', { name: 'Hub or URL' }).check();
  await page.getByLabel('Hugging Face id or URL').fill(`${base}/models/stories260K/`);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.locator('section.model').getByRole('status').filter({ hasText: 'is ready' })).toBeVisible({ timeout: 120_000 });

  const fitPanel = page.locator('#fit-panel');
  await fitPanel.getByRole('radio', { name: 'Mean-AcT' }).check();
  await fitPanel.getByRole('checkbox', { name: /^Train DSAS gates/ }).uncheck();
  await fitPanel.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(fitPanel.getByRole('status').filter({ hasText: 'Fitted' })).toBeVisible({ timeout: 120_000 });

  const p = page.locator('#eval-panel');
  await p.getByRole('radio', { name: 'Text classifier' }).check();
  await p.getByRole('textbox', { name: 'Classifier model' }).fill(ID);
  await p.getByRole('textbox', { name: 'λ values' }).fill('0, 1');
  await p.getByRole('textbox', { name: 'Prompts', exact: true }).fill('3');
  await p.getByRole('textbox', { name: 'New tokens' }).fill('12');
  await p.getByRole('button', { name: 'Evaluate', exact: true }).click();
  await expect(p.getByRole('status').filter({ hasText: /^Evaluated run \d+: 2 points/ })).toBeVisible({ timeout: 240_000 });
  const table = p.getByTestId('eval-table');
  await expect(table.locator('caption')).toContainText(`scored by classifier ${ID} (NEGATIVE → POSITIVE)`);

  // The scores are the classifier's: its mean probability over the λ = 0 continuations, computed here by hand.
  await p.getByText(/^Read run \d+’s continuations/).click();
  const rows = p.locator('.continuations-table tbody tr');
  await expect(rows).toHaveCount(3);
  const texts = await rows.evaluateAll((trs) => trs.map((tr) => (tr.children[1] as HTMLElement).innerText));
  const probs = texts.map((t) => tinyPositive(t, WEIGHTS));
  const row = table.locator('tbody tr').filter({ has: page.locator('th', { hasText: /^0$/ }) });
  const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
  expect(cells[2]).toBe(formatShare(probs.filter((v) => v > 0.5).length / probs.length));
  expect(cells[7]).toBe((probs.reduce((a, v) => a + v, 0) / probs.length).toFixed(3));

  // The runtime came from the build, not a CDN; nothing left the page's origin; the policy was never violated.
  expect(urls.some((u) => /\/assets\/ort-wasm-simd-threaded-[^/]*\.wasm$/.test(u))).toBe(true);
  expect(urls.filter((u) => !/^(data|blob):/.test(u) && new URL(u).origin !== base)).toEqual([]);
  expect(violations).toEqual([]);
});
