// The Evaluate panel with the classifier scorer: a model that cannot load is said in words (its name and the reason)
// and the panel keeps working; the tiny classifier (tools/tiny_classifier.py, built here, served by the dev server)
// then scores a sweep whose source- and target-like shares match the hand-computed probabilities of the continuations
// the panel shows, and the run's caption says which classifier scored it.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildTinyClassifier, tinyPositive, type TinyWeights } from '../src/testing/tiny-classifier.node.ts';
import { formatShare } from '../src/app/pareto-plot.ts';
import { loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads } from './fixtures/page-watch.ts';

const ID = 'tiny-classifier-panel';
const DIR = path.resolve('.cache/test-models', ID);
const WEIGHTS: TinyWeights = { he: [1, 0], she: [0, 1], was: [0, 0.5], the: [0.5, 0], park: [0, 2], sad: [2, 0], happy: [0, 2], lily: [0, 1], tom: [1, 0] };

const SHOTS = process.env.SHOTS_DIR ?? 'test-results/screenshots';
const panel = (page: Page) => page.locator('#eval-panel');

test.beforeAll(() => {
  buildTinyClassifier(DIR, WEIGHTS);
});
test.afterAll(() => {
  fs.rmSync(DIR, { recursive: true, force: true });
});

test('the classifier scorer: a failed load in words, then a sweep scored by the tiny classifier', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);
  const fitPanel = page.locator('#fit-panel');
  await fitPanel.getByRole('radio', { name: 'Mean-AcT' }).check();
  await fitPanel.getByRole('checkbox', { name: /^Train DSAS gates/ }).uncheck();
  await fitPanel.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(fitPanel.getByRole('status').filter({ hasText: 'Fitted' })).toBeVisible({ timeout: 120_000 });

  const p = panel(page);
  await p.getByRole('radio', { name: 'Text classifier' }).check();
  const model = p.getByRole('textbox', { name: 'Classifier model' });
  await expect(model).toHaveValue('Xenova/distilbert-base-uncased-finetuned-sst-2-english');
  await expect(p.getByRole('textbox', { name: 'Source label' })).toHaveValue('NEGATIVE');
  await expect(p.getByRole('textbox', { name: 'Target label' })).toHaveValue('POSITIVE');
  await p.getByRole('textbox', { name: 'λ values' }).fill('0, 1');
  await p.getByRole('textbox', { name: 'Prompts', exact: true }).fill('3');
  await p.getByRole('textbox', { name: 'New tokens' }).fill('16');
  const evaluate = p.getByRole('button', { name: 'Evaluate', exact: true });

  // A blank model is refused before anything runs; one that is nowhere fails with its name and the reason.
  await model.fill(' ');
  await evaluate.click();
  await expect(p.getByTestId('eval-classifier-error')).toHaveText(/^Classifier model: give a hub id/);
  await model.fill('no-such-classifier');
  await evaluate.click();
  await expect(p.getByRole('alert').filter({ hasText: 'Could not load the classifier “no-such-classifier”:' })).toBeVisible({ timeout: 60_000 });
  await expect(p.getByTestId('eval-table')).toHaveCount(0);

  // The tiny classifier, served by the dev server.
  await model.fill(ID);
  await evaluate.click();
  await expect(p.getByRole('status').filter({ hasText: /^Evaluated run \d+: 2 points/ })).toBeVisible({ timeout: 180_000 });
  const table = p.getByTestId('eval-table');
  await expect(table.locator('caption')).toContainText(`scored by classifier ${ID} (NEGATIVE → POSITIVE)`);
  await p.getByText(/^Read run \d+’s continuations/).click();
  fs.mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SHOTS, 'eval-classifier.png') });
  const rows = p.locator('.continuations-table tbody tr');
  await expect(rows).toHaveCount(3);
  for (const [col, lambda] of [[1, '0'], [2, '1']] as const) {
    const texts = await rows.evaluateAll((trs, c) => trs.map((tr) => (tr.children[c] as HTMLElement).innerText), col);
    const probs = texts.map((t) => tinyPositive(t, WEIGHTS));
    console.log(`λ ${lambda}: ${texts.map((t, i) => `${probs[i].toFixed(3)} ${JSON.stringify(t)}`).join(' | ')}`);
    const row = table.locator('tbody tr').filter({ has: page.locator('th', { hasText: new RegExp(`^${lambda}$`) }) });
    const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
    expect(cells[1]).toBe(formatShare(probs.filter((v) => v < 0.5).length / probs.length));
    expect(cells[2]).toBe(formatShare(probs.filter((v) => v > 0.5).length / probs.length));
    expect(cells[7]).toBe((probs.reduce((a, v) => a + v, 0) / probs.length).toFixed(3));
  }
});
