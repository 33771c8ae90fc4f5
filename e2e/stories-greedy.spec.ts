import { expect, test } from '@playwright/test';
import { openHarness } from './harness.ts';

const REFERENCE_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421];
const REFERENCE_TEXT = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';

test('stories260K greedy continuation matches the reference', async ({ page }) => {
  const s = await openHarness(page);
  await s.load('stories260K');
  const r = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 40, greedy: true, ignoreEos: true });
  expect([...r.promptTokenIds, ...r.tokenIds].slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
  expect('Once upon a time' + r.text).toContain(REFERENCE_TEXT);
});
