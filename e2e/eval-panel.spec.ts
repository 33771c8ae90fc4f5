// The Evaluate panel: load stories260K, fit Mean-AcT + DSAS on the sad → happy preset, sweep λ with and without the
// gates (progress, Stop keeps the finished points, Clear), read the plot and the table (λ = 0 is the unsteered model
// whatever the gates), switch the utility axis; reload (the run is kept in the browser), then fit Linear-AcT and
// evaluate it onto the same plot while the browser refuses to save it (said in words, saved on Try again); reload
// again, delete one run, Clear, and reload: gone. Also: a database from before evaluations were kept upgrades.
import fs from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const SHOTS = process.env.SHOTS_DIR ?? 'test-results/screenshots';
fs.mkdirSync(SHOTS, { recursive: true });

const MEAN = 'Sad → happy (stories) · Mean-AcT + DSAS';
const LINEAR = 'Sad → happy (stories) · Linear-AcT';

const panel = (page: Page) => page.locator('#eval-panel');
const plot = (page: Page) => panel(page).getByRole('img', { name: /^Effect against utility/ });
const tables = (page: Page) => panel(page).getByTestId('eval-table');

async function fit(page: Page, method: 'Mean-AcT' | 'Linear-AcT', dsas: boolean, name: string): Promise<void> {
  const fitPanel = page.locator('#fit-panel');
  await fitPanel.getByRole('radio', { name: method }).check();
  const box = fitPanel.getByRole('checkbox', { name: /^Train DSAS gates/ });
  if (dsas) await box.check();
  else await box.uncheck();
  await fitPanel.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(fitPanel.getByRole('status').filter({ hasText: `Fitted “${name}”` })).toBeVisible({ timeout: 120_000 });
  await expect(panel(page).getByTestId('eval-intervention')).toHaveText(name);
}

async function setSettings(page: Page, s: { lambdas: string; prompts: string; tokens: string }): Promise<void> {
  const p = panel(page);
  await p.getByRole('textbox', { name: 'λ values' }).fill(s.lambdas);
  await p.getByRole('textbox', { name: 'Prompts', exact: true }).fill(s.prompts);
  await p.getByRole('textbox', { name: 'New tokens' }).fill(s.tokens);
}

/** The texts of a table row's cells (header cell first). */
const cells = async (row: Locator) => (await row.locator('th, td').allInnerTexts()).map((t) => t.trim());

test('evaluate: λ sweep with and without gates, progress and Stop, plot, table, Pareto front, a second method on the same plot', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  const evaluate = panel(page).getByRole('button', { name: 'Evaluate', exact: true });
  const stop = panel(page).getByRole('button', { name: 'Stop evaluating' });

  // Nothing to evaluate yet.
  await expect(page.getByRole('heading', { name: 'Evaluate', exact: true })).toBeVisible();
  await expect(evaluate).toBeDisabled();
  await expect(panel(page).getByText('Load a model first.')).toBeVisible();
  await loadStories(page);
  await expect(evaluate).toBeDisabled();
  await expect(panel(page).getByText('Choose an intervention to evaluate (Steer), or fit one.')).toBeVisible();

  // The preset brings its lexicon and control prompts; the spec's sampling is the default.
  await expect(page.getByRole('combobox', { name: 'Start from' })).toHaveValue('preset:sad-to-happy');
  await expect(panel(page).getByText('Lexicon: 17 source words, 17 target words')).toBeVisible();
  await expect(panel(page).getByText('20 source prompts, 20 control prompts (the neutral texts)')).toBeVisible();
  await expect(panel(page).getByRole('textbox', { name: 'λ values' })).toHaveValue('0, 0.25, 0.5, 0.75, 1');
  await expect(panel(page).getByRole('textbox', { name: 'New tokens' })).toHaveValue('24');
  await expect(panel(page).getByRole('textbox', { name: 'Prompts', exact: true })).toHaveValue('8');
  await expect(panel(page).getByRole('textbox', { name: 'Temperature' })).toHaveValue('1');
  await expect(panel(page).getByRole('textbox', { name: 'Top-p' })).toHaveValue('0.3');
  await expect(panel(page).getByRole('textbox', { name: 'Repetition penalty' })).toHaveValue('1.2');

  await fit(page, 'Mean-AcT', true, MEAN);
  await expect(evaluate).toBeEnabled();
  const gates = panel(page).getByRole('group', { name: 'DSAS gates' });
  await expect(gates.getByRole('radio', { name: 'Gated and ungated' })).toBeChecked();

  // Without a lexicon there is nothing to score: said in words, Evaluate waits.
  await panel(page).getByText(/^Lexicon:/).click(); // open the details
  const sourceWords = panel(page).getByRole('textbox', { name: /^Source words/ });
  const words = await sourceWords.inputValue();
  await sourceWords.fill('');
  await expect(panel(page).getByTestId('eval-no-lexicon')).toContainText('has no lexicon');
  await expect(evaluate).toBeDisabled();
  await sourceWords.fill(words);
  await expect(panel(page).getByText('Lexicon: 17 source words, 17 target words')).toBeVisible();
  await expect(evaluate).toBeEnabled();

  // A bad setting is named at its field; nothing starts.
  await panel(page).getByRole('textbox', { name: 'λ values' }).fill('0, 9');
  await evaluate.click();
  await expect(panel(page).getByRole('textbox', { name: 'λ values' })).toHaveAttribute('aria-invalid', 'true');
  await expect(panel(page).getByText('λ values: “9” is not a number from 0 to 4.')).toBeVisible();
  await expect(panel(page).getByRole('alert')).toHaveText('Some evaluation settings need fixing (see above).');

  // ---- A long sweep: progress "k of n", generation waits, Stop keeps the finished points ----
  await setSettings(page, { lambdas: '0, 0.25, 0.5, 0.75, 1', prompts: '8', tokens: '48' });
  await evaluate.click();
  const progress = panel(page).getByRole('progressbar', { name: 'Evaluating' });
  await expect(progress).toBeVisible();
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();
  await expect(page.getByText('Evaluating the intervention: generation waits until it is done.')).toBeVisible();
  await expect(page.locator('#fit-panel').getByRole('button', { name: 'Fit', exact: true })).toBeDisabled();
  // 2 gate settings × 5 λ × (8 continuations + 20 neutral texts).
  await expect(progress).toHaveAttribute('aria-valuetext', /^(?:[1-9]\d*) of 280$/, { timeout: 60_000 });
  await expect(panel(page).getByTestId('eval-progress-text')).toContainText(/^\d+ of 280 continuations and scorings · now λ [\d.]+, gated/);
  // Wait for the first point (8 + 20 done) so Stop has something to keep.
  await expect.poll(async () => Number(/^(\d+)/.exec((await progress.getAttribute('aria-valuetext')) ?? '')?.[1] ?? 0), { timeout: 90_000 }).toBeGreaterThanOrEqual(29);
  await stop.click();
  const stopped = panel(page).getByRole('status').filter({ hasText: /^Stopped: kept (\d+) points? of 10 as run 1\.$/ });
  await expect(stopped).toBeVisible({ timeout: 60_000 });
  const kept = Number(/kept (\d+)/.exec((await stopped.textContent()) ?? '')![1]);
  expect(kept).toBeGreaterThanOrEqual(1);
  expect(kept).toBeLessThan(10);
  await expect(progress).toHaveCount(0);
  await expect(tables(page)).toHaveCount(1);
  await expect(tables(page).locator('tbody tr')).toHaveCount(kept);
  await expect(panel(page).getByRole('list', { name: 'Curves' })).toContainText(`${MEAN} · gated (stopped early)`);
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();

  // Clear asks first; Keep keeps.
  await panel(page).getByRole('button', { name: 'Clear', exact: true }).click();
  await panel(page).getByRole('button', { name: 'Keep them' }).click();
  await expect(tables(page)).toHaveCount(1);
  await panel(page).getByRole('button', { name: 'Clear', exact: true }).click();
  await expect(panel(page).getByRole('group', { name: 'Clear the results?' })).toContainText('Clear 1 evaluation run?');
  await panel(page).getByRole('button', { name: 'Clear them' }).click();
  await expect(tables(page)).toHaveCount(0);
  await expect(plot(page)).toHaveCount(0);

  // ---- A short sweep, to the end: 3 λ × gated and ungated ----
  await setSettings(page, { lambdas: '0, 0.5, 1', prompts: '3', tokens: '8' });
  const t0 = Date.now();
  await evaluate.click();
  await expect(panel(page).getByRole('status').filter({ hasText: /^Evaluated run 2: 6 points in [\d.]+ (s|ms)\.$/ })).toBeVisible({ timeout: 120_000 });
  console.log(`short sweep: ${Date.now() - t0} ms`);
  await expect(plot(page)).toHaveAttribute('data-curves', '2');
  await expect(plot(page)).toHaveAttribute('data-points', '6');
  await expect(plot(page)).toHaveAttribute('aria-label', /^Effect against utility: 2 curves, 6 points, [1-6] on the Pareto front\./);
  await expect(plot(page)).toContainText('Effect: source-like continuations (%)');
  await expect(plot(page)).toContainText('Perplexity of neutral text (steered model)');
  const fronts = await plot(page).locator('.pt[data-front="true"]').count();
  expect(fronts).toBeGreaterThanOrEqual(1);
  await expect(plot(page).locator('.pt-label')).toContainText(['0', '0.5', '1']);
  const legend = panel(page).getByRole('list', { name: 'Curves' });
  await expect(legend.getByRole('listitem')).toHaveText([`${MEAN} · gated`, `${MEAN} · ungated`, /^Pareto front/]);

  // The table: one row per λ and gate setting, in sweep order; λ = 0 is unsteered, so gated and ungated agree.
  const table = tables(page);
  await expect(table).toHaveCount(1);
  await expect(table.locator('caption')).toContainText(`Run 2: ${MEAN} on stories260K, 3 prompts × 8 tokens, 20 neutral texts`);
  await expect(table.locator('thead th')).toHaveText(['λ', 'Gates', 'Source-like', 'Target-like', 'Neutral perplexity', 'Continuation perplexity', 'Mean gate value', 'Pareto front', 'Mean score']);
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(6);
  const all = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => cells(rows.nth(i))));
  expect(all.map((r) => [r[0], r[1]])).toEqual([
    ['0', 'on'],
    ['0.5', 'on'],
    ['1', 'on'],
    ['0', 'off'],
    ['0.5', 'off'],
    ['1', 'off'],
  ]);
  for (const r of all) {
    expect(r[2]).toMatch(/^\d+(\.\d)? %$/);
    expect(r[3]).toMatch(/^\d+(\.\d)? %$/);
    expect(r[4]).toMatch(/^\d+(\.\d+)?$/);
    expect(r[5]).toMatch(/^\d+(\.\d+)?$/);
  }
  expect(all[0].slice(2, 6)).toEqual(all[3].slice(2, 6));
  expect(all[0][6]).toMatch(/^0\.\d{3}$/); // gated rows carry the mean gate value
  expect(all[3][6]).toBe('–');
  // Steering changes the steered model's perplexity on neutral text.
  expect(all[2][4]).not.toBe(all[0][4]);
  // The table marks the same number of front points as the plot.
  await expect(table.locator('tbody tr.on-front')).toHaveCount(fronts);

  // The continuations to read: prompts down, λ across; λ = 0 reads the same gated and ungated.
  const reading = panel(page).locator('details.continuations').first();
  await reading.locator('summary').click();
  const cont = reading.locator('table');
  await expect(cont.locator('thead th')).toHaveText(['Prompt', 'λ 0', 'λ 0.5', 'λ 1']);
  await expect(cont.locator('tbody tr')).toHaveCount(3);
  await expect(cont.locator('tbody th').first()).toHaveText('Lily sat under the tree and cried all day.');
  const gatedZero = await cont.locator('tbody tr td:nth-child(2)').allInnerTexts();
  await reading.getByRole('radio', { name: 'Ungated' }).check();
  await expect(cont.locator('caption')).toContainText('ungated');
  expect(await cont.locator('tbody tr td:nth-child(2)').allInnerTexts()).toEqual(gatedZero);
  expect(gatedZero.join('').length).toBeGreaterThan(0);

  // The other utility: the continuations' perplexity under the unsteered model.
  const before = await plot(page).locator('.pt').evaluateAll((els) => els.map((e) => e.querySelector('circle, rect')?.getAttribute('cy') ?? e.querySelector('rect')?.getAttribute('y')));
  await panel(page).getByRole('radio', { name: 'Continuations' }).check();
  await expect(plot(page)).toContainText('Perplexity of the continuations (unsteered model)');
  const after = await plot(page).locator('.pt').evaluateAll((els) => els.map((e) => e.querySelector('circle, rect')?.getAttribute('cy') ?? e.querySelector('rect')?.getAttribute('y')));
  expect(after).not.toEqual(before);
  await panel(page).getByRole('radio', { name: 'Neutral text' }).check();

  // ---- Kept in this browser: after a reload run 2 is back, number for number (run 1 was cleared: not back) ----
  await page.reload();
  await expect(panel(page)).toHaveAttribute('data-saved-runs', 'ready');
  await expect(tables(page)).toHaveCount(1);
  await expect(tables(page).locator('caption')).toContainText(`Run 2: ${MEAN} on stories260K, 3 prompts × 8 tokens, 20 neutral texts`);
  const restored = tables(page).locator('tbody tr');
  await expect(restored).toHaveCount(6);
  expect(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => cells(restored.nth(i))))).toEqual(all);
  await expect(plot(page)).toHaveAttribute('data-curves', '2');
  await expect(plot(page)).toHaveAttribute('data-points', '6');
  await expect(plot(page).locator('.pt[data-front="true"]')).toHaveCount(fronts);
  await expect(legend.getByRole('listitem')).toHaveText([`${MEAN} · gated`, `${MEAN} · ungated`, /^Pareto front/]);
  await expect(panel(page).getByText('Runs are kept in this browser until you delete them.')).toBeVisible();
  await loadStories(page);

  // ---- A second method on the same plot: Linear-AcT, no gates (evaluated ungated), numbered after the kept run ----
  await fit(page, 'Linear-AcT', false, LINEAR);
  await expect(panel(page).getByRole('group', { name: 'DSAS gates' })).toHaveCount(0);
  await expect(panel(page).getByText('This intervention has no DSAS gates: it is evaluated ungated.')).toBeVisible();
  await setSettings(page, { lambdas: '0, 0.5, 1', prompts: '3', tokens: '8' }); // the settings are not kept
  // The browser refuses to save it: the run is shown, the problem said in words, and Try saving again saves it.
  await page.evaluate(() => {
    const w = window as unknown as { realPut: typeof IDBObjectStore.prototype.put };
    w.realPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await evaluate.click();
  await expect(panel(page).getByRole('status').filter({ hasText: /^Evaluated run 3: 3 points in / })).toBeVisible({ timeout: 120_000 });
  const unsaved = panel(page).getByRole('alert');
  await expect(unsaved).toContainText("Could not save run 3 in this browser: this browser's storage for the site is full.");
  await expect(unsaved).toContainText('Run 3 is shown here but not kept in this browser: download the results as JSON to keep it, or try again.');
  await expect(tables(page)).toHaveCount(2);
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = (window as unknown as { realPut: typeof IDBObjectStore.prototype.put }).realPut;
  });
  await unsaved.getByRole('button', { name: 'Try saving again' }).click();
  await expect(unsaved).toHaveCount(0);
  await expect(plot(page)).toHaveAttribute('data-curves', '3');
  await expect(plot(page)).toHaveAttribute('data-points', '9');
  await expect(legend.getByRole('listitem')).toHaveText([`${MEAN} · gated`, `${MEAN} · ungated`, `${LINEAR} · ungated`, /^Pareto front/]);
  await expect(tables(page)).toHaveCount(2);
  const second = tables(page).nth(1);
  await expect(second.locator('tbody tr')).toHaveCount(3);
  // Same prompts, seeds and model: λ = 0 is the same unsteered point whatever the intervention.
  expect((await cells(second.locator('tbody tr').first())).slice(0, 6)).toEqual(['0', 'off', ...all[3].slice(2, 6)]);
  await expect(panel(page).getByTestId('eval-differences')).toHaveCount(0);

  await panel(page).screenshot({ path: `${SHOTS}/eval-panel.png` });
  await plot(page).screenshot({ path: `${SHOTS}/eval-panel-plot.png` });

  // ---- Both runs come back after a reload: the same tables, curves and legend ----
  const captions = await tables(page).locator('caption').allInnerTexts();
  expect(captions.map((c) => c.slice(0, 6))).toEqual(['Run 2:', 'Run 3:']);
  await page.reload();
  await expect(tables(page)).toHaveCount(2);
  await expect(tables(page).locator('caption')).toHaveText(captions);
  await expect(tables(page).nth(0).locator('tbody tr')).toHaveCount(6);
  await expect(tables(page).nth(1).locator('tbody tr')).toHaveCount(3);
  await expect(plot(page)).toHaveAttribute('data-curves', '3');
  await expect(plot(page)).toHaveAttribute('data-points', '9');
  await expect(legend.getByRole('listitem')).toHaveText([`${MEAN} · gated`, `${MEAN} · ungated`, `${LINEAR} · ungated`, /^Pareto front/]);

  // ---- Delete one run: asks first (Keep keeps); deleted, it stays deleted after a reload ----
  const deleteRun3 = panel(page).getByRole('button', { name: 'Delete run 3' });
  await deleteRun3.click();
  await expect(panel(page).getByRole('group', { name: 'Delete run 3?' })).toContainText(`Delete run 3 (${LINEAR})?`);
  await panel(page).getByRole('button', { name: 'Keep it' }).click();
  await expect(tables(page)).toHaveCount(2);
  await deleteRun3.click();
  await panel(page).getByRole('button', { name: 'Delete it' }).click();
  await expect(tables(page)).toHaveCount(1);
  await expect(plot(page)).toHaveAttribute('data-curves', '2');
  await page.reload();
  await expect(tables(page)).toHaveCount(1);
  await expect(tables(page).locator('caption')).toHaveText(captions[0]);
  await expect(plot(page)).toHaveAttribute('data-points', '6');

  // ---- Clear deletes them from the browser: nothing comes back after a reload ----
  await panel(page).getByRole('button', { name: 'Clear', exact: true }).click();
  await panel(page).getByRole('button', { name: 'Clear them' }).click();
  await expect(tables(page)).toHaveCount(0);
  await page.reload();
  await expect(panel(page)).toHaveAttribute('data-saved-runs', 'ready'); // the saved runs have been read
  await expect(tables(page)).toHaveCount(0);
  await expect(plot(page)).toHaveCount(0);
  await expect(panel(page).getByRole('heading', { name: 'Results' })).toHaveCount(0);
  await expect(panel(page).getByRole('alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a library saved before evaluations were kept (database version 1) upgrades with its data', async ({ page }) => {
  const errors = watchErrors(page);
  // A blank page on the app's origin (the app itself would open the library at the new version).
  await page.route('**/v1-setup', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>v1</title>' }));
  await page.goto('/v1-setup');
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('steerscope', 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore('interventions', { keyPath: 'id' });
          req.result.createObjectStore('datasets', { keyPath: 'id' });
        };
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction('datasets', 'readwrite');
          tx.objectStore('datasets').put({
            id: 'old-moods',
            name: 'Old moods',
            description: 'Saved by version 1.',
            source: ['I am sad.', 'The day is grey.'],
            target: ['I am happy.', 'The day is bright.'],
            control: ['The cat sat on the mat.'],
            saved: '2026-01-01T00:00:00.000Z',
          });
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  await page.goto('/');
  await expect(page.getByRole('region', { name: 'Library' }).getByRole('article', { name: 'Old moods' })).toBeVisible();
  await expect(panel(page)).toHaveAttribute('data-saved-runs', 'ready');
  const after = await page.evaluate(
    () =>
      new Promise<{ version: number; stores: string[]; datasets: number; evaluations: number }>((resolve, reject) => {
        const req = indexedDB.open('steerscope');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['datasets', 'evaluations'], 'readonly');
          const ds = tx.objectStore('datasets').count();
          const ev = tx.objectStore('evaluations').count();
          tx.oncomplete = () => {
            resolve({ version: db.version, stores: [...db.objectStoreNames], datasets: ds.result, evaluations: ev.result });
            db.close();
          };
        };
      }),
  );
  expect(after).toEqual({ version: 2, stores: ['datasets', 'evaluations', 'interventions'], datasets: 1, evaluations: 0 });
  await expect(panel(page).getByRole('alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});
