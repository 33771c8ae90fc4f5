// The Steer panel with two interventions: add a second one (its own strength slider, DSAS switch and Remove), the
// output re-generates steered by both, the heatmap shows either one's gates or their per-hook sum, and removing the
// second gives back the single-intervention output exactly.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { HookMap } from '../src/core/steer-map.ts';
import type { HookName } from '../src/model/spec.ts';
import { writeInterventionFolder } from '../cli/intervention-folder.ts';
import { doneStats, generateGreedy, loadStories } from './fixtures/app-page.ts';
import { encode, intervention, randomMap } from './fixtures/interventions.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const gate = { scale: 0.4, c: 0.1 };
const A = new Map<HookName, HookMap>([
  ['1.attn', randomMap(64, 61, { bScale: 0.4, gate })],
  ['2.mlp', randomMap(64, 62, { bScale: 0.4, gate })],
]);
const B = new Map<HookName, HookMap>([
  ['1.attn', randomMap(64, 71, { bScale: 0.4, gate })],
  ['3.mlp', randomMap(64, 72, { bScale: 0.4, gate })],
  ['4.attn', randomMap(64, 73, { bScale: 0.4, gate })],
]);
const heatmap = (page: Page) => page.getByRole('img', { name: /^Steering strength, \d+ hooks × \d+ tokens/ });
const generated = async (page: Page) => (await page.getByTestId('generated').textContent()) ?? '';

test('two interventions in the app: add, per-intervention strength and gates in the heatmap, remove', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);
  for (const [name, maps] of [['alpha', A], ['beta', B]] as const) {
    const dir = test.info().outputPath(name);
    writeInterventionFolder(dir, encode({ ...intervention('stories260K', maps), dataset: { name, hash: '0'.repeat(64) } }));
    await page.getByLabel('Intervention files for the library').setInputFiles(fs.readdirSync(dir).map((f) => path.join(dir, f)));
    await expect(page.getByRole('status').filter({ hasText: /^Imported/ }).last()).toBeVisible();
  }
  const choice = page.getByRole('combobox', { name: 'Intervention', exact: true });
  const options = await choice.locator('option').allTextContents();
  const alpha = options.findIndex((t) => /alpha/.test(t));
  const beta = options.findIndex((t) => /beta/.test(t));
  expect(alpha).toBeGreaterThan(0);
  expect(beta).toBeGreaterThan(0);
  await choice.selectOption({ index: alpha });
  const textA = await generateGreedy(page, 'The little girl cried', 24);
  await expect(heatmap(page)).toHaveAttribute('aria-label', /2 hooks × 24 tokens/);
  await expect(page.getByRole('combobox', { name: 'Heatmap shows' })).toHaveCount(0);

  // Add beta: the output re-generates steered by both.
  const add = page.getByRole('combobox', { name: /Also apply/ });
  const addOptions = await add.locator('option').allTextContents();
  await add.selectOption({ index: addOptions.findIndex((t) => /beta/.test(t)) });
  const second = page.getByRole('group', { name: /^Intervention 2: .*beta/ });
  await expect(second).toBeVisible();
  await expect(second.getByRole('slider', { name: 'Strength' })).toHaveValue('1');
  await expect.poll(() => generated(page), { timeout: 120_000 }).not.toBe(textA);
  await expect(doneStats(page)).toBeVisible({ timeout: 120_000 });
  const textAB = await generated(page);
  // The sum by default: every hook gated by either (1.attn, 2.mlp, 3.mlp, 4.attn); then each one's own.
  const view = page.getByRole('combobox', { name: 'Heatmap shows' });
  await expect(heatmap(page)).toHaveAttribute('aria-label', /4 hooks × 24 tokens/);
  await view.selectOption({ index: 1 });
  await expect(heatmap(page)).toHaveAttribute('aria-label', /2 hooks × 24 tokens/);
  await view.selectOption({ index: 2 });
  await expect(heatmap(page)).toHaveAttribute('aria-label', /3 hooks × 24 tokens/);

  // Beta's strength to 0: the output is alpha's alone again (same prompt and seed).
  await second.getByRole('slider', { name: 'Strength' }).fill('0');
  await expect.poll(() => generated(page), { timeout: 120_000 }).toBe(textA);
  await second.getByRole('slider', { name: 'Strength' }).fill('1');
  await expect.poll(() => generated(page), { timeout: 120_000 }).toBe(textAB);
  // Remove it: alpha alone, and the single-intervention heatmap.
  await second.getByRole('button', { name: 'Remove' }).click();
  await expect(second).toHaveCount(0);
  await expect.poll(() => generated(page), { timeout: 120_000 }).toBe(textA);
  await expect(doneStats(page)).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('combobox', { name: 'Heatmap shows' })).toHaveCount(0);
  await expect(heatmap(page)).toHaveAttribute('aria-label', /2 hooks × 24 tokens/);
  expect(errors).toEqual([]);
});

test('Evaluate with two interventions: the Steer panel’s one is swept, the added one is held and named in the panel and the run', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);
  for (const [name, maps] of [['alpha', A], ['beta', B]] as const) {
    const dir = test.info().outputPath(name);
    writeInterventionFolder(dir, encode({ ...intervention('stories260K', maps), dataset: { name, hash: '0'.repeat(64) } }));
    await page.getByLabel('Intervention files for the library').setInputFiles(fs.readdirSync(dir).map((f) => path.join(dir, f)));
    await expect(page.getByRole('status').filter({ hasText: /^Imported/ }).last()).toBeVisible();
  }
  const choice = page.getByRole('combobox', { name: 'Intervention', exact: true });
  await choice.selectOption({ index: (await choice.locator('option').allTextContents()).findIndex((t) => /alpha/.test(t)) });
  const evalPanel = page.locator('#eval-panel');
  await expect(evalPanel.getByTestId('eval-intervention')).toContainText('alpha', { timeout: 60_000 });
  await expect(evalPanel.getByTestId('eval-held')).toHaveCount(0);
  const add = page.getByRole('combobox', { name: /Also apply/ });
  await add.selectOption({ index: (await add.locator('option').allTextContents()).findIndex((t) => /beta/.test(t)) });
  const second = page.getByRole('group', { name: /^Intervention 2: .*beta/ });
  await second.getByRole('slider', { name: 'Strength' }).fill('0.5');
  await expect(evalPanel.getByTestId('eval-intervention')).toContainText('alpha');
  await expect(evalPanel.getByTestId('eval-held')).toHaveText(/^holding .*beta.* at λ 0\.5 \(3 hooks\): applied as they are at every point .*λ = 0 is these alone\.$/);
  await evalPanel.getByRole('textbox', { name: 'λ values' }).fill('0, 1');
  await evalPanel.getByRole('textbox', { name: 'Prompts', exact: true }).fill('2');
  await evalPanel.getByRole('textbox', { name: 'New tokens' }).fill('4');
  const evaluate = evalPanel.getByRole('button', { name: 'Evaluate', exact: true });
  await expect(evaluate).toBeEnabled({ timeout: 60_000 });
  await evaluate.click();
  const table = evalPanel.getByTestId('eval-table');
  await expect(table.locator('caption')).toContainText(/alpha.*; holding .*beta.* at λ 0\.5 \(3 hooks\) \(λ = 0: these alone\)/, { timeout: 300_000 });
  await expect(table.locator('tbody tr')).toHaveCount(4);
  // The steering is back as it was: both still listed in the Steer panel.
  await expect(second).toBeVisible();
  expect(errors).toEqual([]);
});
