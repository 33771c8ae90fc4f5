// The library keeps working when storage holds something it cannot use: a malformed record or one from a newer
// version is skipped with a notice and stays stored; renaming writes the record with its schema version in one
// transaction; a database made by the first version (no evaluations store) upgrades keeping its data; the app asks
// the browser to keep its storage (navigator.storage.persist).
import { expect, test, type Page } from '@playwright/test';
import { readStore } from './fixtures/library-db.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const OLD = { id: 'old-1', name: 'Old reviews', description: '', source: ['bad', 'awful'], target: ['good', 'great'], control: [], saved: '2026-01-05T10:00:00Z' };

/** Writes records straight into the app's database (as an older build or a hand edit would have). */
async function writeRaw(page: Page, version: number, stores: string[], records: Record<string, unknown[]>): Promise<void> {
  await page.evaluate(
    ({ version, stores, records }) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('steerscope', version);
        req.onupgradeneeded = () => {
          for (const s of stores) if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s, { keyPath: 'id' });
        };
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(Object.keys(records), 'readwrite');
          for (const [store, rows] of Object.entries(records)) for (const r of rows) tx.objectStore(store).put(r);
          tx.oncomplete = () => (db.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    { version, stores, records },
  );
}

const datasets = (page: Page) => page.getByRole('list', { name: 'Saved datasets' }).getByRole('listitem');

test('malformed and newer records are skipped with a notice and kept; rename writes in one go; persist is asked', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { persistCalls: number };
    w.persistCalls = 0;
    const storage = navigator.storage;
    storage.persist = async () => (w.persistCalls++, true);
    storage.persisted = async () => false;
  });
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await expect(page.getByText('No saved datasets.')).toBeVisible();
  const { saved: _saved, ...noSaved } = { ...OLD, id: 'broken-1', name: 'Broken' };
  await writeRaw(page, 2, ['interventions', 'datasets', 'evaluations'], {
    datasets: [OLD, noSaved],
    interventions: [{ id: 'future-1', name: 'From the future', schema: 99 }],
    evaluations: [{ id: 'run-x', number: 'three' }],
  });
  await page.reload();

  const library = page.locator('section.library');
  await expect(library.getByRole('alert')).toContainText('2 saved records could not be read and are not shown');
  await expect(library.getByRole('alert')).toContainText('dataset “Broken”: no “saved”');
  await expect(library.getByRole('alert')).toContainText('intervention “From the future”: saved by a newer version of Steerscope (record version 99');
  await expect(page.getByText(/evaluation run run-x: “number” is not a run number/)).toBeVisible();
  await expect(datasets(page)).toHaveCount(1);
  await expect(page.getByRole('article', { name: 'Old reviews' })).toContainText('2 source / 2 target / 0 control prompts');

  const old = page.getByRole('article', { name: 'Old reviews' });
  await old.getByRole('button', { name: 'Rename' }).click();
  await old.getByRole('textbox', { name: 'New name' }).fill('Reviews, renamed');
  await old.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('article', { name: 'Reviews, renamed' })).toBeVisible();

  const stored = await readStore(page, 'datasets');
  expect(stored.map((r) => r.id).sort()).toEqual(['broken-1', 'old-1']); // the broken one is still there
  expect(stored.find((r) => r.id === 'old-1')).toMatchObject({ name: 'Reviews, renamed', schema: 1, source: OLD.source });
  expect((await readStore(page, 'interventions')).map((r) => r.id)).toEqual(['future-1']);
  expect(await page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls)).toBeGreaterThanOrEqual(1);
  expect(errors).toEqual([]);
});

test('a database from the first version (no evaluations store) upgrades and keeps its data', async ({ page }) => {
  await ignoreDevServerReloads(page);
  // Any page of the same origin will do to write version 1 before the app ever runs here.
  await page.goto('/harness.html');
  await writeRaw(page, 1, ['interventions', 'datasets'], { datasets: [OLD] });
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByRole('article', { name: 'Old reviews' })).toBeVisible();
  await expect(page.locator('section.library').getByRole('alert')).toHaveCount(0);
  const version = await page.evaluate(
    () =>
      new Promise<{ version: number; stores: string[] }>((resolve) => {
        const req = indexedDB.open('steerscope');
        req.onsuccess = () => {
          const r = { version: req.result.version, stores: [...req.result.objectStoreNames].sort() };
          req.result.close();
          resolve(r);
        };
      }),
  );
  expect(version).toEqual({ version: 2, stores: ['datasets', 'evaluations', 'interventions'] });
  expect(errors).toEqual([]);
});
