// Interventions made by other tools, imported from the app: a llama.cpp control vector (.gguf) through the Steer
// panel's Import (it is converted for the loaded model and put to use), a PyTorch map through the library's Import,
// and a control vector for a model of another shape refused in plain words.
import { expect, test } from '@playwright/test';
import { writeSafetensors } from '../src/model/formats/safetensors.ts';
import type { HookName } from '../src/model/spec.ts';
import { encodeControlVector } from '../src/steering/gguf-control-vector.ts';
import { doneStats, generateGreedy, loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const DIM = 64; // stories260K's hidden size
const PROMPT = 'Once upon a time';

/** A direction of large values on one layer: enough to change a greedy continuation. */
function controlVector(layer: number, dim = DIM): Buffer {
  const b = Float32Array.from({ length: dim }, (_, i) => (i % 2 ? 4 : -4));
  const hook: HookName = `${layer}.resid`;
  return Buffer.from(encodeControlVector({ modelId: 'any', method: 'mean', hooks: new Map([[hook, { w: new Float32Array(dim).fill(1), b }]]), strength: 1 }));
}

test('a control vector and a PyTorch map import from the UI and steer; a wrong-sized one is refused', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);
  const plain = await generateGreedy(page, PROMPT, 12);

  // Steer panel: import and use at once.
  await page.getByLabel('Intervention files to import').setInputFiles({ name: 'bold.gguf', mimeType: 'application/octet-stream', buffer: controlVector(2) });
  await expect(page.getByRole('status').filter({ hasText: 'Imported “bold (control vector for stories260K)” into the library.' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Intervention' })).toHaveValue(/.+/);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(doneStats(page)).toBeVisible();
  await expect(page.getByTestId('uniform-note')).toContainText('no DSAS gates, so the strength is uniform: λ = 1.00');
  const steered = (await page.getByTestId('generated').textContent()) ?? '';
  expect(steered).not.toBe(plain);

  // Library: a PyTorch map (a shift on layer 0's MLP output).
  const map = writeSafetensors([
    { name: 'model.layers.0.mlp.down_proj.w1', dtype: 'F32', shape: [1, DIM], data: new Float32Array(DIM).fill(1) },
    { name: 'model.layers.0.mlp.down_proj.b1', dtype: 'F32', shape: [1, DIM], data: new Float32Array(DIM).fill(0.5) },
  ]);
  await page.getByLabel('Intervention files for the library').setInputFiles({ name: 'shift.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(map) });
  await expect(page.getByRole('status').filter({ hasText: 'Imported “shift (PyTorch map for stories260K)” into the library.' })).toBeVisible();
  await expect(page.getByRole('article', { name: 'shift (PyTorch map for stories260K)' })).toBeVisible();

  // A vector for a wider model: refused, naming the sizes; the library keeps its two.
  await page.getByLabel('Intervention files for the library').setInputFiles({ name: 'wide.gguf', mimeType: 'application/octet-stream', buffer: controlVector(1, 96) });
  await expect(page.getByRole('alert').filter({ hasText: /wide\.gguf.*96.*64|wide\.gguf.*64.*96/ })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Saved interventions' }).getByRole('listitem')).toHaveCount(2);
  expect(errors).toEqual([]);
});
