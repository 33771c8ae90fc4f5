// LinEAS in the page: load stories260K, pick the sad → happy preset, train LinEAS for a few steps on four hooks, watch
// the loss chart and the per-hook bars move, find the result in the library and generate with it; then train with
// E2E-DSAS and many steps, stop it, and keep what was trained.
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { doneStats, generateGreedy, loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const SHOTS = process.env.SHOTS_DIR ?? 'test-results/screenshots';
fs.mkdirSync(SHOTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

const HOOKS = ['0.attn', '0.mlp', '1.attn', '1.mlp'];
const PROMPT = 'The little girl cried';
const NAME = 'Sad → happy (stories) · LinEAS';

/** A library item by its exact name (its heading may also carry the "In use" badge). */
const article = (page: Page, name: string) => page.getByRole('article', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( In use)?$`) });
const chart = (page: Page) => page.locator('#train-loss-chart');
const stepOf = async (page: Page) => Number((await chart(page).getAttribute('data-points')) ?? 0);

async function chooseHooks(page: Page): Promise<void> {
  const grid = page.getByRole('group', { name: /^Hooks to fit/ });
  await grid.getByRole('button', { name: 'None', exact: true }).click();
  for (const h of HOOKS) {
    const [l, k] = h.split('.');
    await grid.getByRole('checkbox', { name: `Layer ${l} ${k}` }).check();
  }
  await expect(grid).toContainText(`(${HOOKS.length} of 15)`);
}

test('train LinEAS: live chart and bars, saved to the library with its curve, generate with it; stop keeps the maps', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);

  // An unsteered generation to compare with.
  const unsteered = await generateGreedy(page, PROMPT);

  // ---- The method: Fit for the closed-form ones, Train for LinEAS, with its settings ----
  await expect(page.getByRole('combobox', { name: 'Start from' })).toHaveValue('preset:sad-to-happy');
  await expect(page.getByRole('button', { name: 'Fit', exact: true })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Steps' })).toHaveCount(0);
  await page.getByRole('radio', { name: 'LinEAS' }).check();
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Fit', exact: true })).toHaveCount(0);
  const group = page.getByRole('group', { name: 'LinEAS settings' });
  for (const f of ['Steps', 'Learning rate', 'Batch', 'L1', 'Sparse-group', 'Seed']) await expect(group.getByRole('textbox', { name: f, exact: true })).toBeVisible();
  await expect(group.getByRole('textbox', { name: 'Steps' })).toHaveValue('1000');
  await page.getByRole('checkbox', { name: /^Train DSAS gates end to end \(E2E-DSAS\)/ }).uncheck();
  await chooseHooks(page);

  // A bad setting is named at its field; nothing starts.
  const lr = group.getByRole('textbox', { name: 'Learning rate' });
  await lr.fill('fast');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(lr).toHaveAttribute('aria-invalid', 'true');
  await expect(group.getByText('Learning rate: a number above 0')).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'Some training settings need fixing' })).toBeVisible();
  await shot(page, 'train-01-settings-error');
  await lr.fill('1e-2');
  await expect(lr).not.toHaveAttribute('aria-invalid', 'true');
  await group.getByRole('textbox', { name: 'Steps' }).fill('30');

  // ---- Train: the chart and the bars update while it runs ----
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Training' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Stop training' })).toBeEnabled();
  await expect(chart(page)).toHaveAttribute('role', 'img');
  await expect.poll(() => stepOf(page), { timeout: 5 * 60_000 }).toBeGreaterThanOrEqual(3);
  const early = await chart(page).getAttribute('aria-label');
  const lossBar = page.getByRole('meter', { name: '0.attn loss' });
  const lossEarly = await lossBar.getAttribute('aria-valuenow');
  await shot(page, 'train-02-training');
  await expect(page.getByRole('status').filter({ hasText: `Trained “${NAME}”: 30 steps` })).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByRole('status').filter({ hasText: 'saved in the library' })).toBeVisible();
  const label = (await chart(page).getAttribute('aria-label')) ?? '';
  expect(label).not.toBe(early);
  expect(label).toMatch(/^Training loss: \S+ at step 1, \S+ at step 30 of 30 \(−\d+ %\)$/);
  expect(await stepOf(page)).toBe(30);
  expect(await lossBar.getAttribute('aria-valuenow')).not.toBe(lossEarly);
  await expect(page.getByTestId('train-stats')).toContainText('30 of 30');
  for (const h of HOOKS) {
    await expect(page.getByRole('meter', { name: `${h} loss` })).toHaveAttribute('aria-valuenow', /\d/);
    // No sparsity penalty: every neuron of every hook is active.
    await expect(page.getByRole('meter', { name: `${h} active neurons` })).toHaveAttribute('aria-valuetext', /^(\d+) of \1 \(100 %\)$/);
  }
  await shot(page, 'train-03-trained');
  await page.locator('.train-monitor').screenshot({ path: `${SHOTS}/train-03b-monitor.png` });

  // ---- In the library, with its curve; it steers the output now ----
  const saved = article(page, NAME);
  await expect(saved).toContainText(`stories260K · LinEAS · ${HOOKS.length} hooks`);
  await expect(saved).toContainText(/30 training steps · final loss \S+ · \d+ active neurons in 4 hooks/);
  await expect(saved.getByRole('img', { name: /^Training loss: .* at step 30/ })).toBeVisible();
  await expect(saved.getByRole('button', { name: 'In use' })).toBeDisabled();
  await expect(page.getByRole('combobox', { name: 'Intervention' })).not.toHaveValue('');
  await expect(page.getByTestId('uniform-note')).toContainText('This intervention has no DSAS gates', { timeout: 120_000 });
  await expect(doneStats(page)).toBeVisible();
  const steered = (await page.getByTestId('generated').textContent()) ?? '';
  expect(steered.length).toBeGreaterThan(20);
  expect(steered).not.toBe(unsteered);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible();
  expect(await page.getByTestId('generated').textContent()).toBe(steered);
  await shot(page, 'train-04-steered');

  // ---- E2E-DSAS with many steps: stop it and keep the maps trained so far ----
  await page.getByRole('checkbox', { name: /^Train DSAS gates end to end/ }).check();
  await group.getByRole('textbox', { name: 'Steps' }).fill('5000');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Training', exact: true })).toBeVisible();
  await expect.poll(() => stepOf(page), { timeout: 5 * 60_000 }).toBeGreaterThanOrEqual(5);
  await shot(page, 'train-05-e2e-dsas');
  await page.getByRole('button', { name: 'Stop training' }).click();
  const stopped = page.getByRole('status').filter({ hasText: /^Stopped; kept “Sad → happy \(stories\) · LinEAS \+ DSAS · stopped at step (\d+)”: \1 steps/ });
  await expect(stopped).toBeVisible({ timeout: 120_000 });
  const stepsDone = Number(/stopped at step (\d+)/.exec((await stopped.textContent()) ?? '')![1]);
  expect(stepsDone).toBeGreaterThanOrEqual(5);
  expect(stepsDone).toBeLessThan(5000);
  await expect(page.getByRole('progressbar', { name: 'Training' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
  const kept = article(page, `Sad → happy (stories) · LinEAS + DSAS · stopped at step ${stepsDone}`);
  await expect(kept).toContainText(`LinEAS + DSAS · ${HOOKS.length} hooks`);
  await expect(kept).toContainText(`${stepsDone} training steps (stopped early)`);
  await expect(kept.getByRole('img', { name: new RegExp(`at step ${stepsDone} of 5000`) })).toBeVisible();
  // It steers with gates now: the heatmap of gate values shows.
  await expect(page.getByRole('switch', { name: 'DSAS' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByText(`Gate value s, mean over ${HOOKS.length} hooks:`)).toBeVisible({ timeout: 120_000 });
  await expect(doneStats(page)).toBeVisible();
  await shot(page, 'train-06-stopped');

  // ---- Sparsity: L1 switches neurons off; the bars show each hook's share ----
  await page.getByRole('checkbox', { name: /^Train DSAS gates end to end/ }).uncheck();
  await group.getByRole('textbox', { name: 'Steps' }).fill('30');
  // Near λ₁ = 1 most neurons stay on and a few switch off (at λ₁ ≥ 1 Adam's steps, at most lr, are all shrunk away).
  await group.getByRole('textbox', { name: 'L1' }).fill('0.99');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const sparseName = `${NAME} · L1 0.99`;
  await expect(page.getByRole('status').filter({ hasText: `Trained “${sparseName}”: 30 steps` })).toBeVisible({ timeout: 5 * 60_000 });
  let active = 0;
  for (const h of HOOKS) {
    const m = page.getByRole('meter', { name: `${h} active neurons` });
    await expect(m).toHaveAttribute('aria-valuetext', /^\d+ of 64 \(\d+ %\)$/);
    active += Number(await m.getAttribute('aria-valuenow'));
  }
  expect(active).toBeLessThan(HOOKS.length * 64);
  expect(active).toBeGreaterThan(0);
  await expect(page.getByTestId('train-stats')).toContainText(`${active} of ${HOOKS.length * 64} neurons`);
  await expect(article(page, sparseName)).toContainText(`${active} active neuron`);
  await page.locator('.train-monitor').screenshot({ path: `${SHOTS}/train-07-sparse-monitor.png` });

  // The first one is still usable from the library.
  await saved.getByRole('button', { name: 'Use', exact: true }).click();
  await expect(saved.getByRole('button', { name: 'In use' })).toBeVisible();
  // The output re-generates with it: the same text as right after training (same prompt and seed).
  await expect(page.getByTestId('generated')).toHaveText(steered, { timeout: 120_000 });
  await expect(doneStats(page)).toBeVisible();
  await expect(page.getByTestId('uniform-note')).toBeVisible();

  // The dataset was never touched.
  await expect(page.getByText('Ready: 20 source prompts, 20 target prompts, 20 control prompts.')).toBeVisible();
  expect(errors).toEqual([]);
});
