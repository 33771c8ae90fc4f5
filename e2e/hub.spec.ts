// Loading from the hub as it really behaves, against a local simulator (fixtures/hub-simulator.ts): the endpoint
// setting, the 302 to a second origin, CORS, byte ranges; a server that ignores Range or hides Content-Range; the
// second load served from the page's cache and revalidated by ETag; a gated repo without and with a token.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { startHubSimulator, type HubSimulator, type SimRequest } from './fixtures/hub-simulator.ts';
import { openHarness } from './harness.ts';
import { ignoreDevServerReloads } from './fixtures/page-watch.ts';

const SHARED = process.env.SHARED_DIR ?? path.resolve('../shared');
const PORT = Number(process.env.E2E_PORT ?? 5199);
/** stories260K's greedy continuation of "Once upon a time" (BOS first), as stories-greedy.spec.ts checks it. */
const REFERENCE_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421];
const TOKEN = 'hf_test_token_not_a_secret';

/** stories260K whose generation_config.json lists a second end token (as Qwen2.5-Instruct's does): 432, the first greedy token after "Once upon a time". */
function twoEosRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-two-eos-'));
  const src = path.join(SHARED, 'models/stories260K');
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) fs.symlinkSync(path.join(src, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: [2, 432] }));
  return dir;
}

let sim: HubSimulator;
let twoEosDir = '';
test.beforeAll(async () => {
  twoEosDir = twoEosRepo();
  sim = await startHubSimulator(
    {
      'test/stories260K': { dir: path.join(SHARED, 'models/stories260K') },
      'test/stories260K-GGUF': { dir: path.join(SHARED, 'models/stories260K-gguf') },
      'gated/stories260K': { dir: path.join(SHARED, 'models/stories260K'), token: TOKEN },
      'test/stories260K-two-eos': { dir: twoEosDir },
    },
    { hub: PORT + 100, cdn: PORT + 101 },
  );
});
test.afterAll(async () => {
  await sim?.close();
  if (twoEosDir) fs.rmSync(twoEosDir, { recursive: true, force: true });
});
test.beforeEach(() => {
  sim.log.length = 0;
  Object.assign(sim.switches, { exposeHeaders: true, ignoreRange: false });
});

const weightsAt = (log: SimRequest[], server: 'hub' | 'cdn') => log.filter((r) => r.server === server && /\.(safetensors|gguf)$/.test(r.path));
const clearCache = (page: Page) => page.evaluate(() => caches.delete('steerscope-models'));

test('safetensors and GGUF load through the hub endpoint, 302 and CORS; the second load comes from the cache, revalidated', async ({ page }) => {
  const s = await openHarness(page);
  await clearCache(page);
  const hub = { endpoint: sim.endpoint };
  const greedy = async () => {
    const r = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 12, greedy: true, ignoreEos: true });
    return [...r.promptTokenIds, ...r.tokenIds].slice(0, REFERENCE_IDS.length);
  };

  for (const ref of ['test/stories260K', 'test/stories260K-GGUF/stories260K-f32.gguf']) {
    sim.log.length = 0;
    await s.load(ref, { hub });
    expect(await greedy()).toEqual(REFERENCE_IDS);
    // Weight files were redirected to the CDN and read there (a header range, then the whole file).
    expect(weightsAt(sim.log, 'hub').filter((r) => r.method === 'GET').every((r) => r.status === 302)).toBe(true);
    const cdnGets = weightsAt(sim.log, 'cdn').filter((r) => r.method === 'GET');
    expect(cdnGets.some((r) => r.status === 206 && r.range !== null)).toBe(true);
    expect(cdnGets.some((r) => r.status === 200 && r.range === null)).toBe(true);
  }

  // Second load: nothing but ETag revalidations (HEAD with If-None-Match, answered 304); no file body again.
  sim.log.length = 0;
  await s.load('test/stories260K', { hub });
  expect(await greedy()).toEqual(REFERENCE_IDS);
  const bodies = sim.log.filter((r) => r.method === 'GET' && r.status !== 302);
  expect(bodies).toEqual([]);
  const heads = sim.log.filter((r) => r.method === 'HEAD' && r.status !== 302);
  expect(heads.length).toBeGreaterThan(0);
  expect(heads.every((r) => r.ifNoneMatch !== null && r.status === 304)).toBe(true);
  expect(heads.map((r) => r.path)).toContain('/lfs/test/stories260K/model.safetensors');

  // The files changed on the hub (new ETags): the next load downloads them again, and still runs right.
  sim.switches.version++;
  sim.log.length = 0;
  await s.load('test/stories260K', { hub });
  expect(await greedy()).toEqual(REFERENCE_IDS);
  expect(weightsAt(sim.log, 'cdn').some((r) => r.method === 'GET' && r.status === 200)).toBe(true);
});

test('generation_config.json end tokens from the hub are honoured (a second one, as Qwen lists)', async ({ page }) => {
  const s = await openHarness(page);
  const hub = { endpoint: sim.endpoint };
  const req = { prompt: 'Once upon a time', maxNewTokens: 8, greedy: true };
  await s.load('test/stories260K', { hub });
  const plain = await s.generate(req);
  expect(plain.stopReason).toBe('max-tokens');
  expect(plain.tokenIds[0]).toBe(432);
  await s.load('test/stories260K-two-eos', { hub });
  const stopped = await s.generate(req);
  expect(stopped.stopReason).toBe('eos');
  expect(stopped.tokenIds.filter((t) => t !== 432)).toEqual([]);
});

test('a CDN that hides Content-Range, and one that ignores Range, still load', async ({ page }) => {
  const s = await openHarness(page);
  const hub = { endpoint: sim.endpoint };
  for (const sw of [{ exposeHeaders: false, ignoreRange: false }, { exposeHeaders: true, ignoreRange: true }]) {
    await clearCache(page);
    Object.assign(sim.switches, sw);
    sim.log.length = 0;
    await s.load('test/stories260K', { hub });
    const r = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 12, greedy: true, ignoreEos: true });
    expect([...r.promptTokenIds, ...r.tokenIds].slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
    const ranged = weightsAt(sim.log, 'cdn').filter((x) => x.method === 'GET' && x.range !== null);
    expect(ranged.length).toBeGreaterThan(0);
    expect(ranged.every((x) => x.status === (sw.ignoreRange ? 200 : 206))).toBe(true);
    // Without exposed headers the size came from a HEAD (Content-Length is always readable).
    if (!sw.exposeHeaders) expect(weightsAt(sim.log, 'cdn').some((x) => x.method === 'HEAD')).toBe(true);
  }
});

test('the endpoint setting in the app; a gated repo says it needs a token, and loads with one sent only to the hub', async ({ page }) => {
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await clearCache(page);
  await page.getByRole('radio', { name: 'Hub or URL' }).check();
  await page.locator('summary', { hasText: 'Hub settings' }).click();
  await page.getByLabel('Hub endpoint').fill(`${sim.endpoint}/`);
  await page.getByLabel('Hugging Face id or URL').fill('gated/stories260K');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Could not load' });
  await expect(alert).toContainText('HTTP 401, this repo is gated or private: set an access token under Hub settings');

  await page.getByLabel('Access token').fill(TOKEN);
  await page.reload(); // the settings are kept between visits
  await page.getByRole('radio', { name: 'Hub or URL' }).check();
  await expect(page.getByLabel('Hub endpoint')).toHaveValue(`${sim.endpoint}/`);
  await expect(page.getByLabel('Access token')).toHaveValue(TOKEN);
  await page.getByLabel('Hugging Face id or URL').fill('gated/stories260K');
  sim.log.length = 0;
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is ready' })).toContainText('gated/stories260K');
  // The token went to the hub with every request, never to the CDN the weights were redirected to.
  const hubGets = sim.log.filter((r) => r.server === 'hub' && r.method !== 'OPTIONS');
  expect(hubGets.length).toBeGreaterThan(0);
  expect(hubGets.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  const cdn = sim.log.filter((r) => r.server === 'cdn');
  expect(cdn.length).toBeGreaterThan(0);
  expect(cdn.every((r) => r.authorization === null)).toBe(true);
  await expect(page.getByTestId('cached-model').filter({ hasText: 'gated/stories260K' })).toBeVisible();
});

test('a cache write the storage quota refuses is shown, and the model loads anyway', async ({ page, baseURL }) => {
  await ignoreDevServerReloads(page);
  await page.goto('/');
  await clearCache(page);
  // 200 kB for the whole origin: the small files fit, the 1 MB model.safetensors does not.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 200_000 });
  await page.getByRole('radio', { name: 'Hub or URL' }).check();
  await page.locator('summary', { hasText: 'Hub settings' }).click();
  await page.getByLabel('Hub endpoint').fill(sim.endpoint);
  await page.getByLabel('Hugging Face id or URL').fill('test/stories260K');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is ready' })).toContainText('test/stories260K');
  const failures = page.getByTestId('cache-failures');
  await expect(failures).toContainText('test/stories260K: model.safetensors (QuotaExceededError');
  await expect(failures).toContainText('downloads again next time');
  await expect(failures).not.toContainText('config.json');
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin });
});

test('the CLI: HF_ENDPOINT and HF_TOKEN, and a disk cache between runs', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-cli-hub-'));
  const cli = async (model: string, env: Record<string, string> = {}) => {
    const args = ['tsx', 'cli/main.ts', 'generate', '--model', model, '--prompt', 'Once upon a time', '--max-new-tokens', '8', '--greedy', '--ignore-eos', '--cache-dir', cacheDir, '--json'];
    try {
      const { stdout } = await promisify(execFile)('npx', args, { env: { ...process.env, HF_ENDPOINT: sim.endpoint, ...env }, timeout: 10 * 60_000 });
      return JSON.parse(stdout) as { promptTokenIds: number[]; tokenIds: number[]; error?: string };
    } catch (e) {
      return JSON.parse((e as { stdout?: string }).stdout || '{}') as { promptTokenIds: number[]; tokenIds: number[]; error?: string };
    }
  };
  try {
    for (const run of [1, 2]) {
      sim.log.length = 0;
      const r = await cli('test/stories260K');
      expect([...r.promptTokenIds, ...r.tokenIds].slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
      const bodies = sim.log.filter((x) => x.method === 'GET' && x.status !== 302);
      if (run === 1) expect(bodies.some((x) => x.path === '/lfs/test/stories260K/model.safetensors' && x.status === 200)).toBe(true);
      // The second run reads its files from the disk cache: revalidations only, no file body.
      else expect(bodies).toEqual([]);
    }
    const denied = await cli('gated/stories260K');
    expect(denied.error).toMatch(/HTTP 401, this repo is gated or private: set an access token .*HF_TOKEN/);
    sim.log.length = 0;
    const r = await cli('gated/stories260K', { HF_TOKEN: TOKEN });
    expect([...r.promptTokenIds, ...r.tokenIds].slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
    expect(sim.log.filter((x) => x.server === 'cdn').every((x) => x.authorization === null)).toBe(true);
    expect(sim.log.filter((x) => x.server === 'hub').every((x) => x.authorization === `Bearer ${TOKEN}`)).toBe(true);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});
