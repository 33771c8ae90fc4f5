// `cli eval` with several --intervention folders: the first is swept, the others held at their --strength (the JSON
// lists them), so λ = 0 equals an evaluation of the held one alone at that strength; an intervention made for another
// model id is refused, naming both ids and --allow-other-model, which lets it through with a warning.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import type { HookMap } from '../src/core/steer-map.ts';
import type { HookName } from '../src/model/spec.ts';

const run = promisify(execFile);
const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const STORIES = path.join(shared, 'models/stories260K');

async function cli(args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  try {
    const { stdout } = await run('npx', ['tsx', 'cli/main.ts', ...args], { timeout: 15 * 60_000, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, json: JSON.parse(stdout) as Record<string, unknown> };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? 1, json: JSON.parse(err.stdout || '{}') as Record<string, unknown> };
  }
}

interface EvalJson {
  intervention: { folder: string; method: string; hooks: string[]; hasGates: boolean };
  held: { intervention: string; modelId: string; method: string; hooks: string[]; strength: number; useGate: boolean }[];
  points: { lambda: number; gated: boolean; effect: number; neutralPerplexity: number; generationPerplexity: number; continuations: string[] }[];
  warnings?: string[];
}

test('eval sweeps the first --intervention with the others held; another model id is refused unless --allow-other-model', async () => {
  test.setTimeout(30 * 60_000);
  const { encode, intervention, randomMap } = await import('./fixtures/interventions.ts');
  const { writeInterventionFolder } = await import('../cli/intervention-folder.ts');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-eval-several-'));
  const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as Record<string, string[]>;
  const dataset = path.join(out, 'small.json');
  fs.writeFileSync(dataset, JSON.stringify({ name: 'small', source: data.source.slice(0, 3), target: data.target.slice(0, 3), control: data.control.slice(0, 2), lexicon: data.lexicon }));
  const gate = { scale: 0.4, c: 0.1 };
  const A = new Map<HookName, HookMap>([['1.attn', randomMap(64, 61, { bScale: 0.3, gate })], ['2.mlp', randomMap(64, 62, { bScale: 0.3 })]]);
  const B = new Map<HookName, HookMap>([['1.attn', randomMap(64, 71, { bScale: 0.3, gate })], ['3.mlp', randomMap(64, 72, { bScale: 0.3, gate })]]);
  const [a, b, other] = ['a', 'b', 'other'].map((n) => path.join(out, n));
  writeInterventionFolder(a, encode(intervention('stories260K', A)));
  writeInterventionFolder(b, encode(intervention('stories260K', B)));
  writeInterventionFolder(other, encode(intervention('another-model', B)));
  const base = ['eval', '--model', STORIES, '--dataset', dataset, '--greedy', '--max-new-tokens', '8', '--json'];

  const both = await cli([...base, '--intervention', a, '--intervention', b, '--strength', '0.7', '--lambdas', '0,1', '--gates', 'off']);
  expect(both.code, JSON.stringify(both.json)).toBe(0);
  const j = both.json as unknown as EvalJson;
  expect(j.intervention).toEqual({ folder: a, method: 'imported', hooks: ['1.attn', '2.mlp'], hasGates: true });
  expect(j.held).toEqual([{ intervention: b, modelId: 'stories260K', method: 'imported', hooks: ['1.attn', '3.mlp'], strength: 0.7, useGate: true }]);
  expect(j.warnings).toBeUndefined();
  expect(j.points.map((p) => [p.gated, p.lambda])).toEqual([[false, 0], [false, 1]]);

  // B alone at 0.7 with its gates (as it was held): the λ = 0 point.
  const alone = await cli([...base, '--intervention', b, '--lambdas', '0.7', '--gates', 'on']);
  expect(alone.code, JSON.stringify(alone.json)).toBe(0);
  const ref = (alone.json as unknown as EvalJson).points[0];
  expect((alone.json as unknown as EvalJson).held).toEqual([]);
  expect(j.points[0].continuations).toEqual(ref.continuations);
  expect(j.points[0].effect).toBe(ref.effect);
  expect(Math.abs(j.points[0].neutralPerplexity - ref.neutralPerplexity) / ref.neutralPerplexity).toBeLessThan(1e-4);
  expect(Math.abs(j.points[1].neutralPerplexity - ref.neutralPerplexity), 'λ = 1 of A differs').toBeGreaterThan(1e-3);

  // Another model id: refused before the browser starts, with both ids and the flag; the flag lets it through.
  const refused = await cli([...base, '--intervention', a, '--intervention', other, '--strength', '0.7', '--lambdas', '0']);
  expect(refused.code).toBe(1);
  expect(refused.json.error).toBe(
    `--intervention ${other} (intervention 2 of 2) was made for model "another-model"; the loaded model is "stories260K": pass --allow-other-model to use it anyway (for one fitted on the same architecture under another name or path; hidden size and layers are still checked)`,
  );
  const gen = await cli(['generate', '--model', STORIES, '--prompt', 'Lily was sad', '--max-new-tokens', '2', '--intervention', other, '--json']);
  expect(gen.code).toBe(1);
  expect(gen.json.error).toMatch(/^--intervention .* was made for model "another-model"; the loaded model is "stories260K": pass --allow-other-model/);
  const allowed = await cli([...base, '--intervention', a, '--intervention', other, '--strength', '0.7', '--lambdas', '0', '--gates', 'off', '--allow-other-model']);
  expect(allowed.code, JSON.stringify(allowed.json)).toBe(0);
  const k = allowed.json as unknown as EvalJson;
  expect(k.warnings).toEqual([`intervention 2 (${other}) was made for model "another-model"; the loaded model is "stories260K"`]);
  // The same maps as b under another name: the same λ = 0 point.
  expect(k.points[0].continuations).toEqual(j.points[0].continuations);
  fs.rmSync(out, { recursive: true, force: true });
});
