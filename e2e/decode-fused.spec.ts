// One-token steps fuse each steered attn/mlp hook into the RMSNorm matmul after it (steer-matmul.wgsl, the residual
// stream alternating between two buffers); several-token steps run every hook as its own dispatch. Both must agree:
// the gate values and greedy tokens of a generation (decode path) equal those of a prefill of the same tokens, and
// the tokens equal the argmax of the CPU reference's steered logits.
import { expect, test } from '@playwright/test';
import type { gpuScratchBytes } from '../src/model/gpu/scratch-layout.ts';
import type { estimateGpuMemory } from '../src/model/gpu/memory-estimate.ts';
import { hookName, type HookName } from '../src/model/spec.ts';
import type { HookMap } from '../src/core/steer-map.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { encode, intervention, randomMap } from './fixtures/interventions.ts';

const MODEL = 'stories260K';
const D = 64;
const LAYERS = 5;

test('fused decode = unfused prefill: every attn/mlp hook gated, an mlp hook before a resid hook', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  const maps = new Map<HookName, HookMap>();
  for (let l = 0; l < LAYERS; l++) {
    for (const k of ['attn', 'mlp'] as const) maps.set(hookName(l, k), randomMap(D, 5 * l + (k === 'mlp' ? 1 : 0), { bScale: 0.3, gate: { scale: 0.4, c: 0.1 } }));
  }
  // An ungated mlp hook before a resid hook (that mlp hook cannot be fused: the resid hook comes first).
  maps.set('2.mlp', randomMap(D, 77, { bScale: 0.3 }));
  maps.set('2.resid', randomMap(D, 78, { bScale: 0.1 }));
  await s.setIntervention(encode(intervention(MODEL, maps)), { strength: 1.5 });
  const prompt = [1, 403, 407, 261, 378];
  const r = await s.generate({ promptIds: prompt, maxNewTokens: 8, greedy: true, ignoreEos: true });
  const all = [...prompt, ...r.tokenIds];
  // The same tokens as one prefill (several-token step): gate values per position.
  const p = await s.generate({ promptIds: all, maxNewTokens: 0, greedy: true });
  expect(r.hooks).toEqual(p.hooks);
  expect(r.hooks.length).toBe(2 * LAYERS - 1);
  // Generated token k was fed at position prompt.length + k (the last one too: its strengths are read back).
  let worst = 0;
  r.strengths.forEach((row, k) => {
    const want = p.promptStrengths[prompt.length + k];
    expect(row).toHaveLength(want.length);
    row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - want[j]))));
  });
  console.log(`max |gate(decode) − gate(prefill)| ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-4);
  // And the tokens are the CPU reference's steered argmax.
  const cpu = await s.cpuLogits(all.slice(0, -1));
  for (let k = 0; k < r.tokenIds.length; k++) {
    const row = cpu[prompt.length - 1 + k];
    expect(row.indexOf(Math.max(...row)), `token ${k}`).toBe(r.tokenIds[k]);
  }
});

test('the engine holds the scratch gpuScratchBytes says and the total the memory estimate says, and stories260K stays within 1.2× weights + KV', async ({ page }) => {
  const s = await openStableHarness(page);
  for (const maxContext of [272, undefined]) {
    const r = await s.load(MODEL, { maxContext });
    const m = r.memory;
    // The engine's own formula, loaded in the page (the module imports WGSL through Vite), and the memory estimate the
    // app shows before loading (same context).
    const [want, est] = await page.evaluate(async ([spec, ctx, weights]) => {
      const urls = ['/src/model/gpu/scratch-layout.ts', '/src/model/gpu/memory-estimate.ts'];
      const mod = (await import(/* @vite-ignore */ urls[0])) as { gpuScratchBytes: typeof gpuScratchBytes };
      const me = (await import(/* @vite-ignore */ urls[1])) as { estimateGpuMemory: typeof estimateGpuMemory };
      const e = me.estimateGpuMemory(spec, 'F32', { maxContext: ctx });
      return [mod.gpuScratchBytes(spec, ctx, weights), { weightBytes: e.weightBytes, kvBytes: e.kvBytes, scratchBytes: e.scratchBytes, totalBytes: e.totalBytes }] as const;
    }, [r.spec, r.maxContext, m.weightBytes] as const);
    console.log(`context ${r.maxContext}: gpu ${m.gpuBytes} weights ${m.weightBytes} kv ${m.kvBytes} scratch ${m.scratchBytes} → ${(m.gpuBytes / (m.weightBytes + m.kvBytes)).toFixed(3)}`);
    expect(m.scratchBytes).toBe(want);
    expect(r.weightDType).toBe('f32');
    expect(est).toEqual({ weightBytes: m.weightBytes, kvBytes: m.kvBytes, scratchBytes: m.scratchBytes, totalBytes: m.gpuBytes });
    expect(m.gpuBytes).toBe(m.weightBytes + m.kvBytes + m.scratchBytes + m.steeringBytes);
    if (maxContext === 272) expect(m.gpuBytes / (m.weightBytes + m.kvBytes)).toBeLessThanOrEqual(1.2);
  }
});
