// The playground as a new visitor uses it: pick a model, load it, generate, stop; errors in plain words; no WebGPU.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './browser.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const SHOTS = 'test-results/screenshots';
const SHARED = process.env.SHARED_DIR ?? path.resolve('../shared');
fs.mkdirSync(SHOTS, { recursive: true });

async function open(page: Page): Promise<string[]> {
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  return errors;
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

test.describe('with WebGPU', () => {
  test('load stories260K, generate greedily, stop a long generation', async ({ page }) => {
    const errors = await open(page);
    await expect(page.getByRole('heading', { name: 'Steerscope', level: 1 })).toBeVisible();
    await expect(page.getByText(/^GPU: /)).toBeVisible();

    const picker = page.getByRole('combobox', { name: 'Model folder' });
    await expect(picker.locator('option', { hasText: 'stories260K' })).toHaveCount(1);
    await picker.selectOption('stories260K');
    await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Once upon a time');
    await shot(page, '01-start');

    // Hold the weight download (not the header reads) to see the progress bar, then let it go.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/models/stories260K/model.safetensors', async (route) => {
      if (!route.request().headers()['range']) await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(page.getByRole('progressbar', { name: 'Loading stories260K' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Load', exact: true })).toBeDisabled();
    await expect(page.getByText('Opening the weight files…')).toBeVisible();
    await shot(page, '02-loading');
    release();
    await expect(page.getByRole('status').filter({ hasText: 'stories260K is ready' })).toBeVisible();
    await expect(page.getByRole('progressbar')).toHaveCount(0);
    await expect(page.getByText('This model has no chat template: raw text only.')).toBeVisible(); // stories260K: no Chat / Raw switch
    await expect(page.getByRole('radio', { name: 'Chat' })).toHaveCount(0);

    await page.getByRole('radio', { name: 'Greedy' }).check();
    await page.getByRole('textbox', { name: 'Max new tokens' }).fill('30');
    const generateButton = page.getByRole('button', { name: 'Generate', exact: true });
    const stopButton = page.getByRole('button', { name: 'Stop', exact: true });
    await generateButton.click();
    const stats = page.getByRole('status').filter({ hasText: 'tokens/s' });
    await expect(stats).toContainText(/30 tokens · [\d.]+ tokens\/s · reached max new tokens/);
    const generated = page.getByTestId('generated');
    expect(await generated.textContent()).toMatch(/^, there was a little girl named Lily/);
    await expect(generateButton).toBeEnabled();
    await expect(stopButton).toBeDisabled();
    await shot(page, '03-generated');

    // A bad setting is reported at its field; the prompt and the last output stay.
    await page.getByRole('radio', { name: 'Sample' }).check();
    await page.getByRole('region', { name: 'Settings', exact: true }).getByRole('textbox', { name: 'Top-p' }).fill('2');
    await generateButton.click();
    await expect(page.getByText('Top-p must be above 0 and at most 1.')).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('Some settings need fixing');
    await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue('Once upon a time');
    await page.getByRole('region', { name: 'Settings', exact: true }).getByRole('textbox', { name: 'Top-p' }).fill('0.95');

    // A long generation stops when asked.
    await page.getByRole('radio', { name: 'Greedy' }).check();
    await page.getByRole('textbox', { name: 'Max new tokens' }).fill('400');
    await generateButton.click();
    await expect(stopButton).toBeEnabled();
    await expect(stats).toContainText(/Generating… \d+ tokens/);
    await expect.poll(async () => Number(/(\d+) tokens?/.exec((await stats.textContent()) ?? '')?.[1] ?? 0)).toBeGreaterThanOrEqual(3);
    await stopButton.click();
    await expect(stats).toContainText(/· stopped$/);
    const stoppedAt = Number(/(\d+) tokens/.exec((await stats.textContent()) ?? '')?.[1]);
    expect(stoppedAt).toBeLessThan(400);
    await expect(generateButton).toBeEnabled();
    await expect(stopButton).toBeDisabled();
    await shot(page, '04-stopped');

    // Narrow screen (phone): still one readable column.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '05-narrow');

    expect(errors).toEqual([]);
  });

  test('a model that cannot be loaded is reported at the model, keeping the prompt', async ({ page }) => {
    const errors = await open(page);
    await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Keep me');
    await page.getByRole('radio', { name: 'Hub or URL' }).check();
    await page.getByRole('textbox', { name: 'Hugging Face id or URL' }).fill('no-such-model');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Could not load no-such-model.');
    await expect(alert).toContainText('config.json');
    await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue('Keep me');
    await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();
    await shot(page, '06-load-error');
    // The 404 for the missing config.json is the only console error allowed.
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
  });

  test('a model folder picked from this computer loads and generates', async ({ page }) => {
    const errors = await open(page);
    await page.getByRole('radio', { name: 'Local folder' }).check();
    await expect(page.getByRole('button', { name: 'Open a local folder' })).toBeVisible();
    await page.getByLabel('Model folder files').setInputFiles(path.join(SHARED, 'models/stories260K'));
    await expect(page.getByText(/^stories260K: \d+ files/)).toBeVisible();
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'stories260K is ready' })).toBeVisible();
    await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Once upon a time');
    await page.getByRole('radio', { name: 'Greedy' }).check();
    await page.getByRole('textbox', { name: 'Max new tokens' }).fill('8');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'tokens/s' })).toHaveText(/^8 tokens · [\d.]+ tokens\/s · reached max new tokens$/);
    expect(await page.getByTestId('generated').textContent()).toMatch(/^, there was a little girl/);
    expect(errors).toEqual([]);
  });
});

test('without WebGPU, the page says so and how to enable it', async ({ playwright, baseURL }) => {
  // A separate browser with WebGPU switched off.
  const args = [...CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu' && !a.startsWith('--enable-features')), '--disable-features=WebGPU'];
  const browser = await playwright.chromium.launch({ executablePath: chromiumPath(), args });
  try {
    const page = await browser.newPage({ baseURL, viewport: { width: 1280, height: 800 } });
    const errors = await open(page);
    const notice = page.getByRole('alert', { name: 'WebGPU is not available' });
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('chrome://flags');
    await expect(page.getByRole('button', { name: 'Load', exact: true })).toBeDisabled();
    await shot(page, '07-no-webgpu');
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
