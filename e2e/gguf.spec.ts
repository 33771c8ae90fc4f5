// GGUF models end to end: stories260K as an F32 GGUF (q/k rows permuted the way llama.cpp's converter writes them,
// SentencePiece vocabulary in the metadata) loads through the harness and gives the known greedy continuation; bad
// GGUF files are refused with an error naming the problem, and the model loaded before stays usable.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openHarness } from './harness.ts';
import { generateGreedy, loadStories } from './fixtures/app-page.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const SHARED = process.env.SHARED_DIR ?? path.resolve('../shared');
const GGUF_DIR = path.join(SHARED, 'models/stories260K-gguf');
const TEST_MODELS = path.resolve('.cache/test-models');
const REFERENCE_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421];
const REFERENCE_TEXT = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';

/** The dev server lists MODELS_DIR (.cache/test-models): the shared folder is linked in, bad copies written beside. */
function linkSharedGguf(): void {
  fs.mkdirSync(TEST_MODELS, { recursive: true });
  const link = path.join(TEST_MODELS, 'stories260K-gguf');
  if (!fs.existsSync(link)) fs.symlinkSync(GGUF_DIR, link, 'dir');
}

/** Writes broken copies of the F32 file into one folder (so each is loaded as bad-gguf/<name>). */
function writeBadCopies(): void {
  const good = fs.readFileSync(path.join(GGUF_DIR, 'stories260K-f32.gguf'));
  const dir = path.join(TEST_MODELS, 'bad-gguf');
  fs.mkdirSync(dir, { recursive: true });
  const at = (needle: string) => good.indexOf(Buffer.from(needle));
  // Cut inside the tensor data: the header's offsets now point past the end.
  fs.writeFileSync(path.join(dir, 'truncated.gguf'), good.subarray(0, good.length - 1000));
  // An unknown ggml type (99) on the embedding: the u32 after its name, n_dims and two u64 dims.
  const unknownType = Buffer.from(good);
  unknownType.writeUInt32LE(99, at('token_embd.weight') + 'token_embd.weight'.length + 4 + 16);
  fs.writeFileSync(path.join(dir, 'unknown-type.gguf'), unknownType);
  // An architecture we do not implement: general.architecture's value "llama" → "gemma".
  const arch = Buffer.from(good);
  arch.write('gemma', at('general.architecture') + 'general.architecture'.length + 4 + 8);
  fs.writeFileSync(path.join(dir, 'gemma.gguf'), arch);
  // A vocabulary size that does not match the embedding's 512 rows.
  const vocab = Buffer.from(good);
  vocab.writeUInt32LE(500, at('llama.vocab_size') + 'llama.vocab_size'.length + 4);
  fs.writeFileSync(path.join(dir, 'vocab-size.gguf'), vocab);
}

test.beforeAll(() => {
  linkSharedGguf();
  writeBadCopies();
});

test('stories260K F32 GGUF: known greedy continuation; its tokenizer and config come from the file', async ({ page }) => {
  const s = await openHarness(page);
  const info = await s.load('stories260K-gguf/stories260K-f32.gguf');
  expect(info.spec).toMatchObject({ modelType: 'llama', hiddenSize: 64, numLayers: 5, numHeads: 8, numKvHeads: 4, vocabSize: 512, tiedEmbeddings: true, bosTokenId: 1, eosTokenIds: [2] });
  const r = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 40, greedy: true, ignoreEos: true });
  expect([...r.promptTokenIds, ...r.tokenIds].slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
  expect('Once upon a time' + r.text).toContain(REFERENCE_TEXT);
  // The CPU reference reads the same file through the same source (q/k un-permuted): same prompt logits.
  const ids = r.promptTokenIds;
  const [gpu, cpu] = [await s.logits(ids), await s.cpuLogits(ids)];
  const diff = Math.max(...gpu.flatMap((row, i) => row.map((v, j) => Math.abs(v - cpu[i][j]))));
  expect(diff).toBeLessThan(1e-3);
});

test('bad GGUF files get errors that name the problem, and the loaded model stays', async ({ page }) => {
  const s = await openHarness(page);
  await s.loadChecked('stories260K-gguf/stories260K-f32.gguf');
  const cases: [string, RegExp][] = [
    ['bad-gguf/truncated.gguf', /truncated\.gguf: tensor "[\w.]+" data \[\d+, \d+\) runs past the end of the file/],
    ['bad-gguf/unknown-type.gguf', /tensor "token_embd\.weight" has unknown ggml type 99/],
    ['bad-gguf/gemma.gguf', /architecture "gemma" is not supported \(supported: llama, qwen2\)/],
    ['bad-gguf/vocab-size.gguf', /"llama\.vocab_size" is 500 but token_embd\.weight has 512 rows/],
    ['bad-gguf/missing.gguf', /has no weights: missing\.gguf is missing/],
    ['bad-gguf', /holds 4 GGUF files \(.*\): choose one/],
  ];
  for (const [ref, want] of cases) {
    const message = await s.loadChecked(ref).then(
      () => 'loaded',
      (e: Error) => e.message,
    );
    expect(message, ref).toMatch(want);
    const r = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 8, greedy: true, ignoreEos: true });
    expect([...r.promptTokenIds, ...r.tokenIds], `after ${ref}`).toEqual(REFERENCE_IDS);
  }
});

test('the app loads a GGUF from this server, a picked .gguf file and a dropped one, through the worker', async ({ page }) => {
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  const panel = page.locator('section.model');
  // The reference: the same model from its safetensors folder, same settings.
  await loadStories(page);
  const reference = await generateGreedy(page, 'Once upon a time', 12);
  expect(reference).toMatch(/^, there was a little girl/);
  const id = 'stories260K-gguf/stories260K-f32.gguf';
  await page.getByRole('combobox', { name: 'Model folder' }).selectOption(id);
  await expect(panel.getByTestId('model-need')).toContainText(`${id} needs`);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(panel.getByRole('status').filter({ hasText: `${id} is ready` })).toBeVisible({ timeout: 90_000 });
  expect(await generateGreedy(page, 'Once upon a time', 12)).toBe(reference);

  await page.getByRole('radio', { name: 'Local folder' }).check();
  await page.getByLabel('GGUF model file').setInputFiles(path.join(GGUF_DIR, 'stories260K-f32.gguf'));
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(panel.getByRole('status').filter({ hasText: 'stories260K-f32.gguf is ready' })).toBeVisible({ timeout: 90_000 });
  expect(await generateGreedy(page, 'Once upon a time', 12)).toBe(reference);

  // Dropped on the model panel: the same.
  await page.getByRole('radio', { name: 'Catalog' }).check();
  const bytes = [...fs.readFileSync(path.join(GGUF_DIR, 'stories260K-f32.gguf'))];
  const drop = await page.evaluateHandle((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'dropped.gguf'));
    return dt;
  }, bytes);
  await panel.dispatchEvent('drop', { dataTransfer: drop });
  await expect(page.getByRole('radio', { name: 'Local folder' })).toBeChecked();
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(panel.getByRole('status').filter({ hasText: 'dropped.gguf is ready' })).toBeVisible({ timeout: 90_000 });
  expect(await generateGreedy(page, 'Once upon a time', 12)).toBe(reference);
  expect(errors).toEqual([]);
});
