// The library's saves are all-or-nothing and its files round-trip: a page closed in the middle of a rename leaves the
// old or the new record, never a broken one; an intervention imported, exported and imported again is byte for byte
// the file it started as, and so is a dataset exported and opened again (with its chat system message).
import fs from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { readZip, writeZip } from '../src/app/storage/zip.ts';
import { recordProblem } from '../src/app/storage/record-checks.ts';
import type { HookName } from '../src/model/spec.ts';
import { encodeIntervention } from '../src/steering/intervention-file.ts';
import { loadStories } from './fixtures/app-page.ts';
import { readStore } from './fixtures/library-db.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

async function openApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await expect(page.locator('section.library').getByText(/^Datasets \(\d+\)$/)).toBeVisible();
  return page;
}

/** A saved intervention with 48 MiB of tensors (random bytes), so that writing it takes a while. */
const BIG_BYTES = 48 * 2 ** 20;

/** The stored intervention's name, whether it is a whole record, and a checksum of its tensors (computed in the page). */
async function bigRecord(page: Page): Promise<{ count: number; name: unknown; problem: string | null; bytes: number; sum: number }> {
  const r = await page.evaluate(
    () =>
      new Promise<{ count: number; rec: Record<string, unknown> | null; bytes: number; sum: number }>((resolve, reject) => {
        const req = indexedDB.open('steerscope');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const all = req.result.transaction('interventions', 'readonly').objectStore('interventions').getAll();
          all.onsuccess = () => {
            req.result.close();
            const rows = all.result as Record<string, unknown>[];
            const t = rows[0]?.tensors;
            const u = t instanceof ArrayBuffer ? new Uint32Array(t) : new Uint32Array(0);
            let sum = 0;
            for (let i = 0; i < u.length; i++) sum = (sum + u[i]) % 2147483647;
            resolve({ count: rows.length, rec: rows[0] ? { ...rows[0], tensors: new ArrayBuffer(0) } : null, bytes: t instanceof ArrayBuffer ? t.byteLength : -1, sum });
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
  return { count: r.count, name: r.rec?.name, problem: r.rec ? recordProblem('interventions', { ...r.rec, tensors: new ArrayBuffer(0) }) : 'none', bytes: r.bytes, sum: r.sum };
}

test('a page closed in the middle of a rename leaves the old or the new record, whole', async ({ context }) => {
  test.setTimeout(8 * 60_000);
  let page = await openApp(context);
  // Written as the app writes it (one put), with tensors of random bytes.
  await page.evaluate(
    ({ bytes }) =>
      new Promise<void>((resolve, reject) => {
        const tensors = new Uint8Array(bytes);
        for (let o = 0; o < bytes; o += 65536) crypto.getRandomValues(tensors.subarray(o, o + 65536));
        const rec = {
          id: 'big-1', name: 'Name 0', modelId: 'stories260K', method: 'mean', dsas: false, hooks: ['0.attn'], datasetName: null,
          created: '', saved: '2026-12-01T00:00:00Z', metrics: {}, manifest: '{}', tensors: tensors.buffer, schema: 1,
        };
        const req = indexedDB.open('steerscope');
        req.onsuccess = () => {
          const tx = req.result.transaction('interventions', 'readwrite');
          tx.objectStore('interventions').put(rec);
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    { bytes: BIG_BYTES },
  );
  const first = await bigRecord(page);
  expect(first).toMatchObject({ count: 1, name: 'Name 0', problem: null, bytes: BIG_BYTES });
  const outcomes: string[] = [];
  let current = 'Name 0';
  for (const [i, delayMs] of [0, 5, 20, 50, 100, 200, 400, 800].entries()) {
    await page.close();
    page = await openApp(context);
    const item = page.getByRole('article', { name: current });
    await item.getByRole('button', { name: 'Rename' }).click();
    const next = `Name ${i + 1}`;
    await item.getByRole('textbox', { name: 'New name' }).fill(next);
    await item.getByRole('button', { name: 'Save name' }).click();
    await page.waitForTimeout(delayMs);
    await page.close({ runBeforeUnload: false });
    page = await openApp(context);
    const after = await bigRecord(page);
    expect(after.count).toBe(1);
    expect(after.problem).toBeNull();
    expect([current, next]).toContain(after.name);
    expect(after.bytes).toBe(BIG_BYTES);
    expect(after.sum).toBe(first.sum);
    outcomes.push(`${delayMs} ms: ${after.name === next ? 'new' : 'old'}`);
    current = after.name as string;
  }
  console.log(`closed mid-rename of a ${BIG_BYTES / 2 ** 20} MiB record: ${outcomes.join(', ')}`);
  await page.close();
});

test('export → import round-trips an intervention and a dataset byte for byte', async ({ page }) => {
  test.setTimeout(5 * 60_000);
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await loadStories(page);

  // An intervention with every kind of value: gated maps, odd floats, a source range.
  const D = 64;
  const f = (k: number) => Float32Array.from({ length: D }, (_, i) => Math.fround(Math.sin(i * k + 0.1) * (i % 7 === 0 ? 1e-7 : 3.25)));
  const hooks = new Map<HookName, { w: Float32Array; b: Float32Array; gate: { a: Float32Array; c: number } }>([
    ['0.attn', { w: f(1), b: f(2), gate: { a: f(3), c: -0.75 } }],
    ['4.mlp', { w: f(4), b: f(5), gate: { a: f(6), c: 1.5 } }],
  ]);
  const { manifest, tensors } = encodeIntervention({ modelId: 'stories260K', method: 'mean', hooks, strength: 1, dataset: { name: 'round trip', hash: 'h' }, created: '2026-12-02T00:00:00.000Z' });
  const zip = Buffer.from(writeZip([{ name: 'intervention.json', data: new TextEncoder().encode(manifest) }, { name: 'intervention.safetensors', data: tensors }]));
  await page.getByLabel('Intervention files for the library').setInputFiles({ name: 'round-trip.zip', mimeType: 'application/zip', buffer: zip });
  const item = page.getByRole('article', { name: 'round-trip' });
  await expect(item).toBeVisible();

  const download = page.waitForEvent('download');
  await item.getByRole('button', { name: 'Export', exact: true }).click();
  const exportedPath = test.info().outputPath('exported.zip');
  await (await download).saveAs(exportedPath);
  const entries = await readZip(new Uint8Array(fs.readFileSync(exportedPath)));
  expect(entries.map((e) => e.name)).toEqual(['intervention.json', 'intervention.safetensors']);
  expect(new TextDecoder().decode(entries[0].data)).toBe(manifest);
  expect(Buffer.from(entries[1].data).equals(Buffer.from(tensors))).toBe(true);

  // Imported again: the stored files are the same bytes as the first import's.
  await page.getByLabel('Intervention files for the library').setInputFiles({ name: 'round-trip-again.zip', mimeType: 'application/zip', buffer: fs.readFileSync(exportedPath) });
  await expect(page.getByRole('article', { name: 'round-trip-again' })).toBeVisible();
  const stored = await readStore(page, 'interventions');
  expect(stored).toHaveLength(2);
  for (const r of stored) {
    expect(r.manifest).toBe(manifest);
    expect(Buffer.from(r.tensors as number[]).equals(Buffer.from(tensors))).toBe(true);
  }

  // A dataset: saved, exported, opened again and saved: the same lists and words, and a chat dataset's system message.
  const fit = page.locator('#fit-panel');
  await fit.getByRole('textbox', { name: 'Name', exact: true }).fill('Round-trip set');
  const SYSTEM = 'You are a patient tutor.';
  const systemBox = fit.getByRole('textbox', { name: 'System message for every prompt (optional)' });
  await expect(systemBox).toHaveCount(0); // raw text: no system message
  await fit.getByRole('checkbox', { name: 'Chat dataset' }).check();
  await systemBox.fill(SYSTEM);
  await fit.getByRole('button', { name: 'Save dataset' }).click();
  const ds = page.getByRole('list', { name: 'Saved datasets' }).getByRole('article', { name: 'Round-trip set' });
  await expect(ds).toBeVisible();
  const dsDownload = page.waitForEvent('download');
  await ds.getByRole('button', { name: 'Export', exact: true }).click();
  const dsPath = test.info().outputPath('dataset.json');
  await (await dsDownload).saveAs(dsPath);
  const exported = JSON.parse(fs.readFileSync(dsPath, 'utf8')) as Record<string, unknown>;
  const before = (await readStore(page, 'datasets'))[0];
  expect(before).toMatchObject({ chat: true, system: SYSTEM });
  expect(recordProblem('datasets', before)).toBeNull();
  expect(exported).toEqual({ name: before.name, description: before.description, source: before.source, target: before.target, control: before.control, ...(before.lexicon ? { lexicon: before.lexicon } : {}), chat: true, system: SYSTEM });
  // Opened into a cleared editor: the chat flag and the system message come from the file.
  await systemBox.fill('');
  await fit.getByRole('checkbox', { name: 'Chat dataset' }).uncheck();
  await page.getByLabel('Dataset file').setInputFiles(dsPath);
  await expect(fit.getByRole('checkbox', { name: 'Chat dataset' })).toBeChecked();
  await expect(systemBox).toHaveValue(SYSTEM);
  await expect(fit.getByRole('textbox', { name: /^Source prompts/ })).toHaveValue((before.source as string[]).join('\n'));
  await expect(fit.getByRole('textbox', { name: /^Target prompts/ })).toHaveValue((before.target as string[]).join('\n'));
  await expect(fit.getByRole('textbox', { name: /^Control prompts/ })).toHaveValue((before.control as string[]).join('\n'));
  expect(errors).toEqual([]);
});
