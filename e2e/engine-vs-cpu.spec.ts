import { expect, test } from '@playwright/test';
import { openHarness } from './harness.ts';

function maxAbsDiff(a: number[][], b: number[][]): { diff: number; range: number } {
  let diff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let t = 0; t < a.length; t++) {
    for (let i = 0; i < a[t].length; i++) {
      diff = Math.max(diff, Math.abs(a[t][i] - b[t][i]));
      lo = Math.min(lo, b[t][i]);
      hi = Math.max(hi, b[t][i]);
    }
  }
  return { diff, range: hi - lo };
}

test('stories260K GPU logits match the CPU reference', async ({ page }) => {
  page.on('console', (m) => console.log('[page]', m.text()));
  const s = await openHarness(page);
  await s.load('stories260K');
  const ids = [1, 403, 407, 261, 378];
  const gpu = await s.logits(ids);
  const cpu = await s.cpuLogits(ids);
  expect(gpu.length).toBe(ids.length);
  const { diff, range } = maxAbsDiff(gpu, cpu);
  console.log('max abs diff', diff, 'range', range);
  expect(diff / range).toBeLessThan(1e-3);
});
