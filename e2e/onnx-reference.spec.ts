// Our WebGPU engine against an independent reference in the same browser: onnxruntime-web running
// ../shared/models/stories260K/onnx/model.onnx (wasm EP, and a short run on its webgpu EP).
import { expect, test, type Page } from '@playwright/test';
import { openHarness } from './harness.ts';

const MODEL = 'stories260K';
const REFERENCE_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421];
const PROMPTS = ['Once upon a time', 'Lily was sad', 'The dog ran to the', 'Tom and Sue went to the park and'];
/** New tokens per prompt in the greedy comparison (one test per prompt: each gets its own timeout). */
const GREEDY_TOKENS = 200;
const WEBGPU_TOKENS = 20;

function maxAbsDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let t = 0; t < a.length; t++) {
    expect(a[t].length).toBe(b[t].length);
    for (let i = 0; i < a[t].length; i++) diff = Math.max(diff, Math.abs(a[t][i] - b[t][i]));
  }
  return diff;
}

function firstMismatch(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

async function open(page: Page) {
  // Ignore Vite's HMR channel: a file edited (or a dependency re-optimized) during a long run would otherwise reload
  // the page mid-test. The page keeps the modules it loaded.
  await page.routeWebSocket(/^wss?:\/\/[^/]+\/(\?token=.*)?$/, () => {});
  page.on('response', (r) => {
    if (r.status() >= 400) console.log('[page] HTTP', r.status(), r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log('[page]', m.text());
  });
  const s = await openHarness(page);
  await s.load(MODEL);
  return s;
}

test('prompt logits of the engine match onnxruntime-web (wasm) within 1e-3', async ({ page }) => {
  const s = await open(page);
  for (const text of PROMPTS) {
    const ids = await s.encode(text);
    const ours = await s.logits(ids);
    const ref = await s.onnxPromptLogits(MODEL, ids);
    const diff = maxAbsDiff(ours, ref);
    console.log(`logits "${text}" (${ids.length} tokens): max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-3);
  }
});

for (const text of PROMPTS) {
  const n = GREEDY_TOKENS;
  test(`greedy ids of the engine equal onnxruntime-web (wasm): "${text}", ${n} tokens`, async ({ page }) => {
    const s = await open(page);
    const promptIds = await s.encode(text);
    const ref = await s.onnxDecodeBenchmark(MODEL, { promptIds, maxNewTokens: n, ep: 'wasm', warmupTokens: 8 });
    expect(ref.tokenIds.length).toBe(n);
    if (text === 'Once upon a time') {
      expect([...promptIds, ...ref.tokenIds].slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
      expect(await s.decode(ref.tokenIds)).toContain(', there was a little girl named Lily. She loved to play outside in the park.');
    }
    const ours = await s.generate({ promptIds, maxNewTokens: n, greedy: true, ignoreEos: true });
    console.log(
      `greedy "${text}" ${n} tokens: engine ${ours.timings.decodeTokensPerSecond.toFixed(1)} tok/s, ` +
        `onnxruntime-web wasm ${ref.decodeTokensPerSecond.toFixed(1)} tok/s; first mismatch ${firstMismatch(ours.tokenIds, ref.tokenIds)}`,
    );
    expect(ours.tokenIds).toEqual(ref.tokenIds);
  });
}

test('onnxruntime-web webgpu EP gives the same greedy ids (short run)', async ({ page }) => {
  const s = await open(page);
  const promptIds = await s.encode('Once upon a time');
  const wasm = await s.onnxDecodeBenchmark(MODEL, { promptIds, maxNewTokens: WEBGPU_TOKENS, ep: 'wasm', warmupTokens: 8 });
  const gpu = await s.onnxDecodeBenchmark(MODEL, { promptIds, maxNewTokens: WEBGPU_TOKENS, ep: 'webgpu', warmupTokens: 4 });
  expect(gpu.tokenIds).toEqual(wasm.tokenIds);
  const ours = await s.generate({ promptIds, maxNewTokens: WEBGPU_TOKENS, greedy: true, ignoreEos: true });
  console.log(
    `greedy ${WEBGPU_TOKENS} tokens: engine ${ours.timings.decodeTokensPerSecond.toFixed(1)} tok/s, ` +
      `onnxruntime-web wasm ${wasm.decodeTokensPerSecond.toFixed(1)} tok/s, webgpu ${gpu.decodeTokensPerSecond.toFixed(1)} tok/s (session load ${gpu.loadMs.toFixed(0)} ms)`,
  );
  expect(ours.tokenIds).toEqual(gpu.tokenIds);
  expect([...promptIds, ...gpu.tokenIds].slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
});
