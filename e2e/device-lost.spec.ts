// A lost GPU (simulated with device.destroy() through the dev build's debug hook) mid-generation, mid-fit and
// mid-evaluation: the app says what happened, gets a new device, loads the model again and puts the intervention back
// without a page reload; prompts, datasets, interventions and finished evaluation points are kept.
import { expect, test, type Page } from '@playwright/test';
import { doneStats, generateGreedy, loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const MEAN = 'Sad → happy (stories) · Mean-AcT + DSAS';
const PROMPT = 'The little girl cried';

const loseDevice = (page: Page) => page.evaluate(() => (window as unknown as { steerscopeDebug: { loseDevice(): Promise<{ lost: boolean }> } }).steerscopeDebug.loseDevice());
const notice = (page: Page) => page.getByTestId('gpu-notice');
const fitPanel = (page: Page) => page.locator('#fit-panel');
const evalPanel = (page: Page) => page.locator('#eval-panel');

async function expectBack(page: Page, steering: string): Promise<void> {
  await expect(notice(page)).toContainText(/^The GPU stopped working \(destroyed[^)]*\): stories260K was loaded again on a new GPU device and “(.+)” is steering again\. Prompts, settings, datasets and interventions are as they were\.$/, { timeout: 120_000 });
  await expect(notice(page)).toContainText(`“${steering}” is steering again`);
  await expect(page.getByRole('status').filter({ hasText: 'stories260K is ready' })).toBeVisible();
}

test('a lost GPU mid-generation, mid-fit and mid-evaluation: reloaded, intervention back, work kept', async ({ page }) => {
  test.setTimeout(12 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);

  // An intervention to put back: Mean-AcT + DSAS on the preset.
  await fitPanel(page).getByRole('radio', { name: 'Mean-AcT' }).check();
  await fitPanel(page).getByRole('checkbox', { name: /^Train DSAS gates/ }).check();
  await fitPanel(page).getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(fitPanel(page).getByRole('status').filter({ hasText: `Fitted “${MEAN}”` })).toBeVisible({ timeout: 180_000 });
  const steered = await generateGreedy(page, PROMPT, 16);

  // ---- Mid-generation ----
  await page.getByRole('radio', { name: 'Sample' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('400');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect.poll(async () => ((await page.getByTestId('generated').textContent()) ?? '').length, { timeout: 60_000 }).toBeGreaterThan(10);
  expect(await loseDevice(page)).toEqual({ lost: true });
  await expect(page.locator('section.prompt').getByRole('alert')).toHaveText(/^The GPU stopped working \(destroyed[^)]*\), so this generation stopped\. Generate again once the model is back\.$/);
  await expectBack(page, MEAN);
  await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue(PROMPT);
  // The same intervention, strength and gates as before: the same greedy text.
  expect(await generateGreedy(page, PROMPT, 16)).toBe(steered);

  // ---- Mid-fit: nothing to resume from, said so; the dataset stays ----
  const sources = await fitPanel(page).getByRole('textbox', { name: /^Source prompts/ }).inputValue();
  await fitPanel(page).getByRole('radio', { name: 'Linear-AcT' }).check();
  await fitPanel(page).getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(fitPanel(page).getByRole('button', { name: 'Stop fitting' })).toBeEnabled();
  expect(await loseDevice(page)).toEqual({ lost: true });
  await expect(fitPanel(page).getByRole('alert')).toContainText('The GPU stopped working, so the fit stopped and what it had made was lost with the device. The dataset and settings are kept: fit again once the model is back.');
  await expectBack(page, MEAN);
  await expect(fitPanel(page).getByRole('textbox', { name: /^Source prompts/ })).toHaveValue(sources);
  await expect(fitPanel(page).getByRole('radio', { name: 'Linear-AcT' })).toBeChecked();

  // ---- Mid-evaluation: the finished points are kept as a run ----
  await evalPanel(page).getByRole('textbox', { name: 'λ values' }).fill('0, 0.5, 1');
  await evalPanel(page).getByRole('textbox', { name: 'Prompts', exact: true }).fill('4');
  await evalPanel(page).getByRole('textbox', { name: 'New tokens' }).fill('16');
  await evalPanel(page).getByRole('button', { name: 'Evaluate', exact: true }).click();
  const progress = evalPanel(page).getByRole('progressbar', { name: 'Evaluating' });
  // One point is 4 continuations + 20 neutral texts: wait for it.
  await expect.poll(async () => Number(/^(\d+)/.exec((await progress.getAttribute('aria-valuetext')) ?? '')?.[1] ?? 0), { timeout: 120_000 }).toBeGreaterThanOrEqual(25);
  expect(await loseDevice(page)).toEqual({ lost: true });
  await expect(evalPanel(page).getByRole('alert')).toContainText(/^The GPU stopped working, so the evaluation stopped; the \d+ finished points? (is|are) kept as run 1\. Evaluate again once the model is back\.$/);
  await expect(evalPanel(page).getByTestId('eval-table').locator('tbody tr').first()).toBeVisible();
  await expectBack(page, MEAN);
  await expect(doneStats(page)).toBeVisible();
  expect(errors).toEqual([]);
});
