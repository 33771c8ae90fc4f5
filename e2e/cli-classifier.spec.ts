// `cli eval --scorer classifier` with a local classifier folder (the tiny bag-of-words model, built here): the folder
// is mounted on the dev server, the points' scores are the hand-computed probabilities of the printed continuations,
// and a classifier that cannot be loaded exits non-zero naming it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { buildTinyClassifier, tinyPositive, type TinyWeights } from '../src/testing/tiny-classifier.node.ts';
import { encode, intervention, randomMap } from './fixtures/interventions.ts';
import { writeInterventionFolder } from '../cli/intervention-folder.ts';

const run = promisify(execFile);
const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const STORIES = path.join(shared, 'models/stories260K');
const WEIGHTS: TinyWeights = { he: [1, 0], she: [0, 1], was: [0, 0.5], the: [0.5, 0], park: [0, 2], sad: [2, 0], happy: [0, 2], lily: [0, 1], tom: [1, 0] };

async function cli(args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  try {
    const { stdout } = await run('npx', ['tsx', 'cli/main.ts', ...args], { timeout: 10 * 60_000, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, json: JSON.parse(stdout) as Record<string, unknown> };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? 1, json: JSON.parse(err.stdout || '{}') as Record<string, unknown> };
  }
}

test('eval --scorer classifier with a local folder scores by the classifier; a missing one is named', async () => {
  test.setTimeout(10 * 60_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-eval-clf-'));
  const clf = buildTinyClassifier(path.join(out, 'my-tiny-classifier'), WEIGHTS);
  const dataset = path.join(out, 'nolex.json');
  fs.writeFileSync(dataset, JSON.stringify({ source: ['Lily was sad.', 'Tom went to the park.', 'The dog was happy.'], target: ['x'], control: ['Tom saw a tree.'] }));
  const iv = path.join(out, 'iv');
  writeInterventionFolder(iv, encode(intervention('stories260K', new Map([['1.mlp', randomMap(64, 3)]]))));
  const base = ['eval', '--model', STORIES, '--intervention', iv, '--dataset', dataset, '--lambdas', '0,1', '--gates', 'off', '--max-new-tokens', '16', '--scorer', 'classifier'];

  const r = await cli([...base, '--classifier-model', clf, '--source-label', 'NEGATIVE', '--target-label', 'POSITIVE', '--json']);
  expect(r.code, JSON.stringify(r.json)).toBe(0);
  const j = r.json as { scorer: { id: string }; params: { classifier: unknown }; points: { effect: number; targetShare: number; meanScore: number; continuations: string[] }[] };
  expect(j.scorer.id).toBe('classifier');
  expect(j.params.classifier).toEqual({ model: 'my-tiny-classifier', sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' });
  expect(j.points).toHaveLength(2);
  for (const p of j.points) {
    const probs = p.continuations.map((t) => tinyPositive(t, WEIGHTS));
    console.log(probs.map((v, i) => `${v.toFixed(3)} ${JSON.stringify(p.continuations[i])}`).join('\n'));
    expect(p.meanScore).toBeCloseTo(probs.reduce((a, v) => a + v, 0) / probs.length, 6);
    expect(p.effect).toBe(probs.filter((v) => v < 0.5).length / probs.length);
    expect(p.targetShare).toBe(probs.filter((v) => v > 0.5).length / probs.length);
  }

  const missing = await cli([...base, '--classifier-model', 'nobody/no-such-classifier', '--source-label', 'NEGATIVE', '--json']);
  expect(missing.code).not.toBe(0);
  expect(missing.json.error).toMatch(/^Could not load the classifier “nobody\/no-such-classifier”: .+/);
  fs.rmSync(out, { recursive: true, force: true });
});
