// Evaluation (λ sweeps) on stories260K with a Mean-AcT + DSAS intervention fitted on the shared sad→happy prompts,
// checked against independent references: the float64 CPU forward pass (perplexities), plain generations with the
// same seeds (continuations, gate values) and a lexicon count written here. Then stop, bad parameters, and the same
// sweep through the engine worker.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { EncodedIntervention } from '../src/harness/steering-api.ts';
import type { EvalDone, EvalParams, EvalPoint } from '../src/engine/protocol.ts';
import type { Remote } from './harness.ts';
import type { SteerscopeHarness } from '../src/harness/main.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { encode, intervention, randomMap } from './fixtures/interventions.ts';

const MODEL = 'stories260K';
const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as {
  source: string[];
  target: string[];
  control: string[];
  lexicon: { source: string[]; target: string[] };
};
const train = { name: 'sad-to-happy-train', source: data.source.slice(0, 24), target: data.target.slice(0, 24), control: data.control.slice(0, 24) };
const SEED = 0;
const PARAMS: EvalParams = {
  prompts: data.source.slice(24, 32),
  neutral: data.control.slice(24, 28),
  lexicon: data.lexicon,
  lambdas: [0, 1],
  gates: 'both',
  maxNewTokens: 16,
  // The spec's sampling (section 7): temperature 1, top-p 0.3, repetition penalty 1.2.
  sampling: { greedy: false, temperature: 1, topP: 0.3, topK: 0, repetitionPenalty: 1.2, seed: SEED },
  chat: false,
};
/** Continuations and neutral scorings of the whole sweep (4 points). */
const TOTAL = 4 * (PARAMS.prompts.length + PARAMS.neutral.length);
const PROBE_IDS = [1, 403, 407, 261, 378, 432, 383, 286];

test.describe.configure({ mode: 'serial' });

let page: Page;
let s: Remote<SteerscopeHarness>;
let fitted: EncodedIntervention;
let sweep: EvalDone;

// ---- independent references ----
/** −log softmax(row)[id] in float64. */
function nll(row: number[], id: number): number {
  const max = Math.max(...row);
  return Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)) - (row[id] - max);
}

/** Σ NLL and count of ids[first..] from the CPU reference's logits of ids (with the harness's active steering). */
async function cpuNll(ids: number[], first: number): Promise<{ nll: number; count: number }> {
  const rows = await s.cpuLogits(ids.slice(0, -1));
  let sum = 0;
  for (let k = first; k < ids.length; k++) sum += nll(rows[k - 1], ids[k]);
  return { nll: sum, count: ids.length - first };
}

const pooled = (parts: { nll: number; count: number }[]) => Math.exp(parts.reduce((a, p) => a + p.nll, 0) / parts.reduce((a, p) => a + p.count, 0));

/** Lexicon label by plain word splitting (the dataset's lexicon is single words). */
function label(text: string): 'source' | 'target' | 'neutral' {
  const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  const src = words.filter((w) => data.lexicon.source.includes(w)).length;
  const tgt = words.filter((w) => data.lexicon.target.includes(w)).length;
  return src > tgt ? 'source' : tgt > src ? 'target' : 'neutral';
}

const point = (r: EvalDone, lambda: number, gated: boolean): EvalPoint => r.points.find((p) => p.lambda === lambda && p.gated === gated)!;
const sampling = (i: number) => ({ temperature: 1, topP: 0.3, repetitionPenalty: 1.2, seed: SEED + i });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(15 * 60_000);
  page = await browser.newPage();
  s = await openStableHarness(page);
  await s.load(MODEL);
  const t0 = Date.now();
  fitted = (await s.fit({ dataset: JSON.stringify(train), method: 'mean', hooks: 'all', dsas: true })).intervention;
  console.log(`fit (Mean-AcT + DSAS, all hooks): ${Date.now() - t0} ms`);
});

test.afterAll(async () => {
  await page?.close();
});

test('a sweep matches the CPU reference, plain seeded generations and an independent lexicon count', async () => {
  test.setTimeout(20 * 60_000);
  await s.setIntervention(fitted, { strength: 1, useGate: true });
  const before = await s.logits(PROBE_IDS);
  const t0 = Date.now();
  sweep = await s.evaluate(PARAMS);
  console.log(`sweep of ${sweep.points.length} points: ${Date.now() - t0} ms (evalMs ${sweep.evalMs.toFixed(0)})`);
  for (const p of sweep.points) {
    console.log(
      `λ=${p.lambda} gated=${p.gated} effect=${p.effect} target=${p.targetShare} neutralPPL=${p.neutralPerplexity.toFixed(5)} genPPL=${p.generationPerplexity.toFixed(5)} strength=${p.meanStrength?.toFixed(4) ?? null}`,
    );
    for (const c of p.continuations) console.log(`    ${JSON.stringify(c)}`);
  }
  expect(sweep.aborted).toBe(false);
  expect(sweep.points.map((p) => [p.gated, p.lambda])).toEqual([[true, 0], [true, 1], [false, 0], [false, 1]]);
  expect(sweep.intervention.hasGates).toBe(true);
  expect(sweep.intervention.hooks).toHaveLength(10); // "all": every attn and mlp hook
  // The session's steering is back: same logits as before the sweep.
  expect(await s.logits(PROBE_IDS)).toEqual(before);
  // Progress: one event per continuation and one per point's neutral texts; the last one says all is done.
  const progress = await s.evalProgress();
  expect(progress).toHaveLength(4 * (PARAMS.prompts.length + 1));
  expect(progress.at(-1)).toEqual({ done: TOTAL, total: TOTAL, lambda: 1, gated: false });

  // ---- unsteered references (CPU float64 forward, plain generate with seed + i) ----
  await s.setIntervention(null);
  const neutralIds = await Promise.all(PARAMS.neutral.map((t) => s.encode(t)));
  const neutralRef = pooled(await Promise.all(neutralIds.map((ids) => cpuNll(ids, 1))));
  const plain = [];
  for (let i = 0; i < PARAMS.prompts.length; i++) plain.push(await s.generate({ prompt: PARAMS.prompts[i], maxNewTokens: PARAMS.maxNewTokens, ...sampling(i) }));
  const genRef0 = pooled(await Promise.all(plain.map((r) => cpuNll([...r.promptTokenIds, ...r.tokenIds], r.promptTokenIds.length))));
  console.log(`CPU reference: neutral PPL ${neutralRef.toFixed(5)}, λ=0 generation PPL ${genRef0.toFixed(5)}`);
  for (const gated of [true, false]) {
    const p0 = point(sweep, 0, gated);
    // (a) neutral perplexity at λ = 0 = exp(mean NLL) of the CPU reference.
    console.log(`λ=0 gated=${gated}: relative error neutral PPL ${(Math.abs(p0.neutralPerplexity - neutralRef) / neutralRef).toExponential(2)}, generation PPL ${(Math.abs(p0.generationPerplexity - genRef0) / genRef0).toExponential(2)}`);
    expect(Math.abs(p0.neutralPerplexity - neutralRef) / neutralRef).toBeLessThan(1e-4);
    // (b) continuations at λ = 0 = plain unsteered generations with seed + i; labels = the count here.
    expect(p0.continuations).toEqual(plain.map((r) => r.text));
    expect(p0.effect).toBe(plain.filter((r) => label(r.text) === 'source').length / plain.length);
    expect(p0.targetShare).toBe(plain.filter((r) => label(r.text) === 'target').length / plain.length);
    // (c) generation perplexity at λ = 0 = CPU reference NLL of those continuations given their prompts.
    expect(Math.abs(p0.generationPerplexity - genRef0) / genRef0).toBeLessThan(1e-4);
  }

  // ---- λ = 1: steered references ----
  for (const gated of [true, false]) {
    const p1 = point(sweep, 1, gated);
    await s.setIntervention(fitted, { strength: 1, useGate: gated });
    // Steered neutral perplexity against the CPU reference with the same intervention, λ and gates.
    const neutralSteered = pooled(await Promise.all(neutralIds.map((ids) => cpuNll(ids, 1))));
    // The steered continuations = the harness's steered generate with the same seeds; gate values averaged the same way.
    const steered = [];
    for (let i = 0; i < PARAMS.prompts.length; i++) steered.push(await s.generate({ prompt: PARAMS.prompts[i], maxNewTokens: PARAMS.maxNewTokens, ...sampling(i) }));
    expect(p1.continuations).toEqual(steered.map((r) => r.text));
    expect(p1.effect).toBe(steered.filter((r) => label(r.text) === 'source').length / steered.length);
    const gates = steered.flatMap((r) => r.strengths.flat());
    if (gated) {
      expect(gates.length).toBe(steered.reduce((a, r) => a + r.tokenIds.length, 0) * 10);
      expect(p1.meanStrength!).toBeCloseTo(gates.reduce((a, v) => a + v, 0) / gates.length, 6);
    } else {
      expect(p1.meanStrength).toBeNull();
    }
    // Their perplexity under the unsteered model (CPU reference).
    await s.setIntervention(null);
    const genRef1 = pooled(await Promise.all(steered.map((r) => cpuNll([...r.promptTokenIds, ...r.tokenIds], r.promptTokenIds.length))));
    console.log(
      `CPU reference λ=1 gated=${gated}: neutral PPL ${neutralSteered.toFixed(5)} (relative error ${(Math.abs(p1.neutralPerplexity - neutralSteered) / neutralSteered).toExponential(2)}), generation PPL ${genRef1.toFixed(5)} (${(Math.abs(p1.generationPerplexity - genRef1) / genRef1).toExponential(2)})`,
    );
    expect(Math.abs(p1.neutralPerplexity - neutralSteered) / neutralSteered).toBeLessThan(1e-4);
    expect(Math.abs(p1.generationPerplexity - genRef1) / genRef1).toBeLessThan(1e-4);
    // The intervention does something at λ = 1 (so the checks above can tell λ apart).
    expect(Math.abs(p1.neutralPerplexity - neutralRef)).toBeGreaterThan(1e-3);
  }
  // Gate values of the λ = 0 gated point exist too (gates run whatever λ), and lie in (0, 1).
  expect(point(sweep, 0, true).meanStrength).toBeGreaterThan(0);
  expect(point(sweep, 0, true).meanStrength).toBeLessThan(1);
  expect(point(sweep, 0, false).meanStrength).toBeNull();
  // (d) On the sad source prompts, steering towards happy does not raise the sad share. With 8 prompts × 16 tokens the
  // effect is 1 of 8 at λ = 0 and 0 or 1 of 8 at λ = 1 (seed-dependent), so only "not higher" is asserted. Over all 32
  // source prompts × 32 tokens (the CLI's defaults) it falls from 3/32 to 0 at λ = 1, gated and not.
  for (const gated of [true, false]) expect(point(sweep, 1, gated).effect).toBeLessThanOrEqual(point(sweep, 0, gated).effect);
});

test('stopping mid-sweep resolves with the finished points, aborted', async () => {
  test.setTimeout(10 * 60_000);
  await s.setIntervention(fitted, { strength: 1, useGate: true });
  const params: EvalParams = { ...PARAMS, lambdas: [0, 0.5, 1] };
  const running = s.evaluate(params);
  // Wait until the second point (gated, λ = 0.5) has started, then stop.
  await expect.poll(async () => (await s.evalProgress()).at(-1)?.done ?? 0, { timeout: 5 * 60_000, intervals: [50] }).toBeGreaterThan(PARAMS.prompts.length + PARAMS.neutral.length);
  expect(await s.stopEval()).toBe(true);
  const r = await running;
  expect(r.aborted).toBe(true);
  expect(r.points.length).toBeGreaterThanOrEqual(1);
  expect(r.points.length).toBeLessThan(6);
  // The finished first point equals the full sweep's (same seeds).
  expect(r.points[0]).toEqual(point(sweep, 0, true));
  expect(await s.stopEval()).toBe(false);
});

test('bad parameters are refused with the field named', async () => {
  await s.setIntervention(fitted, { strength: 1, useGate: true });
  const bad: [Partial<EvalParams>, RegExp][] = [
    [{ lambdas: [0, 5] }, /lambdas\[1\] is 5/],
    [{ lambdas: [] }, /^lambdas/],
    [{ prompts: [] }, /^prompts is empty/],
    [{ neutral: [] }, /^neutral is empty/],
    [{ maxNewTokens: 0 }, /^maxNewTokens/],
    [{ maxNewTokens: 300 }, /^maxNewTokens/],
    [{ lexicon: { source: [], target: ['happy'] } }, /^lexicon\.source is empty/],
    [{ sampling: { ...PARAMS.sampling, topP: 2 } }, /^sampling: top-p/],
    [{ chat: true }, /^chat/],
  ];
  for (const [change, message] of bad) {
    const err = await s.evaluate({ ...PARAMS, ...change }).then(
      () => 'resolved',
      (e: Error) => e.message.replace(/^page\.evaluate: (Error: )?/, ''),
    );
    expect(err, JSON.stringify(change)).toMatch(message);
  }
  // Gates asked of an intervention without any.
  await s.setIntervention(encode(intervention(MODEL, new Map([['1.mlp', randomMap(64, 3)]]))), { strength: 1 });
  await expect(s.evaluate({ ...PARAMS, gates: 'on' })).rejects.toThrow(/gates "on" needs an intervention with DSAS gates/);
  await expect(s.evaluate({ ...PARAMS, gates: 'both' })).rejects.toThrow(/gates "both" needs/);
  await s.setIntervention(null);
  await expect(s.evaluate(PARAMS)).rejects.toThrow(/load an intervention first/);
});

test('the engine worker runs the same sweep, stops on stop("eval"), restores the steering and reports input errors', async () => {
  test.setTimeout(15 * 60_000);
  const probe = { prompt: 'Lily was sad', maxNewTokens: 8 };
  const base = { model: MODEL, intervention: fitted, strength: 0.7, useGate: true, probe };
  const full = await s.workerEvaluate({ ...base, params: PARAMS });
  expect(full.error).toBeNull();
  expect(full.result!.aborted).toBe(false);
  // Same model, same kernels, same seeds: the worker's points are the harness's.
  expect(full.result!.points).toEqual(sweep.points);
  expect(full.after).toEqual(full.before);
  expect(full.before.steering.strength).toBe(0.7);
  expect(full.progress.at(-1)).toEqual({ done: TOTAL, total: TOTAL, lambda: 1, gated: false });

  const stopped = await s.workerEvaluate({ ...base, params: { ...PARAMS, lambdas: [0, 0.5, 1] }, stopAtDone: 2 });
  expect(stopped.error).toBeNull();
  expect(stopped.stopped).toBe(true);
  expect(stopped.result!.aborted).toBe(true);
  // Stopped during the first point (the stop message may arrive a continuation or two late, never a whole point).
  expect(stopped.result!.points.length).toBeLessThanOrEqual(1);
  for (const p of stopped.result!.points) expect(p).toEqual(point(sweep, 0, true));
  expect(stopped.after).toEqual(stopped.before);

  const bad = await s.workerEvaluate({ ...base, params: { ...PARAMS, maxNewTokens: 257 } });
  expect(bad.error).toEqual({ kind: 'input', message: 'maxNewTokens must be a whole number from 1 to 256, got 257.' });
  expect(bad.after).toEqual(bad.before);
  const none = await s.workerEvaluate({ ...base, intervention: null, params: PARAMS });
  expect(none.error?.kind).toBe('input');
  expect(none.error?.message).toMatch(/intervention first/);
});
