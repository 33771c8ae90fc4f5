// Everything a user or a file can name is rendered as text: HTML and script in the prompt, a dataset's name and
// prompts, a dataset file's name, an imported zip's name and its manifest's dataset name show up as characters,
// and no element is created, no handler or script runs. Through the whole flow (load, generate, save, import, use),
// every request goes to this server.
import { expect, test, type Page } from '@playwright/test';
import type { HookName } from '../src/model/spec.ts';
import { writeZip } from '../src/app/storage/zip.ts';
import { encodeIntervention } from '../src/steering/intervention-file.ts';
import { doneStats, loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const PAYLOAD = `<img src="x" onerror="window.__pwned=1"><b class="inj">bold</b><script>window.__pwned=2</script>`;
const D = 64;

function injectedZip(): Buffer {
  const hooks = new Map<HookName, { w: Float32Array; b: Float32Array; gate: { a: Float32Array; c: number } }>([
    ['1.resid', { w: new Float32Array(D).fill(1), b: new Float32Array(D).fill(0.1), gate: { a: new Float32Array(D).fill(0.01), c: 0 } }],
  ]);
  const { manifest, tensors } = encodeIntervention({ modelId: 'stories260K', method: 'mean', hooks, strength: 1, dataset: { name: `ds ${PAYLOAD}`, hash: 'x' } });
  return Buffer.from(writeZip([
    { name: 'intervention.json', data: new TextEncoder().encode(manifest) },
    { name: 'intervention.safetensors', data: tensors },
  ]));
}

async function injected(page: Page) {
  return page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
    imgs: document.querySelectorAll('img[src="x"]').length,
    bold: document.querySelectorAll('b.inj').length,
    scripts: [...document.scripts].filter((s) => s.textContent?.includes('__pwned')).length,
  }));
}

test('HTML in prompts, names, files and imports is shown as text; nothing runs; no request leaves this server', async ({ page, context }) => {
  test.setTimeout(6 * 60_000);
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);

  // The prompt, generated from.
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(`${PAYLOAD} Once upon a time`);
  await page.getByRole('radio', { name: 'Greedy' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('8');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible();

  // A dataset named and filled with it, saved to the library.
  const fit = page.locator('#fit-panel');
  await fit.getByRole('textbox', { name: 'Name', exact: true }).fill(`name ${PAYLOAD}`);
  const sources = fit.getByRole('textbox', { name: /^Source prompts/ });
  await sources.fill(`${(await sources.inputValue()).split('\n').slice(1).join('\n')}\nsource ${PAYLOAD}`);
  await fit.getByRole('button', { name: 'Save dataset' }).click();
  await expect(page.getByRole('list', { name: 'Saved datasets' })).toContainText(`name ${PAYLOAD}`);

  // A dataset file whose name is HTML (its problems are listed under its name).
  await page.getByLabel('Dataset file').setInputFiles({ name: `${PAYLOAD}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ source: [], target: ['b'] })) });
  await expect(fit.getByText(`${PAYLOAD}.json:`, { exact: false }).first()).toBeVisible();

  // An intervention zip named with it, its manifest's dataset name too; used and generated with (gated: prompt
  // tokens are shown as tinted token strings).
  await page.getByLabel('Intervention files to import').setInputFiles({ name: `${PAYLOAD}.zip`, mimeType: 'application/zip', buffer: injectedZip() });
  await expect(page.getByRole('status').filter({ hasText: `Imported “${PAYLOAD}” into the library.` })).toBeVisible();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible();
  await expect(page.getByRole('img', { name: /^Steering strength, 1 hooks × \d+ tokens/ })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Saved interventions' }).getByRole('heading', { name: `${PAYLOAD} In use`, exact: true })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Saved datasets' }).getByRole('heading', { name: `name ${PAYLOAD}`, exact: true })).toBeVisible();
  await expect(page.getByText(`ds ${PAYLOAD}`, { exact: false }).first()).toBeAttached();

  expect(await injected(page)).toEqual({ pwned: null, imgs: 0, bold: 0, scripts: 0 });
  const leaving = urls.filter((u) => !/^(data|blob):/.test(u) && new URL(u).hostname !== '127.0.0.1');
  expect(leaving).toEqual([]);
  expect(errors).toEqual([]);
});
