// A prompt longer than the model's context: refused with the numbers and what to do, or, when the user chose “Keep
// the end of a long prompt”, its start is cut (BOS kept) and the continuation equals that of the cut prompt given as is.
import { expect, test } from '@playwright/test';
import { loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';
import { openHarness } from './harness.ts';

const LONG = Array.from({ length: 200 }, (_, i) => `Tim had ${i % 7 === 0 ? 'a red ball' : 'a big dog'}.`).join(' ');

test('engine: refused with the numbers, or cut to its end when asked; the cut prompt continues as the shorter one does', async ({ page }) => {
  const s = await openHarness(page);
  await s.load('stories260K');
  const ids = await s.encode(LONG);
  expect(ids.length).toBeGreaterThan(512);
  const refused = await s.generate({ prompt: LONG, maxNewTokens: 8, greedy: true }).then(
    () => 'generated',
    (e: Error) => e.message,
  );
  expect(refused).toContain(`The prompt (${ids.length} tokens) plus 8 new tokens is longer than the model's context of 512 tokens: shorten it, ask for fewer new tokens, or choose “Keep the end of a long prompt” (Settings).`);

  const cut = await s.generate({ prompt: LONG, maxNewTokens: 8, greedy: true, keepPromptEnd: true, ignoreEos: true });
  expect(cut.promptTokensCut).toBe(ids.length + 8 - 512);
  expect(cut.promptTokenIds.length).toBe(504);
  expect(cut.promptTokenIds[0]).toBe(ids[0]); // BOS kept
  expect(cut.promptTokenIds.slice(1)).toEqual(ids.slice(ids.length - 503));
  const same = await s.generate({ promptIds: cut.promptTokenIds, maxNewTokens: 8, greedy: true, ignoreEos: true });
  expect(same.tokenIds).toEqual(cut.tokenIds);
  expect(same.promptTokensCut).toBeUndefined();
});

test('app: the refusal names the fix; with the setting on, the output says how much was left out', async ({ page }) => {
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(LONG);
  await page.getByRole('radio', { name: 'Greedy' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('8');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.locator('section.prompt').getByRole('alert')).toContainText(/is longer than the model's context of 512 tokens: shorten it, ask for fewer new tokens, or choose “Keep the end of a long prompt” \(Settings\)\./);
  await page.getByRole('checkbox', { name: 'Keep the end of a long prompt' }).check();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByTestId('prompt-cut')).toContainText(/^The prompt was too long for the model’s context: its first \d+ tokens were left out\.$/);
  expect(errors).toEqual([]);
});
