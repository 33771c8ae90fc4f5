// Fitting on stories260K with the shared sad→happy prompts (24 train / 8 held out of each set).
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { HookName } from '../src/model/spec.ts';
import { decodeIntervention } from '../src/steering/intervention-file.ts';
import type { HookMap } from '../src/core/steer-map.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { encode, intervention } from './fixtures/interventions.ts';

const MODEL = 'stories260K';
const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as Record<'source' | 'target' | 'control', string[]>;
const train = { name: 'sad-to-happy-train', source: data.source.slice(0, 24), target: data.target.slice(0, 24), control: data.control.slice(0, 24) };
const held = { source: data.source.slice(24), target: data.target.slice(24), control: data.control.slice(24) };

test.describe.configure({ mode: 'serial' });

// ---- independent float64 versions of the spec's formulas (section 4) ----
function meanShift(src: number[][], tgt: number[][]): { w: number[]; b: number[] } {
  const d = src[0].length;
  const stat = (rows: number[][], j: number) => {
    const m = rows.reduce((a, r) => a + r[j], 0) / rows.length;
    const sd = Math.sqrt(rows.reduce((a, r) => a + (r[j] - m) ** 2, 0) / rows.length);
    return { m, sd };
  };
  const b = Array.from({ length: d }, (_, j) => {
    const s = stat(src, j);
    const t = stat(tgt, j);
    return s.sd < 1e-4 || t.sd < 1e-4 ? 0 : t.m - s.m;
  });
  return { w: Array(d).fill(1), b };
}

function linearAct(src: number[][], tgt: number[][]): { w: number[]; b: number[] } {
  const d = src[0].length;
  const w: number[] = [];
  const b: number[] = [];
  for (let j = 0; j < d; j++) {
    const x = src.map((r) => r[j]).sort((p, q) => p - q);
    const y = tgt.map((r) => r[j]).sort((p, q) => p - q);
    const mx = x.reduce((a, v) => a + v, 0) / x.length;
    const my = y.reduce((a, v) => a + v, 0) / y.length;
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < x.length; k++) (sxy += (x[k] - mx) * (y[k] - my)), (sxx += (x[k] - mx) ** 2);
    const beta = sxy / (sxx + 1e-8);
    w.push(beta);
    b.push(my - beta * mx);
  }
  return { w, b };
}

/** Squared 1-D W2 per neuron between equal-size sets (sorted pairing), averaged over neurons. */
function w2(a: number[][], b: number[][]): number {
  const d = a[0].length;
  let sum = 0;
  for (let j = 0; j < d; j++) {
    const x = a.map((r) => r[j]).sort((p, q) => p - q);
    const y = b.map((r) => r[j]).sort((p, q) => p - q);
    for (let k = 0; k < x.length; k++) sum += (x[k] - y[k]) ** 2;
  }
  return sum / (d * a.length);
}

function toMap(m: { w: number[]; b: number[] }): HookMap {
  return { w: Float32Array.from(m.w), b: Float32Array.from(m.b) };
}

function maxRelDiff(got: Float32Array, want: number[]): number {
  const scale = Math.max(1e-6, ...want.map(Math.abs));
  return Math.max(...want.map((v, j) => Math.abs(got[j] - v))) / scale;
}

for (const method of ['mean', 'linear-act'] as const) {
  test(`${method}: incremental fit equals an independent float64 computation of the spec`, async ({ page }) => {
    const s = await openStableHarness(page);
    await s.load(MODEL);
    // Two hooks in one layer, and a layer with none before the last (the fit runs the sources layer by layer).
    const hooks: HookName[] = ['0.attn', '0.mlp', '2.mlp'];
    const fitted = await s.fit({ dataset: JSON.stringify(train), method, hooks: hooks.join(',') });
    const iv = decodeIntervention(fitted.intervention.manifest, Buffer.from(fitted.intervention.tensorsBase64, 'base64'));
    const formula = method === 'mean' ? meanShift : linearAct;

    await s.setIntervention(null);
    const tgt = await s.pooled({ prompts: train.target, hooks: hooks.join(',') });
    // Each hook's source activations come from whole forwards with the maps of the hooks before it active (spec section 4).
    const want = new Map<HookName, { w: number[]; b: number[] }>();
    for (const hook of hooks) {
      if (want.size > 0) await s.setIntervention(encode(intervention(MODEL, new Map([...want].map(([h, m]) => [h, toMap(m)])))), { strength: 1 });
      const src = await s.pooled({ prompts: train.source, hooks: hook, steered: want.size > 0 });
      want.set(hook, formula(src[hook], tgt[hook]));
    }
    for (const [hook, map] of want) {
      expect(maxRelDiff(iv.hooks.get(hook)!.w, map.w), `${hook} w`).toBeLessThan(1e-4);
      expect(maxRelDiff(iv.hooks.get(hook)!.b, map.b), `${hook} b`).toBeLessThan(1e-4);
    }
    expect(Math.max(...want.get('2.mlp')!.b.map(Math.abs)), 'the map is not trivial').toBeGreaterThan(1e-3);
  });
}

test('fitted Mean-AcT and Linear-AcT lower the held-out sorted-W2 distance; DSAS gates score source above control', async ({ page }) => {
  test.setTimeout(30 * 60_000);
  const s = await openStableHarness(page);
  await s.load(MODEL);
  const hooks = 'all';
  await s.setIntervention(null);
  const target = await s.pooled({ prompts: held.target, hooks });
  const before = await s.pooled({ prompts: held.source, hooks });
  const average = (src: Record<string, number[][]>) => Object.keys(target).reduce((a, h) => a + w2(src[h], target[h]), 0) / Object.keys(target).length;
  const w2None = average(before);
  const results: Record<string, number> = { none: w2None };
  for (const method of ['mean', 'linear-act'] as const) {
    const fitted = await s.fit({ dataset: JSON.stringify(train), method, hooks, dsas: method === 'mean' });
    const iv = decodeIntervention(fitted.intervention.manifest, Buffer.from(fitted.intervention.tensorsBase64, 'base64'));
    await s.setIntervention(fitted.intervention, { strength: 1 });
    // Activations arriving at each hook with every earlier map active, then the hook's own map: w ⊙ z + b is affine,
    // so it commutes with the mean over tokens (λ = 1, no gate: the fitting objective's view).
    const arriving = await s.pooled({ prompts: held.source, hooks, steered: true });
    const after = Object.fromEntries(
      Object.entries(arriving).map(([h, rows]) => {
        const m = iv.hooks.get(h as HookName)!;
        return [h, rows.map((row) => row.map((z, j) => m.w[j] * z + m.b[j]))];
      }),
    );
    results[method] = average(after);
    if (method === 'mean') {
      // DSAS: mean gate over tokens and hooks, held-out source vs held-out control prompts.
      const meanGate = async (prompts: string[]) => {
        let sum = 0;
        for (const p of prompts) {
          const r = await s.generate({ prompt: p, maxNewTokens: 0 });
          const flat = r.promptStrengths.flat();
          sum += flat.reduce((a, v) => a + v, 0) / flat.length;
        }
        return sum / prompts.length;
      };
      results.gateSource = await meanGate(held.source);
      results.gateControl = await meanGate(held.control);
    }
  }
  console.log('held-out sorted-W2 and gates', JSON.stringify(results));
  // An independent PyTorch implementation of the spec measured on this split (the LinEAS issue): none 0.00290,
  // Mean-AcT 0.00143, Linear-AcT 0.00138.
  expect(Math.abs(w2None - 0.0029) / 0.0029).toBeLessThan(0.05);
  expect(Math.abs(results.mean - 0.00143) / 0.00143).toBeLessThan(0.05);
  expect(Math.abs(results['linear-act'] - 0.00138) / 0.00138).toBeLessThan(0.05);
  expect(results.mean).toBeLessThan(w2None);
  expect(results['linear-act']).toBeLessThan(results.mean);
  expect(results.gateSource).toBeGreaterThan(results.gateControl);
});
