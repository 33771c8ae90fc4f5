// Evaluation with several active interventions (issue #14 point 4): one is swept, the others are held at their own λ
// and gate switch, applied in the same order as generation applies them. On stories260K with greedy decoding, the
// sweep's λ = 0 point must equal a one-intervention evaluation of the held one at its own strength, the λ = 1 point
// must equal plain generations with both applied (and differ from λ = 0), the mean gate value counts only the swept
// one's gates, and the result lists what was held.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { HookMap } from '../src/core/steer-map.ts';
import type { HookName } from '../src/model/spec.ts';
import type { EvalDone, EvalParams, EvalPoint } from '../src/engine/protocol.ts';
import type { Remote } from './harness.ts';
import type { SteerscopeHarness } from '../src/harness/main.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { encode, intervention, randomMap } from './fixtures/interventions.ts';

const MODEL = 'stories260K';
const D = 64;
const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as {
  source: string[];
  control: string[];
  lexicon: { source: string[]; target: string[] };
};
const gate = (c: number) => ({ scale: 0.4, c });
// A (swept) and B (held) share 1.attn, so the order matters there; each has a hook of its own.
const A = new Map<HookName, HookMap>([
  ['1.attn', randomMap(D, 301, { bScale: 0.3, gate: gate(0.1) })],
  ['2.mlp', randomMap(D, 302, { bScale: 0.3, gate: gate(-0.2) })],
]);
const B = new Map<HookName, HookMap>([
  ['1.attn', randomMap(D, 401, { bScale: 0.3, gate: gate(-0.1) })],
  ['3.mlp', randomMap(D, 402, { bScale: 0.3, gate: gate(0.2) })],
]);
const LB = 0.7;
const GREEDY = { greedy: true, temperature: 1, topP: 1, topK: 0, repetitionPenalty: 1, seed: 0 };
const PARAMS: EvalParams = {
  prompts: data.source.slice(0, 4),
  neutral: data.control.slice(0, 2),
  lexicon: data.lexicon,
  lambdas: [0, 1],
  gates: 'both',
  maxNewTokens: 8,
  sampling: GREEDY,
  chat: false,
};
const PROBE_IDS = [1, 403, 407, 261, 378, 432];

test.describe.configure({ mode: 'serial' });

let page: Page;
let s: Remote<SteerscopeHarness>;

const point = (r: EvalDone, lambda: number, gated: boolean): EvalPoint => r.points.find((p) => p.lambda === lambda && p.gated === gated)!;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

async function setBoth(strengthA: number, useGateA: boolean): Promise<void> {
  await s.setIntervention(encode(intervention(MODEL, A)), { strength: strengthA, useGate: useGateA });
  await s.addIntervention(encode(intervention(MODEL, B)), { strength: LB, useGate: true });
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(10 * 60_000);
  page = await browser.newPage();
  s = await openStableHarness(page);
  await s.load(MODEL);
});

test.afterAll(async () => {
  await page?.close();
});

test('sweeping A with B held: λ = 0 is B alone, λ = 1 is both; only A’s gates are averaged; B is listed as held', async () => {
  test.setTimeout(15 * 60_000);
  // The reference: B alone, evaluated at its own strength (gated, as it is held).
  await s.setIntervention(encode(intervention(MODEL, B)), { strength: LB, useGate: true });
  const alone = await s.evaluate({ ...PARAMS, lambdas: [LB], gates: 'on' });
  const bAlone = alone.points[0];
  expect(alone.held).toEqual([]);

  await setBoth(1.3, false);
  const before = await s.logits(PROBE_IDS);
  const sweep = await s.evaluate(PARAMS);
  for (const p of sweep.points) console.log(`λ=${p.lambda} gated=${p.gated} effect=${p.effect} neutralPPL=${p.neutralPerplexity.toFixed(5)} genPPL=${p.generationPerplexity.toFixed(5)} strength=${p.meanStrength?.toFixed(4) ?? null} ${JSON.stringify(p.continuations)}`);
  console.log(`B alone at λ ${LB}: neutralPPL=${bAlone.neutralPerplexity.toFixed(5)} genPPL=${bAlone.generationPerplexity.toFixed(5)} ${JSON.stringify(bAlone.continuations)}`);
  expect(sweep.aborted).toBe(false);
  expect(sweep.intervention).toEqual({ modelId: MODEL, method: 'imported', hooks: ['1.attn', '2.mlp'], hasGates: true, index: 0 });
  expect(sweep.held).toEqual([{ index: 1, modelId: MODEL, method: 'imported', hooks: ['1.attn', '3.mlp'], strength: LB, useGate: true }]);
  // The session's steering (A at 1.3 ungated, then B) is back afterwards.
  expect(await s.logits(PROBE_IDS)).toEqual(before);

  // λ = 0, gated or not: B alone at its strength (the same greedy continuations and scores; perplexities to float32
  // rounding, since a hook with two maps runs a different kernel path than one with one).
  for (const gated of [true, false]) {
    const p0 = point(sweep, 0, gated);
    expect(p0.continuations).toEqual(bAlone.continuations);
    expect([p0.effect, p0.targetShare, p0.meanScore]).toEqual([bAlone.effect, bAlone.targetShare, bAlone.meanScore]);
    expect(rel(p0.neutralPerplexity, bAlone.neutralPerplexity)).toBeLessThan(1e-4);
    expect(rel(p0.generationPerplexity, bAlone.generationPerplexity)).toBeLessThan(1e-4);
  }

  // λ = 1: the plain generations with A at 1 (gated / not) then B at LB, and different from λ = 0.
  for (const gated of [true, false]) {
    const p1 = point(sweep, 1, gated);
    await setBoth(1, gated);
    const plain = [];
    for (const prompt of PARAMS.prompts) plain.push(await s.generate({ prompt, maxNewTokens: PARAMS.maxNewTokens, greedy: true }));
    expect(p1.continuations).toEqual(plain.map((r) => r.text));
    if (gated) {
      // Only A's columns (intervention 0) are its mean gate value; B's gates run too but are not the swept one's.
      const own = plain.flatMap((r) => r.strengths.flatMap((row) => row.filter((_, j) => r.hookInterventions[j] === 0)));
      const all = plain.flatMap((r) => r.strengths.flat());
      expect(own.length).toBe(plain.reduce((a, r) => a + r.tokenIds.length, 0) * 2);
      expect(p1.meanStrength!).toBeCloseTo(own.reduce((a, v) => a + v, 0) / own.length, 6);
      expect(Math.abs(p1.meanStrength! - all.reduce((a, v) => a + v, 0) / all.length), 'B’s gates are left out').toBeGreaterThan(1e-4);
    } else {
      expect(p1.meanStrength, 'A ungated: no mean gate value, although B is gated').toBeNull();
    }
    expect(Math.abs(p1.neutralPerplexity - point(sweep, 0, gated).neutralPerplexity), 'λ = 1 differs from λ = 0').toBeGreaterThan(1e-3);
  }
  expect(point(sweep, 1, true).continuations.concat(point(sweep, 1, false).continuations)).not.toEqual(bAlone.continuations.concat(bAlone.continuations));
});

test('the second intervention can be the swept one (params.intervention); a bad index is refused in words', async () => {
  test.setTimeout(10 * 60_000);
  // Reference: A alone at 1.3, ungated.
  await s.setIntervention(encode(intervention(MODEL, A)), { strength: 1.3, useGate: false });
  const aAlone = (await s.evaluate({ ...PARAMS, lambdas: [1.3], gates: 'off' })).points[0];
  await setBoth(1.3, false);
  const sweepB = await s.evaluate({ ...PARAMS, lambdas: [0], gates: 'on', intervention: 1 });
  expect(sweepB.intervention.index).toBe(1);
  expect(sweepB.intervention.hooks).toEqual(['1.attn', '3.mlp']);
  expect(sweepB.held).toEqual([{ index: 0, modelId: MODEL, method: 'imported', hooks: ['1.attn', '2.mlp'], strength: 1.3, useGate: false }]);
  expect(sweepB.points[0].continuations).toEqual(aAlone.continuations);
  expect(rel(sweepB.points[0].neutralPerplexity, aAlone.neutralPerplexity)).toBeLessThan(1e-4);
  // A ungated is held, B swept gated: the mean gate value is B's alone, present.
  expect(sweepB.points[0].meanStrength).toBeGreaterThan(0);
  await expect(s.evaluate({ ...PARAMS, intervention: 2 })).rejects.toThrow('intervention is 2; it must name an active intervention: 0 to 1 (2 are active).');
});
