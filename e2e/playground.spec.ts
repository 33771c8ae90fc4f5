// The steering playground as a new visitor uses it: load stories260K, generate, fit Mean-AcT + DSAS on the sad → happy
// preset, move the strength, see where it steers, compare, and find the intervention in the library after a reload;
// export it and import it back.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readZip } from '../src/app/storage/zip.ts';
import { doneStats, generateGreedy, loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const SHOTS = process.env.SHOTS_DIR ?? 'test-results/screenshots';
fs.mkdirSync(SHOTS, { recursive: true });

/** Fit the default hooks: attn and mlp of all five layers (about 10–40 s on SwiftShader). */
const FIT_LAYERS = [0, 1, 2, 3, 4];
const HOOKS = FIT_LAYERS.length * 2;
const PROMPT = 'The little girl cried';
const FIT_NAME = 'Sad → happy (stories) · Mean-AcT + DSAS';


const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

async function generatedText(page: Page, testId = 'generated'): Promise<string> {
  return (await page.getByTestId(testId).textContent()) ?? '';
}

const heatmap = (page: Page) => page.getByRole('img', { name: /^Steering strength, \d+ hooks × \d+ tokens/ });

test('fit, steer, see where it steers, compare; the library survives a reload; export and import', async ({ page }) => {
  test.setTimeout(20 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Steer', level: 2 })).toBeVisible();
  await expect(page.getByRole('slider', { name: 'Strength' })).toBeDisabled();
  await expect(page.getByRole('switch', { name: 'DSAS' })).toBeDisabled();
  await expect(page.getByText('No interventions yet.')).toBeVisible();

  // ---- Load and generate (unsteered) ----
  await loadStories(page);
  const unsteered = await generateGreedy(page, PROMPT);
  expect(unsteered.length).toBeGreaterThan(20);
  await shot(page, 'pg-01-generated');

  // ---- The dataset: the sad → happy preset suits stories260K; validation speaks up ----
  await expect(page.getByRole('combobox', { name: 'Start from' })).toHaveValue('preset:sad-to-happy');
  await expect(page.getByText('Ready: 20 source prompts, 20 target prompts, 20 control prompts.')).toBeVisible();
  const source = page.getByRole('textbox', { name: /^Source prompts/ });
  const original = await source.inputValue();
  await source.fill(`${original}\nLily sat under the tree and cried all day.\n`);
  await expect(page.getByText(/duplicate source prompt "Lily sat under the tree and cried all day\." at source line 1, source line 21/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Fit', exact: true })).toBeDisabled();
  await source.fill(original);
  const control = page.getByRole('textbox', { name: /^Control prompts/ });
  const originalControl = await control.inputValue();
  await control.fill('');
  await expect(page.getByText('DSAS gates learn to tell source from control prompts: add control prompts, or turn DSAS off.')).toBeVisible();
  await shot(page, 'pg-02-dataset-problems');
  // Edits are not replaced without asking: dismissing the question keeps them, accepting it replaces them.
  const choice = page.getByRole('combobox', { name: 'Start from' });
  page.once('dialog', (d) => void d.dismiss());
  await choice.selectOption('preset:toxic-to-polite');
  await expect(control).toHaveValue('');
  await expect(choice).toHaveValue('preset:sad-to-happy');
  page.once('dialog', (d) => void d.accept());
  await choice.selectOption('preset:toxic-to-polite');
  await expect(source).toHaveValue(/^Shut up, nobody cares what you think\./);
  await choice.selectOption('preset:sad-to-happy');
  await expect(source).toHaveValue(original);
  await expect(control).toHaveValue(originalControl);
  await expect(page.getByText('Ready: 20 source prompts, 20 target prompts, 20 control prompts.')).toBeVisible();

  // ---- Fit Mean-AcT with DSAS ----
  await page.getByRole('radio', { name: 'Mean-AcT' }).check();
  await page.getByRole('checkbox', { name: 'Train DSAS gates' }).check();
  const fitHooks = page.getByRole('group', { name: /^Hooks to fit/ });
  await fitHooks.getByRole('button', { name: 'None', exact: true }).click();
  await expect(fitHooks).toContainText('(0 of 15)');
  await expect(page.getByRole('button', { name: 'Fit', exact: true })).toBeDisabled();
  await fitHooks.getByRole('checkbox', { name: 'Layer 0 attn' }).check();
  await expect(fitHooks).toContainText('(1 of 15)');
  await fitHooks.getByRole('button', { name: 'attn + mlp' }).click();
  await expect(fitHooks).toContainText(`(${HOOKS} of 15)`);
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Fitting' })).toBeVisible();
  await shot(page, 'pg-03-fitting');
  await expect(page.getByRole('status').filter({ hasText: `Fitted “${FIT_NAME}”` })).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByRole('status').filter({ hasText: 'saved in the library' })).toBeVisible();

  // It is active: the output re-generates steered, with gates.
  await expect(page.getByRole('combobox', { name: 'Intervention' })).not.toHaveValue('');
  await expect(page.getByRole('switch', { name: 'DSAS' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('slider', { name: 'Strength' })).toHaveValue('1');
  await expect(page.getByText(`Gate value s, mean over ${HOOKS} hooks:`)).toBeVisible({ timeout: 120_000 });
  await expect(heatmap(page)).toHaveAttribute('aria-label', new RegExp(`${HOOKS} hooks × 40 tokens`), { timeout: 120_000 });
  await expect(doneStats(page)).toBeVisible();
  const textAt1 = await generatedText(page);
  expect(textAt1).not.toBe(unsteered);
  const heatAt1 = await heatmap(page).getAttribute('aria-label');
  const pixelsAt1 = await heatmap(page).evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const steeredLibrary = page.getByRole('article', { name: FIT_NAME });
  await expect(steeredLibrary).toContainText(`stories260K · Mean-AcT + DSAS · ${HOOKS} hooks`);
  await expect(steeredLibrary).toContainText(/DSAS train accuracy \d+ %/);
  await expect(steeredLibrary.getByRole('button', { name: 'In use' })).toBeDisabled();
  await shot(page, 'pg-04-steered');

  // ---- See where it steers: hovering or focusing a token shows its per-hook values ----
  const tokens = page.getByTestId('generated').locator('.tok');
  expect(await tokens.count()).toBeGreaterThan(10);
  await tokens.nth(2).hover();
  const tip = page.getByRole('tooltip');
  await expect(tip).toContainText('token 3');
  for (const l of FIT_LAYERS) for (const k of ['attn', 'mlp']) await expect(tip).toContainText(`${l}.${k}`);
  await expect(tip.getByRole('listitem')).toHaveCount(HOOKS);
  await shot(page, 'pg-05-token-values');
  await page.mouse.move(0, 0);
  await tokens.first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tooltip')).toContainText('token 2');
  await expect(tokens.nth(1)).toBeFocused();
  await expect(tokens.nth(1)).toHaveAttribute('aria-describedby', /.+/);

  // ---- Strength 2: the output re-generates with the same seed; text and heatmap change ----
  const slider = page.getByRole('slider', { name: 'Strength' });
  await slider.fill('2');
  await expect(page.locator('#strength-value')).toHaveText('λ = 2.00');
  await expect(page.getByRole('heading', { name: 'Where it steers' })).toBeVisible();
  await expect(page.getByText('each token gets λ·s, λ = 2.00')).toBeVisible({ timeout: 60_000 });
  await expect(doneStats(page)).toBeVisible();
  await expect(heatmap(page)).toHaveAttribute('aria-label', new RegExp(`${HOOKS} hooks × 40 tokens`));
  const textAt2 = await generatedText(page);
  expect(textAt2).not.toBe(textAt1);
  expect(await heatmap(page).getAttribute('aria-label')).not.toBe(heatAt1);
  expect(await heatmap(page).evaluate((c: HTMLCanvasElement) => c.toDataURL())).not.toBe(pixelsAt1);
  await shot(page, 'pg-06-strength-2');

  // Keyboard: the slider moves by 0.05 a step.
  await slider.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('#strength-value')).toHaveText('λ = 1.95');
  await slider.fill('1');
  await expect(page.getByText('each token gets λ·s, λ = 1.00')).toBeVisible({ timeout: 60_000 });
  await expect(doneStats(page)).toBeVisible();
  expect(await generatedText(page)).toBe(textAt1);

  // ---- DSAS off: strength is uniform ----
  await page.getByRole('switch', { name: 'DSAS' }).click();
  await expect(page.getByRole('switch', { name: 'DSAS' })).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByTestId('uniform-note')).toHaveText('DSAS is off, so the strength is uniform: λ = 1.00 at every token and every steered hook.', { timeout: 60_000 });
  await expect(heatmap(page)).toHaveCount(0);
  await expect(doneStats(page)).toBeVisible();
  await shot(page, 'pg-07-dsas-off');
  await page.getByRole('switch', { name: 'DSAS' }).click();
  await expect(heatmap(page)).toBeVisible({ timeout: 60_000 });

  // ---- Layer picker: steer at layer 1 only ----
  const steerHooks = page.getByRole('group', { name: /^Steer at these hooks/ });
  await steerHooks.getByRole('checkbox', { name: 'Layer 0 attn' }).uncheck();
  await steerHooks.getByRole('checkbox', { name: 'Layer 0 mlp' }).uncheck();
  await expect(steerHooks).toContainText(`(${HOOKS - 2} of ${HOOKS})`);
  await expect(page.getByText(`Gate value s, mean over ${HOOKS - 2} hooks:`)).toBeVisible({ timeout: 60_000 });
  await expect(heatmap(page)).toHaveAttribute('aria-label', new RegExp(`${HOOKS - 2} hooks × 40 tokens`), { timeout: 60_000 });
  await steerHooks.getByRole('button', { name: 'All', exact: true }).click();
  await expect(page.getByText(`Gate value s, mean over ${HOOKS} hooks:`)).toBeVisible({ timeout: 60_000 });
  await expect(doneStats(page)).toBeVisible();

  // ---- Compare: unsteered and steered side by side, same prompt and seed ----
  await page.getByRole('checkbox', { name: 'Compare with unsteered' }).check();
  const compare = page.getByTestId('compare');
  await expect(compare.getByRole('heading', { name: 'Unsteered' })).toBeVisible({ timeout: 60_000 });
  await expect(compare.getByRole('heading', { name: 'Steered · λ = 1.00' })).toBeVisible();
  await expect(compare.getByRole('status').filter({ hasText: /40 tokens · [\d.]+ tokens\/s · reached max new tokens$/ })).toHaveCount(2, { timeout: 120_000 });
  expect(await generatedText(page, 'generated-unsteered')).toBe(unsteered);
  expect(await generatedText(page)).toBe(textAt1);
  await shot(page, 'pg-08-compare');

  // ---- Reload: the intervention is still in the library ----
  await page.reload();
  const saved = page.getByRole('article', { name: FIT_NAME });
  await expect(saved).toBeVisible();
  await expect(saved).toContainText(`stories260K · Mean-AcT + DSAS · ${HOOKS} hooks`);
  await expect(saved).toContainText('dataset Sad → happy (stories)');
  await shot(page, 'pg-09-library-after-reload');

  // ---- Export: a .zip with the two files, and each file on its own ----
  const zipDownload = page.waitForEvent('download');
  await saved.getByRole('button', { name: 'Export', exact: true }).click();
  const zip = await zipDownload;
  expect(zip.suggestedFilename()).toMatch(/^sad-happy-stories-mean-act-dsas\.zip$/);
  const zipPath = test.info().outputPath(zip.suggestedFilename());
  await zip.saveAs(zipPath);
  const entries = await readZip(new Uint8Array(fs.readFileSync(zipPath)));
  expect(entries.map((e) => e.name)).toEqual(['intervention.json', 'intervention.safetensors']);
  const manifest = JSON.parse(new TextDecoder().decode(entries[0].data));
  expect(manifest).toMatchObject({ format: 'steerscope-intervention', modelId: 'stories260K', method: 'mean', hooks: FIT_LAYERS.flatMap((l) => [`${l}.attn`, `${l}.mlp`]) });
  const files: string[] = [];
  for (const name of ['intervention.json', 'intervention.safetensors']) {
    const dl = page.waitForEvent('download');
    await saved.getByRole('button', { name, exact: true }).click();
    const d = await dl;
    expect(d.suggestedFilename()).toBe(name);
    const p = test.info().outputPath('separate', name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    await d.saveAs(p);
    files.push(p);
  }
  expect(fs.readFileSync(files[1]).equals(Buffer.from(entries[1].data))).toBe(true);

  // ---- Import it back: the zip, then the two files ----
  await page.getByLabel('Intervention files for the library').setInputFiles(zipPath);
  await expect(page.getByRole('status').filter({ hasText: 'Imported “sad-happy-stories-mean-act-dsas” into the library.' })).toBeVisible();
  const imported = page.getByRole('article', { name: 'sad-happy-stories-mean-act-dsas' });
  await expect(imported).toContainText(`stories260K · Mean-AcT + DSAS · ${HOOKS} hooks`);
  await page.getByLabel('Intervention files for the library').setInputFiles(files);
  await expect(page.getByRole('list', { name: 'Saved interventions' }).getByRole('listitem')).toHaveCount(3);
  // A file that is not an intervention is refused in plain words.
  await page.getByLabel('Intervention files for the library').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await expect(page.getByRole('alert').filter({ hasText: 'An intervention is two files' })).toBeVisible();

  // Rename, and delete (asked first; "Keep it" keeps it).
  await imported.getByRole('button', { name: 'Rename' }).click();
  await imported.getByRole('textbox', { name: 'New name' }).fill('Happy stories (imported)');
  await imported.getByRole('button', { name: 'Save name' }).click();
  const renamed = page.getByRole('article', { name: 'Happy stories (imported)' });
  await expect(renamed).toBeVisible();
  const third = page.getByRole('list', { name: 'Saved interventions' }).getByRole('listitem').first().getByRole('article');
  const thirdName = (await third.getByRole('heading').textContent()) ?? '';
  expect(thirdName).toBe(`${FIT_NAME} (imported)`); // named from the manifest's dataset and method
  await third.getByRole('button', { name: 'Delete' }).click();
  await expect(third.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await shot(page, 'pg-10-confirm-delete');
  await third.getByRole('button', { name: 'Keep it' }).click();
  await expect(page.getByRole('list', { name: 'Saved interventions' }).getByRole('listitem')).toHaveCount(3);
  await third.getByRole('button', { name: 'Delete' }).click();
  await third.getByRole('button', { name: 'Delete it' }).click();
  await expect(page.getByRole('list', { name: 'Saved interventions' }).getByRole('listitem')).toHaveCount(2);

  // ---- Use the imported one on a freshly loaded model ----
  await loadStories(page);
  await renamed.getByRole('button', { name: 'Use', exact: true }).click();
  await expect(renamed.getByRole('button', { name: 'In use' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Intervention' })).toHaveValue(/.+/);
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(PROMPT);
  await page.getByRole('radio', { name: 'Greedy' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('40');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible();
  await expect(heatmap(page)).toHaveAttribute('aria-label', new RegExp(`${HOOKS} hooks × 40 tokens`));
  expect(await generatedText(page)).toBe(textAt1);
  await shot(page, 'pg-11-imported-in-use');

  // ---- Narrow screen: one readable column, nothing wider than the page ----
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, 'pg-12-narrow');

  expect(errors).toEqual([]);
});

test('datasets from files are checked and saved; a fit can be stopped; a failed save is reported and nothing is lost', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);

  // ---- A CSV dataset from a file; a broken file is explained ----
  const csv = ['source,target,control', 'Tom was sad.,Tom was happy.,Tom had a hat.', 'The dog cried.,The dog played.,The dog sat.', '"Sue lost her ball, and cried.","Sue found her ball, and smiled.",Sue saw a car.'].join('\n');
  await page.getByLabel('Dataset file').setInputFiles({ name: 'moods.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue('moods');
  await expect(page.getByRole('textbox', { name: /^Source prompts/ })).toHaveValue('Tom was sad.\nThe dog cried.\nSue lost her ball, and cried.');
  await expect(page.getByText('Ready: 3 source prompts, 3 target prompts, 3 control prompts. Not saved in the library.')).toBeVisible();
  await page.getByLabel('Dataset file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"source": ["a", " "], "target": []}') });
  const fileAlert = page.getByRole('alert').filter({ hasText: 'That file could not be used' });
  await expect(fileAlert).toContainText('broken.json: source[1] is blank');
  await expect(fileAlert).toContainText('broken.json: the target set is empty');
  await expect(page.getByRole('textbox', { name: /^Source prompts/ })).toHaveValue(/^Tom was sad\./); // the draft is untouched
  await page.getByRole('button', { name: 'Save dataset' }).click();
  await expect(page.getByText('Saved the dataset “moods” to the library.')).toBeVisible();
  const ds = page.getByRole('article', { name: 'moods' });
  await expect(ds).toContainText('3 source / 3 target / 3 control prompts');
  await ds.getByRole('button', { name: 'Rename' }).click();
  await ds.getByRole('textbox', { name: 'New name' }).fill('Moods (CSV)');
  await ds.getByRole('textbox', { name: 'New name' }).press('Enter');
  await expect(page.getByRole('article', { name: 'Moods (CSV)' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Start from' }).locator('option', { hasText: 'Moods (CSV)' })).toHaveCount(1);

  // ---- A fit stopped halfway leaves nothing behind ----
  await page.getByRole('combobox', { name: 'Start from' }).selectOption('preset:sad-to-happy');
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Fitting' })).toBeVisible();
  await page.getByRole('button', { name: 'Stop fitting' }).click();
  await expect(page.getByRole('progressbar', { name: 'Fitting' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Fit', exact: true })).toBeEnabled();
  await expect(page.getByRole('combobox', { name: 'Intervention' })).toHaveValue('');
  await expect(page.getByText('No interventions yet.')).toBeVisible();

  // ---- The browser refuses to save: the fit is reported unsaved, stays in use, and can be exported or saved later ----
  await page.evaluate(() => {
    const w = window as unknown as { realPut: typeof IDBObjectStore.prototype.put };
    w.realPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  const fitHooks = page.getByRole('group', { name: /^Hooks to fit/ });
  await fitHooks.getByRole('button', { name: 'None', exact: true }).click();
  await fitHooks.getByRole('checkbox', { name: 'Layer 0 attn' }).check();
  await fitHooks.getByRole('checkbox', { name: 'Layer 2 resid' }).check();
  // Linear-AcT without gates this time.
  await page.getByRole('radio', { name: 'Linear-AcT' }).check();
  await page.getByRole('checkbox', { name: 'Train DSAS gates' }).uncheck();
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  const saveAlert = page.getByRole('alert').filter({ hasText: 'It is steering, but it is not in the library.' });
  await expect(saveAlert).toContainText('storage for the site is full', { timeout: 5 * 60_000 });
  await expect(page.getByRole('status').filter({ hasText: 'It is steering now.' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Library' }).getByRole('alert')).toContainText('is not in the library: export it to keep it');
  await expect(page.getByRole('region', { name: 'Steer' })).toContainText('Not saved in the library.');
  await shot(page, 'pg-13-save-failed');
  const dl = page.waitForEvent('download');
  await saveAlert.getByRole('button', { name: 'Export it now' }).click();
  expect((await dl).suggestedFilename()).toBe('sad-happy-stories-linear-act.zip');
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = (window as unknown as { realPut: typeof IDBObjectStore.prototype.put }).realPut;
  });
  await page.getByRole('region', { name: 'Steer' }).getByRole('button', { name: 'Save to library' }).click();
  await expect(page.getByRole('region', { name: 'Steer' })).not.toContainText('Not saved in the library.');
  const linear = page.getByRole('article', { name: 'Sad → happy (stories) · Linear-AcT' });
  await expect(linear).toContainText('stories260K · Linear-AcT · 2 hooks');

  // No gates: the DSAS switch is off and disabled, and the output says the strength is uniform.
  await expect(page.getByRole('switch', { name: 'DSAS' })).toBeDisabled();
  await expect(page.getByRole('region', { name: 'Steer' })).toContainText('This intervention has no DSAS gates: every token is steered at strength λ.');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(PROMPT);
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('12');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByTestId('uniform-note')).toHaveText('This intervention has no DSAS gates, so the strength is uniform: λ = 1.00 at every token and every steered hook.');
  await expect(doneStats(page)).toBeVisible();
  await expect(page.getByTestId('generated').locator('.tok')).toHaveCount(0);

  // ---- Both survive a reload ----
  await page.reload();
  await expect(linear).toBeVisible();
  await expect(page.getByRole('article', { name: 'Moods (CSV)' })).toBeVisible();
  expect(errors).toEqual([]);
});
