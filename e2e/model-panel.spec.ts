// The model panel before and after loading: the adapter and its limits, the catalog with each model's memory need,
// refusals in words for models that will not fit, cached downloads listed and deleted, and (after a gated generation)
// prompt tokens tinted and the heatmap read by keyboard.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { formatBytes } from '../src/app/format.ts';
import { encodeIntervention } from '../src/steering/intervention-file.ts';
import type { HookMap } from '../src/core/steer-map.ts';
import type { HookName } from '../src/model/spec.ts';
import { ignoreDevServerReloads, watchErrors } from './fixtures/page-watch.ts';

const SHARED = process.env.SHARED_DIR ?? path.resolve('../shared');
const STORIES = path.join(SHARED, 'models/stories260K');

function shotsDir(): string {
  const dir = path.join(test.info().project.outputDir, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shotsDir(), `${name}.png`), fullPage: true });

async function open(page: Page): Promise<string[]> {
  const errors = watchErrors(page);
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await expect(page.locator('dl[aria-label="Graphics adapter"]')).toBeVisible(); // the adapter is known
  return errors;
}

test('adapter and limits, the catalog with memory needs, refusals in words; a server model’s estimate matches the engine', async ({ page, baseURL }) => {
  const hubRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('huggingface.co')) hubRequests.push(r.url());
  });
  const errors = await open(page);
  const adapter = page.locator('dl[aria-label="Graphics adapter"]');
  await expect(adapter).toContainText('Adapter');
  await expect(adapter).toContainText('shader-f16');
  const limits = await page.evaluate(async () => {
    const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    return { binding: a!.limits.maxStorageBufferBindingSize, buffer: a!.limits.maxBufferSize, arch: a!.info.architecture };
  });
  await expect(adapter).toContainText(`Largest binding${formatBytes(limits.binding)}`);
  await expect(adapter).toContainText(`Largest buffer${formatBytes(limits.buffer)}`);
  if (limits.arch) await expect(adapter).toContainText(limits.arch);

  // ---- The catalog: four hub models, each with its download and memory need, without any network ----
  await page.getByRole('radio', { name: 'Catalog' }).check();
  const items = page.getByTestId('catalog-item');
  await expect(items).toHaveCount(4);
  for (const name of ['SmolLM2-135M-Instruct', 'SmolLM2-360M-Instruct', 'Qwen2.5-0.5B-Instruct', 'TinyLlama-1.1B-Chat']) {
    // Each model in the formats the hub has: its BF16 safetensors and Q8_0 / Q4_0 GGUF files, each with its need.
    const formats = items.filter({ hasText: name }).getByTestId('catalog-format');
    await expect(formats).toHaveCount(3);
    await expect(formats.nth(0)).toContainText(/BF16 safetensors.*BF16 · [\d.]+ (MB|GB) download/);
    await expect(formats.nth(1)).toContainText(/Q8_0 GGUF.*\.gguf.*Q8_0 · [\d.]+ (MB|GB) download/);
    await expect(formats.nth(2)).toContainText(/Q4_0 GGUF.*\.gguf.*Q4_0 · [\d.]+ (MB|GB) download/);
    const needs = await formats.allTextContents();
    const mb = needs.map((t) => {
      const m = /Needs ([\d.]+) (MB|GB) on the GPU/.exec(t)!;
      return Number(m[1]) * (m[2] === 'GB' ? 1024 : 1);
    });
    expect(mb[1]).toBeLessThan(mb[0]); // Q8_0 below BF16, Q4_0 below Q8_0
    expect(mb[2]).toBeLessThan(mb[1]);
  }
  await expect(items.filter({ hasText: 'SmolLM2-135M-Instruct' }).getByTestId('catalog-format').first()).toContainText('· fits');
  await page.getByRole('radio', { name: 'SmolLM2-135M-Instruct, BF16 safetensors' }).check();
  const need = page.getByTestId('model-need');
  await expect(need).toContainText(/SmolLM2-135M-Instruct needs [\d.]+ MB on the GPU: weights [\d.]+ MB \(BF16[^)]*\), KV cache 90 MB for 2048 tokens/);
  await expect(need).toContainText('Fits this GPU.');

  // ---- A machine with 2 GB of memory (simulated): the page budgets 1 GB, and TinyLlama (BF16, kept two bytes a
  // weight: about 2.1 GB with its KV cache) is over it: Load refuses, with the reason, and offers to try anyway ----
  await page.addInitScript(() => {
    (globalThis as { __steerscopeAdapterOverride?: object }).__steerscopeAdapterOverride = { deviceMemory: 2 };
  });
  await page.reload();
  await page.getByRole('radio', { name: 'Catalog' }).check();
  await expect(items.filter({ hasText: 'TinyLlama-1.1B-Chat' }).getByTestId('catalog-format').first()).toContainText('probably too big here');
  await page.getByRole('radio', { name: 'TinyLlama-1.1B-Chat, BF16 safetensors' }).check();
  await expect(need).toContainText(/Probably too big: TinyLlama-1\.1B-Chat needs 2\.\d GB of GPU memory in all; this page budgets 1(\.0)? GB/);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'Not loaded.' });
  await expect(refusal).toContainText(/TinyLlama-1\.1B-Chat needs 2\.\d GB of GPU memory in all/);
  await expect(page.getByRole('button', { name: 'Load anyway' })).toBeVisible();
  await expect(page.getByRole('progressbar')).toHaveCount(0);
  await shot(page, 'mp-01-catalog-refusal');

  // ---- A GPU with 16 MB bindings (simulated): weight matrices split into row segments, but Qwen's KV cache (one
  // buffer) cannot be bound; a hard refusal ----
  await page.addInitScript(() => {
    (globalThis as { __steerscopeAdapterOverride?: object }).__steerscopeAdapterOverride = { maxStorageBufferBindingSize: 16 * 2 ** 20, maxBufferSize: 2 ** 30 };
  });
  await page.reload();
  await expect(page.locator('dl[aria-label="Graphics adapter"]')).toContainText('Largest binding16 MB');
  await page.getByRole('radio', { name: 'Catalog' }).check();
  await expect(items.filter({ hasText: 'Qwen2.5-0.5B-Instruct' }).getByTestId('catalog-format').first()).toContainText('will not load here');
  await page.getByRole('radio', { name: 'Qwen2.5-0.5B-Instruct, BF16 safetensors' }).check();
  await expect(need).toContainText(/Will not load: Qwen2\.5-0\.5B-Instruct needs [\d.]+ MB in one buffer \(.+\); this GPU allows 16 MB per binding\./);
  const reason = /Will not load: (.*? per binding\.)/.exec((await need.textContent()) ?? '')![1];
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Not loaded.' })).toContainText(reason);
  await expect(page.getByRole('button', { name: 'Load anyway' })).toHaveCount(0);
  await shot(page, 'mp-02-binding-refusal');
  // Typing the hub id gives the same verdict.
  await page.getByRole('radio', { name: 'Hub or URL' }).check();
  await page.getByRole('textbox', { name: 'Hugging Face id or URL' }).fill('Qwen/Qwen2.5-0.5B-Instruct');
  await expect(need).toContainText(`Will not load: ${reason}`);
  expect(hubRequests).toEqual([]);
  // Any other id or URL is read (config and weight headers) when asked.
  await page.getByRole('textbox', { name: 'Hugging Face id or URL' }).fill(`${baseURL}/models/stories260K/`);
  await expect(need).toHaveCount(0);
  await page.getByRole('button', { name: 'Check its memory need' }).click();
  await expect(need).toContainText(/stories260K\/ needs [\d.]+ [KM]B on the GPU: weights [\d.]+ [KM]B \(f32\)/);
  await expect(need).toContainText('Fits this GPU.');

  // ---- A MODELS_DIR folder: config and safetensors header read; the estimate equals what the engine allocates ----
  await page.getByRole('radio', { name: 'This server' }).check();
  await page.getByRole('combobox', { name: 'Model folder' }).selectOption('stories260K');
  await expect(need).toContainText(/^stories260K needs ([\d.]+ [KM]B) on the GPU: weights [\d.]+ [KM]B \(f32\), KV cache [\d.]+ KB for 512 tokens/);
  await expect(need).toContainText('Fits this GPU.');
  const estimated = /needs ([\d.]+ [KM]B) on the GPU/.exec((await need.textContent()) ?? '')![1];
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  const ready = page.getByRole('status').filter({ hasText: 'stories260K is ready' });
  await expect(ready).toBeVisible();
  // Weights and KV cache are estimated exactly, and the scratch with the engine's own sizing (gpuScratchBytes): the
  // estimate is what the engine holds, to the byte (decode-fused.spec.ts checks the bytes), so the same words here.
  const actual = /([\d.]+ [KM]B) on the GPU \(f32\)/.exec((await ready.textContent()) ?? '')![1];
  expect(estimated).toBe(actual);
  await shot(page, 'mp-03-server-model');
  expect(errors).toEqual([]);
});

test('downloads are cached: listed per model with sizes, kept over a reload, loaded offline, deleted after a confirm', async ({ page, baseURL }) => {
  const errors = await open(page);
  const url = `${baseURL}/models/stories260K/`;
  await page.getByRole('radio', { name: 'Hub or URL' }).check();
  await page.getByRole('textbox', { name: 'Hugging Face id or URL' }).fill(url);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is ready' })).toBeVisible();

  const cached = page.getByTestId('cached-model').filter({ hasText: url });
  // generation_config.json is read for its end tokens (Qwen's second one), so it is cached with the model.
  const files = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
  const bytes = files.reduce((n, f) => n + fs.statSync(path.join(STORIES, f)).size, 0);
  await expect(cached).toContainText(`5 files · ${formatBytes(bytes)}`);
  await cached.getByText('Files', { exact: true }).click();
  for (const f of files) await expect(cached.getByRole('listitem').filter({ hasText: new RegExp(`^${f.replace('.', '\\.')} `) })).toContainText(formatBytes(fs.statSync(path.join(STORIES, f)).size));
  await shot(page, 'mp-04-cached');

  // Kept over a reload; and it loads with the server unreachable (everything from the cache).
  await page.reload();
  await expect(cached).toContainText(`5 files · ${formatBytes(bytes)}`);
  await page.route('**/models/stories260K/**', (r) => r.abort('internetdisconnected'));
  await page.getByRole('radio', { name: 'Hub or URL' }).check();
  await page.getByRole('textbox', { name: 'Hugging Face id or URL' }).fill(url);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is ready' })).toBeVisible();
  await page.unroute('**/models/stories260K/**');

  // Delete asks first; Cancel keeps the files.
  await cached.getByRole('button', { name: `Delete ${url}` }).click();
  const confirm = page.getByRole('group', { name: `Confirm deleting ${url}` });
  await expect(confirm).toContainText(`Delete 5 files (${formatBytes(bytes)}) of ${url}?`);
  await shot(page, 'mp-05-confirm-delete');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(cached).toHaveCount(1);
  await cached.getByRole('button', { name: `Delete ${url}` }).click();
  await confirm.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Deleted 5 files of ${url}.` })).toBeVisible();
  await expect(page.getByTestId('cached-model')).toHaveCount(0);
  await expect(page.getByText('Nothing downloaded yet.')).toBeVisible();
  await page.reload();
  await expect(page.getByText('Nothing downloaded yet.')).toBeVisible();
  expect(await page.evaluate(async () => (await (await caches.open('steerscope-models')).keys()).length)).toBe(0);
  expect(errors).toEqual([]);
});

/** An intervention for stories260K that changes nothing (w = 1, b = 0) but has DSAS gates at two hooks. */
function gatedIdentity(): { manifest: string; tensors: Uint8Array } {
  const d = 64;
  const hooks = new Map<HookName, HookMap>();
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  for (const h of ['0.attn', '2.mlp'] as HookName[]) {
    hooks.set(h, { w: new Float32Array(d).fill(1), b: new Float32Array(d), gate: { a: Float32Array.from({ length: d }, () => rand()), c: 0 } });
  }
  return encodeIntervention({ modelId: 'stories260K', method: 'imported', hooks, strength: 1, created: '2026-11-27T00:00:00.000Z' });
}

test('prompt tokens are tinted like generated ones, set apart, and the heatmap is read with the keyboard', async ({ page }) => {
  const errors = await open(page);
  await page.getByRole('combobox', { name: 'Model folder' }).selectOption('stories260K');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'stories260K is ready' })).toBeVisible();
  const iv = gatedIdentity();
  await page.getByLabel('Intervention files for the library').setInputFiles([
    { name: 'intervention.json', mimeType: 'application/json', buffer: Buffer.from(iv.manifest) },
    { name: 'intervention.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(iv.tensors) },
  ]);
  const entry = page.getByRole('list', { name: 'Saved interventions' }).getByRole('listitem').first();
  await entry.getByRole('button', { name: 'Use', exact: true }).click();
  await expect(entry.getByRole('button', { name: 'In use' })).toBeVisible();

  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Once upon a time');
  await page.getByRole('radio', { name: 'Greedy' }).check();
  await page.getByRole('textbox', { name: 'Max new tokens' }).fill('12');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: /12 tokens · [\d.]+ tokens\/s · reached max new tokens/ })).toBeVisible();
  // w = 1, b = 0: the text is the unsteered greedy continuation.
  expect(await page.getByTestId('generated').textContent()).toMatch(/^, there was a little girl named Lily/);

  const prompt = page.getByTestId('generated-prompt');
  const promptToks = prompt.locator('.tok.prompt-tok');
  await expect(promptToks).toHaveCount(4);
  expect((await promptToks.allTextContents()).join('')).toBe('Once upon a time');
  for (const t of await promptToks.all()) {
    await expect(t).toHaveAttribute('data-strength', /^0\.\d{3}$|^1\.000$/);
    expect(await t.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    expect(await t.evaluate((el) => getComputedStyle(el).textDecorationStyle)).toBe('dotted');
  }
  const genTok = page.getByTestId('generated').locator('.tok').first();
  expect(await genTok.evaluate((el) => getComputedStyle(el).textDecorationStyle)).not.toBe('dotted');
  await expect(page.locator('.legend')).toContainText('tokens are underlined and greyed');

  // Keyboard: the first prompt token is the tab stop; its tooltip names it as a prompt token; arrows cross into the output.
  await promptToks.first().focus();
  const tip = page.getByRole('tooltip');
  await expect(tip).toContainText('“Once” · prompt token');
  await expect(tip).toContainText('0.attn');
  await expect(tip).toContainText('2.mlp');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(tip).toContainText('· token 1 ·');
  await shot(page, 'mp-06-prompt-tinted');

  // The heatmap takes focus; arrow keys move a cell cursor whose value is read out.
  const heat = page.getByRole('img', { name: /^Steering strength, 2 hooks × 12 tokens/ });
  await heat.focus();
  const readout = page.getByTestId('heatmap-readout');
  await expect(readout).toContainText(/^Token 1 “.*” at 0\.attn: gate \d\.\d+/);
  await page.keyboard.press('ArrowDown');
  await expect(readout).toContainText(/^Token 1 “.*” at 2\.mlp: gate/);
  await page.keyboard.press('ArrowRight');
  await expect(readout).toContainText(/^Token 2 “.*” at 2\.mlp: gate/);
  await page.keyboard.press('End');
  await expect(readout).toContainText(/^Token 12 “.*” at 2\.mlp: gate/);
  await expect(page.getByTestId('generated').locator('.tok.hl')).toHaveCount(1);
  await shot(page, 'mp-07-heatmap-keyboard');
  expect(errors).toEqual([]);
});
