// Several interventions at once (issue #14 point 4): applied in the order given, at a shared hook
// z ← steer_B(steer_A(z)), each with its own λ and DSAS gate. The GPU engine (prefill and the fused one-token decode
// path) must equal the float64 CPU forward with the same list; the combination must differ from either alone, and the
// order must matter at shared hooks (and only there).
import { expect, test } from '@playwright/test';
import type { HookMap } from '../src/core/steer-map.ts';
import type { HookName } from '../src/model/spec.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { encode, intervention, maxAbsDiff, randomMap, range } from './fixtures/interventions.ts';

const MODEL = 'stories260K';
const D = 64;
const IDS = [1, 403, 407, 261, 378, 300, 290];
const gate = (c: number) => ({ scale: 0.4, c });

// Shared hooks of every kind (attn, mlp, resid), all gated in both; each has one hook of its own too.
const A = new Map<HookName, HookMap>([
  ['1.attn', randomMap(D, 101, { bScale: 0.3, gate: gate(0.1) })],
  ['2.mlp', randomMap(D, 102, { bScale: 0.3, gate: gate(-0.2) })],
  ['3.resid', randomMap(D, 103, { bScale: 0.1, gate: gate(0.3) })],
  ['0.mlp', randomMap(D, 104, { bScale: 0.3 })],
]);
const B = new Map<HookName, HookMap>([
  ['1.attn', randomMap(D, 201, { bScale: 0.3, gate: gate(-0.1) })],
  ['2.mlp', randomMap(D, 202, { bScale: 0.3, gate: gate(0.2) })],
  ['3.resid', randomMap(D, 203, { bScale: 0.1, gate: gate(0) })],
  ['4.attn', randomMap(D, 204, { bScale: 0.3, gate: gate(0.1) })],
]);
const LA = 0.8;
const LB = 1.7;

test('two interventions on shared hooks: GPU logits and gates equal the CPU forward with both; neither alone, and order matters', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  // Each alone (CPU reference).
  await s.setIntervention(encode(intervention(MODEL, A)), { strength: LA });
  const cpuA = await s.cpuLogits(IDS);
  await s.setIntervention(encode(intervention(MODEL, B)), { strength: LB });
  const cpuB = await s.cpuLogits(IDS);
  // A then B.
  await s.setIntervention(encode(intervention(MODEL, A)), { strength: LA });
  const state = await s.addIntervention(encode(intervention(MODEL, B)), { strength: LB });
  expect(state.interventions.map((i) => i.strength)).toEqual([LA, LB]);
  // Gate columns: forward order, then intervention order at a shared hook.
  expect(state.gatedHooks).toEqual(['1.attn', '1.attn', '2.mlp', '2.mlp', '3.resid', '3.resid', '4.attn']);
  expect(state.gateInterventions).toEqual([0, 1, 0, 1, 0, 1, 1]);
  const gpuAB = await s.logits(IDS);
  const cpuAB = await s.cpuLogits(IDS);
  const rel = maxAbsDiff(gpuAB, cpuAB) / range(cpuAB);
  console.log(`A then B: max |GPU − CPU| / range ${rel.toExponential(2)}; |AB − A| ${maxAbsDiff(cpuAB, cpuA).toFixed(3)}, |AB − B| ${maxAbsDiff(cpuAB, cpuB).toFixed(3)}`);
  expect(rel).toBeLessThanOrEqual(1e-3);
  expect(maxAbsDiff(cpuAB, cpuA), 'differs from A alone').toBeGreaterThan(1e-2);
  expect(maxAbsDiff(cpuAB, cpuB), 'differs from B alone').toBeGreaterThan(1e-2);
  // Gate values of a prefill (several-token steps) against the CPU's.
  const p = await s.generate({ promptIds: IDS, maxNewTokens: 0, greedy: true });
  const cg = await s.cpuGates(IDS);
  expect(p.hooks).toEqual(cg.hooks);
  expect(p.hookInterventions).toEqual(cg.interventions);
  let worstGate = 0;
  p.promptStrengths.forEach((row, t) => row.forEach((v, j) => (worstGate = Math.max(worstGate, Math.abs(v - cg.values[t][j])))));
  console.log(`max |gate GPU − gate CPU| ${worstGate.toExponential(2)}`);
  expect(worstGate).toBeLessThan(1e-4);
  // B's λ alone changes (no rebuild): the GPU still equals the CPU with the new λ, and A's is kept.
  const after = await s.setStrength(0.4, 1);
  expect(after.interventions.map((i) => i.strength)).toEqual([LA, 0.4]);
  const gpuLow = await s.logits(IDS);
  const cpuLow = await s.cpuLogits(IDS);
  expect(maxAbsDiff(cpuLow, cpuAB), 'λ_B changed the output').toBeGreaterThan(1e-2);
  expect(maxAbsDiff(gpuLow, cpuLow) / range(cpuLow)).toBeLessThanOrEqual(1e-3);
  // B then A: another result at the shared hooks, which the GPU reproduces too.
  await s.setIntervention(encode(intervention(MODEL, B)), { strength: LB });
  await s.addIntervention(encode(intervention(MODEL, A)), { strength: LA });
  const gpuBA = await s.logits(IDS);
  const cpuBA = await s.cpuLogits(IDS);
  expect(maxAbsDiff(cpuBA, cpuAB), 'order matters at shared hooks').toBeGreaterThan(1e-2);
  expect(maxAbsDiff(gpuBA, cpuBA) / range(cpuBA)).toBeLessThanOrEqual(1e-3);
});

test('order does not matter when the interventions share no hook; one without gates reports none', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  const X = new Map<HookName, HookMap>([['1.attn', randomMap(D, 301, { bScale: 0.3, gate: gate(0.1) })]]);
  const Y = new Map<HookName, HookMap>([['3.mlp', randomMap(D, 302, { bScale: 0.3, gate: gate(0.1) })]]);
  await s.setIntervention(encode(intervention(MODEL, X)), { strength: 1.2 });
  await s.addIntervention(encode(intervention(MODEL, Y)), { strength: 0.6 });
  const xy = await s.logits(IDS);
  await s.setIntervention(encode(intervention(MODEL, Y)), { strength: 0.6 });
  await s.addIntervention(encode(intervention(MODEL, X)), { strength: 1.2, useGate: false });
  const cpuNoGateX = await s.cpuLogits(IDS);
  const yxNoGate = await s.logits(IDS);
  expect(maxAbsDiff(yxNoGate, cpuNoGateX) / range(cpuNoGateX)).toBeLessThanOrEqual(1e-3);
  const st = await s.removeIntervention(1);
  expect(st.interventions).toHaveLength(1);
  await s.addIntervention(encode(intervention(MODEL, X)), { strength: 1.2 });
  const yx = await s.logits(IDS);
  expect(maxAbsDiff(yx, xy)).toBeLessThanOrEqual(1e-6);
  expect(maxAbsDiff(yxNoGate, yx), 'the gate switch is per intervention').toBeGreaterThan(1e-3);
  const r = await s.generate({ promptIds: IDS, maxNewTokens: 0, greedy: true });
  expect(r.hooks).toEqual(['1.attn', '3.mlp']);
  expect(r.hookInterventions).toEqual([1, 0]);
});

test('decode (fused one-token steps) with two interventions equals the prefill and the CPU reference', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  await s.setIntervention(encode(intervention(MODEL, A)), { strength: LA });
  await s.addIntervention(encode(intervention(MODEL, B)), { strength: LB });
  const prompt = IDS.slice(0, 5);
  const r = await s.generate({ promptIds: prompt, maxNewTokens: 8, greedy: true, ignoreEos: true });
  expect(r.interventions.map((i) => i.strength)).toEqual([LA, LB]);
  const all = [...prompt, ...r.tokenIds];
  const p = await s.generate({ promptIds: all, maxNewTokens: 0, greedy: true });
  expect(r.hooks).toEqual(p.hooks);
  let worst = 0;
  r.strengths.forEach((row, k) => {
    const want = p.promptStrengths[prompt.length + k];
    expect(row).toHaveLength(want.length);
    row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - want[j]))));
  });
  console.log(`max |gate(decode) − gate(prefill)| ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-4);
  const cpu = await s.cpuLogits(all.slice(0, -1));
  for (let k = 0; k < r.tokenIds.length; k++) {
    const row = cpu[prompt.length - 1 + k];
    expect(row.indexOf(Math.max(...row)), `token ${k}`).toBe(r.tokenIds[k]);
  }
});

test('an added intervention for another model or hidden size is refused by number; the active ones keep working', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load(MODEL);
  await s.setIntervention(encode(intervention(MODEL, A)), { strength: LA });
  const cpuA = await s.cpuLogits(IDS);
  const other = intervention('SmolLM2-135M-Instruct', B);
  await expect(s.addIntervention(encode(other))).rejects.toThrow(/Intervention 2: .*made for model "SmolLM2-135M-Instruct"/);
  const narrow = intervention(MODEL, new Map<HookName, HookMap>([['1.attn', randomMap(32, 5)]]));
  await expect(s.addIntervention(encode(narrow))).rejects.toThrow(/Intervention 2: .*hidden size is 64/);
  const st = await s.addIntervention(encode(intervention(MODEL, B)), { strength: LB });
  expect(st.interventions).toHaveLength(2);
  await expect(s.setStrength(1, 2)).rejects.toThrow(/no active intervention 3; 2 are active/);
  await s.removeIntervention(1);
  expect(maxAbsDiff(await s.logits(IDS), cpuA) / range(cpuA)).toBeLessThanOrEqual(1e-3);
});
