// The classifier scorer in the browser: the tiny bag-of-words classifier (tools/tiny_classifier.py, built here) is
// served by the dev server as a model folder, and a sweep on stories260K scored by it must give, per point, the
// share and mean of the probabilities worked out by hand from the continuations (src/testing/tiny-classifier.node.ts).
// A classifier that cannot load fails the run with its name and the reason, and the next run (lexicon) still works;
// the engine worker (the app's path) scores the same.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { EvalParams } from '../src/engine/protocol.ts';
import { buildTinyClassifier, tinyPositive, type TinyWeights } from '../src/testing/tiny-classifier.node.ts';
import type { SteerscopeHarness } from '../src/harness/main.ts';
import type { Remote } from './harness.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { encode, intervention, randomMap } from './fixtures/interventions.ts';

const MODEL = 'stories260K';
// Under MODELS_DIR (playwright.config.ts), so /models/<id>/ serves it; removed afterwards (it would be listed as a model).
const ID = 'tiny-classifier-e2e';
const DIR = path.resolve('.cache/test-models', ID);
// Words stories260K writes often, so the continuations get a spread of probabilities.
const WEIGHTS: TinyWeights = { he: [1, 0], she: [0, 1], was: [0, 0.5], the: [0.5, 0], park: [0, 2], sad: [2, 0], happy: [0, 2], lily: [0, 1], tom: [1, 0] };
const positive = (t: string) => tinyPositive(t, WEIGHTS);
const IV = encode(intervention(MODEL, new Map([['1.mlp', randomMap(64, 3)]])));
const PARAMS: EvalParams = {
  prompts: ['Lily was good and', 'The bad dog', 'Tom had a great day', 'It was a terrible storm'],
  neutral: ['Once upon a time, there was a little girl.'],
  scorer: 'classifier',
  classifier: { model: ID, sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' },
  lambdas: [0, 2],
  gates: 'off',
  maxNewTokens: 24,
  sampling: { greedy: false, temperature: 1, topP: 0.9, topK: 0, repetitionPenalty: 1, seed: 0 },
  chat: false,
};

test.describe.configure({ mode: 'serial' });

let page: Page;
let s: Remote<SteerscopeHarness>;

test.beforeAll(async ({ browser }) => {
  buildTinyClassifier(DIR, WEIGHTS);
  page = await browser.newPage();
  s = await openStableHarness(page);
  await s.load(MODEL);
  await s.setIntervention(IV, { strength: 1, useGate: false });
});

test.afterAll(async () => {
  await page?.close();
  fs.rmSync(DIR, { recursive: true, force: true });
});

test('a sweep scored by the tiny classifier gives the hand-computed probabilities', async () => {
  const r = await s.evaluate(PARAMS);
  expect(r.scorer).toEqual({ id: 'classifier', label: 'Text classifier', units: 'probability of the target label, 0 to 1' });
  expect(r.points).toHaveLength(2);
  let words = 0;
  for (const p of r.points) {
    const probs = p.continuations.map(positive);
    console.log(`λ=${p.lambda}: effect ${p.effect}, target ${p.targetShare}, mean P(POSITIVE) ${p.meanScore}`);
    p.continuations.forEach((c, i) => console.log(`    ${probs[i].toFixed(4)} ${JSON.stringify(c)}`));
    words += p.continuations.join(' ').toLowerCase().split(/[^a-z0-9]+/).filter((w) => Object.hasOwn(WEIGHTS, w)).length;
    expect(p.meanScore!).toBeCloseTo(probs.reduce((a, v) => a + v, 0) / probs.length, 6);
    expect(p.effect).toBe(probs.filter((v) => v < 0.5).length / probs.length);
    expect(p.targetShare).toBe(probs.filter((v) => v > 0.5).length / probs.length);
  }
  // The check means something only if some continuation has a word the classifier weighs.
  expect(words).toBeGreaterThan(0);
  // The load was reported before the first continuation: the files' bytes, all of them.
  const progress = await s.evalProgress();
  const loads = progress.filter((e) => e.scorerLoad);
  const bytes = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'].reduce((a, f) => a + fs.statSync(path.join(DIR, f)).size, 0);
  expect(loads.length).toBeGreaterThan(0);
  expect(loads[0].done).toBe(0);
  expect(loads.at(-1)!.scorerLoad).toEqual({ what: `classifier ${ID}`, loaded: bytes, total: bytes });
  expect(progress.indexOf(loads.at(-1)!)).toBeLessThan(progress.findIndex((e) => e.done > 0));
});

test('a classifier that cannot load fails the run with its name and the reason; the next run works', async () => {
  const one = { ...PARAMS, lambdas: [0] };
  await expect(s.evaluate({ ...one, classifier: { model: 'no-such-classifier', sourceLabel: 'NEGATIVE' } })).rejects.toThrow(/Could not load the classifier “no-such-classifier”: .+/);
  await expect(s.evaluate({ ...one, classifier: { model: ID, sourceLabel: 'toxic' } })).rejects.toThrow(`The classifier “${ID}” has no label “toxic”; its labels are “NEGATIVE”, “POSITIVE”.`);
  const lexicon = await s.evaluate({ ...one, scorer: 'lexicon', lexicon: { source: ['bad'], target: ['good'] } });
  expect(lexicon.points).toHaveLength(1);
  expect(lexicon.scorer?.id).toBe('lexicon');
});

test('the engine worker scores with the classifier too', async () => {
  const one = { ...PARAMS, lambdas: [0] };
  const here = await s.evaluate(one);
  const w = await s.workerEvaluate({ model: MODEL, intervention: IV, strength: 1, useGate: false, params: one, probe: { prompt: 'Lily', maxNewTokens: 4 } });
  expect(w.error).toBeNull();
  expect(w.result!.points).toEqual(here.points);
  const bad = await s.workerEvaluate({ model: MODEL, intervention: IV, strength: 1, useGate: false, params: { ...one, classifier: { model: 'no-such-classifier', sourceLabel: 'NEGATIVE' } }, probe: { prompt: 'Lily', maxNewTokens: 4 } });
  expect(bad.error?.message).toMatch(/Could not load the classifier “no-such-classifier”: .+/);
});
