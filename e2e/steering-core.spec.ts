// Steering core on the GPU: identity/zero-gate/λ=0 invariance, GPU = CPU reference with interventions at
// attn/mlp/resid hooks (gated and not), and file round trips through the harness.
import { expect, test } from '@playwright/test';
import { hookName, type HookName } from '../src/model/spec.ts';
import type { HookMap } from '../src/core/steer-map.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { encode, identityMap, intervention, maxAbsDiff, randomMap, range } from './fixtures/interventions.ts';

const MODEL = 'stories260K';
const D = 64;
const LAYERS = 5;
const IDS = [1, 403, 407, 261, 378, 432, 383, 286];

test.describe.configure({ mode: 'serial' });

test('identity maps, a gate forced to 0 and λ = 0 leave the logits unchanged', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  const plain = await s.logits(IDS);
  const all = new Map<HookName, HookMap>();
  for (let l = 0; l < LAYERS; l++) for (const k of ['attn', 'mlp', 'resid'] as const) all.set(hookName(l, k), identityMap(D));
  await s.setIntervention(encode(intervention(MODEL, all)), { strength: 1 });
  expect(maxAbsDiff(await s.logits(IDS), plain)).toBeLessThanOrEqual(1e-6);

  const gatedOff = new Map<HookName, HookMap>([...all.keys()].map((h, i) => [h, randomMap(D, i, { gate: { scale: 0, c: -1e4 } })]));
  await s.setIntervention(encode(intervention(MODEL, gatedOff)), { strength: 1 });
  expect(maxAbsDiff(await s.logits(IDS), plain)).toBeLessThanOrEqual(1e-6);

  const strong = new Map<HookName, HookMap>([...all.keys()].map((h, i) => [h, randomMap(D, 100 + i)]));
  await s.setIntervention(encode(intervention(MODEL, strong)), { strength: 0 });
  expect(maxAbsDiff(await s.logits(IDS), plain)).toBeLessThanOrEqual(1e-6);
  // …and the same maps at λ = 1 do change them (the checks above can fail).
  await s.setIntervention(encode(intervention(MODEL, strong)), { strength: 1 });
  expect(maxAbsDiff(await s.logits(IDS), plain)).toBeGreaterThan(1e-2);
});

for (const kind of ['attn', 'mlp', 'resid'] as const) {
  for (const gated of [false, true]) {
    test(`GPU steered logits equal the CPU reference: ${kind} hooks, ${gated ? 'gated' : 'no gate'}`, async ({ page }) => {
      const s = await openStableHarness(page);
      await s.load(MODEL);
      const maps = new Map<HookName, HookMap>();
      for (const l of [0, 2, 4]) maps.set(hookName(l, kind), randomMap(D, 7 * l + (gated ? 1 : 0), { gate: gated ? { scale: 0.3, c: 0.2 } : undefined }));
      await s.setIntervention(encode(intervention(MODEL, maps)), { strength: 0.8 });
      const gpu = await s.logits(IDS);
      const cpu = await s.cpuLogits(IDS);
      const plainCpu = (await s.setIntervention(null), await s.cpuLogits(IDS));
      expect(maxAbsDiff(cpu, plainCpu), 'the intervention changes the CPU logits').toBeGreaterThan(1e-2);
      expect(maxAbsDiff(gpu, cpu) / range(cpu)).toBeLessThanOrEqual(1e-3);
    });
  }
}

test('gated generation reports a strength per token and hook that the CPU reference reproduces', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  const maps = new Map<HookName, HookMap>([
    ['1.attn', randomMap(D, 11, { gate: { scale: 0.4, c: 0.1 } })],
    ['3.mlp', randomMap(D, 12, { gate: { scale: 0.4, c: -0.3 } })],
    ['2.mlp', randomMap(D, 13)],
  ]);
  await s.setIntervention(encode(intervention(MODEL, maps)), { strength: 1 });
  const r = await s.generate({ promptIds: IDS.slice(0, 5), maxNewTokens: 6, greedy: true, ignoreEos: true });
  expect(r.hooks).toEqual(['1.attn', '3.mlp']);
  expect(r.promptStrengths).toHaveLength(5);
  expect(r.strengths).toHaveLength(6);
  for (const row of [...r.promptStrengths, ...r.strengths]) {
    expect(row).toHaveLength(2);
    for (const v of row) expect(v).toBeGreaterThan(0), expect(v).toBeLessThan(1);
  }
  // Steered greedy continuation must equal the argmax of the CPU reference's steered logits at every step.
  const all = [...r.promptTokenIds, ...r.tokenIds];
  const cpu = await s.cpuLogits(all.slice(0, -1));
  for (let k = 0; k < r.tokenIds.length; k++) {
    const row = cpu[4 + k];
    expect(row.indexOf(Math.max(...row))).toBe(r.tokenIds[k]);
  }
  // No-gate mode: no strengths reported.
  await s.setIntervention(encode(intervention(MODEL, maps)), { strength: 1, useGate: false });
  const ng = await s.generate({ promptIds: IDS.slice(0, 5), maxNewTokens: 2, greedy: true });
  expect(ng.hooks).toEqual([]);
});

test('interventions round-trip exactly and malformed ones are refused', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  const maps = new Map<HookName, HookMap>([
    ['0.attn', randomMap(D, 21, { gate: { scale: 0.2, c: 0.5 } })],
    ['4.resid', randomMap(D, 22)],
  ]);
  const enc = encode(intervention(MODEL, maps));
  await s.setIntervention(enc, { strength: 1 });
  const first = await s.logits(IDS);
  const back = (await s.getIntervention())!;
  expect(back.tensorsBase64).toBe(enc.tensorsBase64);
  await s.setIntervention(null);
  await s.setIntervention(back, { strength: 1 });
  expect(maxAbsDiff(await s.logits(IDS), first)).toBe(0);

  await expect(s.setIntervention(encode(intervention('some-other-model', maps)))).rejects.toThrow(/model/i);
  const wide = new Map<HookName, HookMap>([['0.attn', randomMap(D * 2, 1)]]);
  await expect(s.setIntervention(encode(intervention(MODEL, wide)))).rejects.toThrow(/64|size|shape|dim/i);
  const deep = new Map<HookName, HookMap>([['9.mlp', randomMap(D, 1)]]);
  await expect(s.setIntervention(encode(intervention(MODEL, deep)))).rejects.toThrow(/layer/i);
});
