// The CLI as a user runs it: one JSON object on stdout, non-zero exit with {"error"} on failure.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';

const run = promisify(execFile);
const shared = process.env.SHARED_DIR ?? path.resolve('../shared');
const STORIES = path.join(shared, 'models/stories260K');
const REFERENCE_IDS = [432, 383, 286, 261, 376, 298, 315, 421];

async function cli(args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  try {
    const { stdout } = await run('npx', ['tsx', 'cli/main.ts', ...args], { timeout: 15 * 60_000, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, json: JSON.parse(stdout) as Record<string, unknown> };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? 1, json: JSON.parse(err.stdout || '{}') as Record<string, unknown> };
  }
}

test.describe.configure({ mode: 'serial' });

test('generate prints the reference greedy continuation as JSON', async () => {
  const { code, json } = await cli(['generate', '--model', STORIES, '--prompt', 'Once upon a time', '--max-new-tokens', '200', '--greedy', '--ignore-eos', '--json']);
  expect(code).toBe(0);
  expect(json.promptTokenIds).toEqual([1, 403, 407, 261, 378]);
  expect((json.tokenIds as number[]).slice(0, REFERENCE_IDS.length)).toEqual(REFERENCE_IDS);
  expect(json.tokenIds).toHaveLength(200);
  expect(json.text as string).toMatch(/^, there was a little girl named Lily\. She loved to play outside in the park\./);
  const t = json.timings as Record<string, number>;
  for (const k of ['loadMs', 'prefillMs', 'decodeTokensPerSecond']) expect(t[k]).toBeGreaterThan(0);
});

test('errors exit non-zero with {"error": …}', async () => {
  const missing = await cli(['generate', '--model', './no/such/folder', '--prompt', 'x', '--json']);
  expect(missing.code).not.toBe(0);
  expect(missing.json.error).toMatch(/no such folder/);
  const badMethod = await cli(['fit', '--model', STORIES, '--dataset', path.join(shared, 'data/prompts/sad_to_happy.json'), '--method', 'magic', '--out', '/tmp/x', '--json']);
  expect(badMethod.code).not.toBe(0);
  expect(badMethod.json.error).toMatch(/--method/);
});

test('fit saves an intervention folder; generate with it reports per-token strengths', async () => {
  test.setTimeout(30 * 60_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-iv-'));
  const dataset = path.join(out, 'small.json');
  const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as Record<string, string[]>;
  fs.writeFileSync(dataset, JSON.stringify({ name: 'small', source: data.source.slice(0, 8), target: data.target.slice(0, 8), control: data.control.slice(0, 8) }));
  const iv = path.join(out, 'iv');
  const fit = await cli(['fit', '--model', STORIES, '--dataset', dataset, '--method', 'mean', '--hooks', '0.attn,2.mlp', '--dsas', '--out', iv, '--json']);
  expect(fit.code, JSON.stringify(fit.json)).toBe(0);
  expect(fit.json.hooks).toEqual(['0.attn', '2.mlp']);
  expect(fs.existsSync(path.join(iv, 'intervention.json'))).toBe(true);
  expect(fs.existsSync(path.join(iv, 'intervention.safetensors'))).toBe(true);
  const manifest = JSON.parse(fs.readFileSync(path.join(iv, 'intervention.json'), 'utf8')) as Record<string, unknown>;
  expect(manifest.method).toBe('mean');
  expect((manifest.dataset as Record<string, string>).hash).toMatch(/^[0-9a-f]{64}$/);

  const gen = await cli(['generate', '--model', STORIES, '--prompt', 'Lily was sad', '--max-new-tokens', '6', '--greedy', '--intervention', iv, '--strength', '1.5', '--json']);
  expect(gen.code, JSON.stringify(gen.json)).toBe(0);
  expect(gen.json.hooks).toEqual(['0.attn', '2.mlp']);
  const strengths = gen.json.strengths as { values: number[]; mean: number }[];
  expect(strengths).toHaveLength((gen.json.tokenIds as number[]).length);
  for (const s of strengths) {
    expect(s.values).toHaveLength(2);
    expect(s.mean).toBeCloseTo((s.values[0] + s.values[1]) / 2, 6);
  }
  const noGate = await cli(['generate', '--model', STORIES, '--prompt', 'Lily was sad', '--max-new-tokens', '3', '--greedy', '--intervention', iv, '--no-gate', '--json']);
  expect(noGate.json.hooks).toEqual([]);
  fs.rmSync(out, { recursive: true, force: true });
});

test('fit --method lineas trains, reports curve and support, and a large group penalty switches hooks off', async () => {
  test.setTimeout(30 * 60_000);
  const { decodeIntervention } = await import('../src/steering/intervention-file.ts');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-lineas-'));
  const dataset = path.join(out, 'small.json');
  const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as Record<string, string[]>;
  fs.writeFileSync(dataset, JSON.stringify({ name: 'small', source: data.source.slice(0, 8), target: data.target.slice(0, 8), control: data.control.slice(0, 8) }));
  const supportOf = (dir: string) => {
    const iv = decodeIntervention(fs.readFileSync(path.join(dir, 'intervention.json'), 'utf8'), fs.readFileSync(path.join(dir, 'intervention.safetensors')));
    let neurons = 0;
    let hooks = 0;
    for (const m of iv.hooks.values()) {
      let n = 0;
      for (let j = 0; j < m.w.length; j++) if (Math.abs(m.w[j] - 1) > 1e-5 || Math.abs(m.b[j]) > 1e-5) n++;
      neurons += n;
      hooks += n > 0 ? 1 : 0;
    }
    return { activeNeurons: neurons, activeHooks: hooks };
  };

  const dir = path.join(out, 'plain');
  const r = await cli(['fit', '--model', STORIES, '--dataset', dataset, '--method', 'lineas', '--hooks', '0.mlp,1.mlp', '--steps', '8', '--lr', '0.01', '--out', dir, '--json']);
  expect(r.code, JSON.stringify(r.json)).toBe(0);
  // --trainer auto on SwiftShader (a software adapter) with a 1 MB model: the float64 CPU trainer (chooseTrainer).
  expect(r.json.trainer).toBe('cpu');
  const curve = r.json.curve as { loss: number }[];
  expect(curve).toHaveLength(8);
  expect(curve[7].loss).toBeLessThan(curve[0].loss);
  expect(r.json.finalLoss).toBe(curve[7].loss);
  const support = r.json.support as { activeNeurons: number; activeHooks: number };
  expect(support.activeHooks).toBe(2);
  expect(supportOf(dir)).toEqual({ activeNeurons: support.activeNeurons, activeHooks: support.activeHooks });

  const sparse = path.join(out, 'sparse');
  const g = await cli(['fit', '--model', STORIES, '--dataset', dataset, '--method', 'lineas', '--hooks', '0.mlp,1.mlp', '--steps', '3', '--lr', '0.01', '--group', '5', '--trainer', 'gpu', '--out', sparse, '--json']);
  expect(g.code, JSON.stringify(g.json)).toBe(0);
  expect(g.json.trainer).toBe('gpu');
  const gs = g.json.support as { activeNeurons: number; activeHooks: number };
  expect(gs.activeHooks).toBe(0);
  expect(supportOf(sparse)).toEqual({ activeNeurons: gs.activeNeurons, activeHooks: gs.activeHooks });
  fs.rmSync(out, { recursive: true, force: true });
});

test('eval sweeps λ and gates, prints points and Pareto fronts; λ = 0 is the same gated or not', async () => {
  test.setTimeout(30 * 60_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-eval-'));
  const data = JSON.parse(fs.readFileSync(path.join(shared, 'data/prompts/sad_to_happy.json'), 'utf8')) as Record<string, string[]>;
  const dataset = path.join(out, 'small.json');
  fs.writeFileSync(dataset, JSON.stringify({ name: 'small', source: data.source.slice(0, 8), target: data.target.slice(0, 8), control: data.control.slice(0, 8), lexicon: data.lexicon }));
  const iv = path.join(out, 'iv');
  const fit = await cli(['fit', '--model', STORIES, '--dataset', dataset, '--method', 'mean', '--hooks', 'all', '--dsas', '--out', iv, '--json']);
  expect(fit.code, JSON.stringify(fit.json)).toBe(0);

  const r = await cli(['eval', '--model', STORIES, '--intervention', iv, '--dataset', dataset, '--lambdas', '0,1,2', '--gates', 'both', '--max-new-tokens', '8', '--prompts', '3', '--neutral', '2', '--seed', '5', '--json']);
  expect(r.code, JSON.stringify(r.json)).toBe(0);
  const j = r.json as {
    model: string;
    intervention: { folder: string; method: string; hooks: string[]; hasGates: boolean };
    params: { prompts: string[]; neutral: string[]; lambdas: number[]; gates: string; maxNewTokens: number; sampling: Record<string, number | boolean> };
    points: { lambda: number; gated: boolean; effect: number; targetShare: number; neutralPerplexity: number; generationPerplexity: number; meanStrength: number | null; continuations: string[] }[];
    front: { gated: boolean; points: number[] }[];
    evalMs: number;
  };
  expect(j.model).toBe(STORIES);
  expect(j.intervention).toEqual({ folder: iv, method: 'mean', hooks: fit.json.hooks, hasGates: true });
  expect(j.params.prompts).toEqual(data.source.slice(0, 3));
  expect(j.params.neutral).toEqual(data.control.slice(0, 2));
  // The spec's sampling by default.
  expect(j.params.sampling).toEqual({ greedy: false, temperature: 1, topP: 0.3, topK: 0, repetitionPenalty: 1.2, seed: 5 });
  expect(j.points.map((p) => [p.gated, p.lambda])).toEqual([[true, 0], [true, 1], [true, 2], [false, 0], [false, 1], [false, 2]]);
  for (const p of j.points) {
    expect(p.continuations).toHaveLength(3);
    expect([0, 1 / 3, 2 / 3, 1]).toContainEqual(p.effect);
    expect(p.effect + p.targetShare).toBeLessThanOrEqual(1);
    expect(p.neutralPerplexity).toBeGreaterThan(1);
    expect(p.generationPerplexity).toBeGreaterThan(1);
    if (p.gated) expect(p.meanStrength).toBeGreaterThan(0), expect(p.meanStrength).toBeLessThan(1);
    else expect(p.meanStrength).toBeNull();
  }
  // With λ = 0 the maps do nothing, so the gates cannot matter: the same continuations and perplexities.
  const [on0, off0] = [j.points[0], j.points[3]];
  expect(off0.continuations).toEqual(on0.continuations);
  expect([off0.effect, off0.targetShare, off0.neutralPerplexity, off0.generationPerplexity]).toEqual([on0.effect, on0.targetShare, on0.neutralPerplexity, on0.generationPerplexity]);
  // λ = 2 without gates changes the neutral perplexity (the sweep is not a no-op).
  expect(Math.abs(j.points[5].neutralPerplexity - off0.neutralPerplexity)).toBeGreaterThan(1e-3);
  // Fronts: per gate setting, exactly the points no other point of that setting beats in both effect and perplexity.
  expect(j.front.map((f) => f.gated)).toEqual([true, false]);
  for (const f of j.front) {
    const mine = j.points.map((p, i) => ({ p, i })).filter(({ p }) => p.gated === f.gated);
    const undominated = mine
      .filter(({ p }) => !mine.some(({ p: q }) => q.effect <= p.effect && q.neutralPerplexity <= p.neutralPerplexity && (q.effect < p.effect || q.neutralPerplexity < p.neutralPerplexity)))
      .map(({ i }) => i);
    expect([...f.points].sort()).toEqual(undominated.sort());
  }
  expect(j.evalMs).toBeGreaterThan(0);
  fs.rmSync(out, { recursive: true, force: true });
});

test('eval refuses a dataset without a lexicon and bad sweep settings', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-eval-bad-'));
  const dataset = path.join(out, 'nolex.json');
  fs.writeFileSync(dataset, JSON.stringify({ source: ['Lily was sad.'], target: ['Lily was happy.'], control: ['Tom saw a tree.'] }));
  const noLex = await cli(['eval', '--model', STORIES, '--intervention', path.join(out, 'iv'), '--dataset', dataset, '--json']);
  expect(noLex.code).not.toBe(0);
  expect(noLex.json.error).toMatch(/needs a "lexicon" with "source" and "target"/);
  const badLambdas = await cli(['eval', '--model', STORIES, '--intervention', path.join(out, 'iv'), '--dataset', path.join(shared, 'data/prompts/sad_to_happy.json'), '--lambdas', '0,x', '--json']);
  expect(badLambdas.code).not.toBe(0);
  expect(badLambdas.json.error).toMatch(/--lambdas/);
  // An engine-side refusal (λ out of range) comes back in the engine's words.
  const { encode, intervention, randomMap } = await import('./fixtures/interventions.ts');
  const { writeInterventionFolder } = await import('../cli/intervention-folder.ts');
  writeInterventionFolder(path.join(out, 'iv'), encode(intervention('stories260K', new Map([['1.mlp', randomMap(64, 3)]]))));
  const outOfRange = await cli(['eval', '--model', STORIES, '--intervention', path.join(out, 'iv'), '--dataset', path.join(shared, 'data/prompts/sad_to_happy.json'), '--lambdas', '0,5', '--json']);
  expect(outOfRange.code).not.toBe(0);
  expect(outOfRange.json.error).toBe('lambdas[1] is 5; each λ must be a number from 0 to 4.');
  fs.rmSync(out, { recursive: true, force: true });
});

test('generate with two interventions (strength per intervention) equals the CPU forward with both; a wrong one is named', async () => {
  test.setTimeout(15 * 60_000);
  const { encode, intervention, randomMap } = await import('./fixtures/interventions.ts');
  const { writeInterventionFolder } = await import('../cli/intervention-folder.ts');
  const { loadCpuWeights } = await import('../src/model/cpu/weights-from-disk.node.ts');
  const { cpuGreedy } = await import('../src/model/cpu/generate.ts');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-multi-'));
  const gate = { scale: 0.4, c: 0.1 };
  const A = new Map([['1.attn', randomMap(64, 41, { bScale: 0.3, gate })], ['2.mlp', randomMap(64, 42, { bScale: 0.3 })]] as const);
  const B = new Map([['1.attn', randomMap(64, 51, { bScale: 0.3, gate })], ['3.mlp', randomMap(64, 52, { bScale: 0.3, gate })]] as const);
  const [a, b, narrow] = ['a', 'b', 'narrow'].map((n) => path.join(out, n));
  writeInterventionFolder(a, encode(intervention('stories260K', new Map(A))));
  writeInterventionFolder(b, encode(intervention('another-model', new Map(B))));
  writeInterventionFolder(narrow, encode(intervention('stories260K', new Map([['1.attn', randomMap(32, 5)]]))));
  const args = ['generate', '--model', STORIES, '--prompt', 'Lily was sad', '--max-new-tokens', '8', '--greedy', '--ignore-eos', '--json'];
  // b names another model id: refused unless --allow-other-model (cli/model-check.ts), then reported in warnings.
  const r = await cli([...args, '--intervention', a, '--strength', '0.5', '--intervention', b, '--strength', '1.5', '--allow-other-model']);
  expect(r.code, JSON.stringify(r.json)).toBe(0);
  const j = r.json as {
    interventions: { intervention: string; strength: number; hooks: string[] }[];
    hooks: string[];
    hookInterventions: number[];
    strengths: { values: number[]; perIntervention: number[] }[];
    promptTokenIds: number[];
    tokenIds: number[];
    warnings: string[];
  };
  expect(j.interventions.map((i) => [i.intervention, i.strength, i.hooks])).toEqual([
    [a, 0.5, ['1.attn', '2.mlp']],
    [b, 1.5, ['1.attn', '3.mlp']],
  ]);
  expect(j.hooks).toEqual(['1.attn', '1.attn', '3.mlp']);
  expect(j.hookInterventions).toEqual([0, 1, 1]);
  for (const s of j.strengths) expect(s.perIntervention[1]).toBeCloseTo(s.values[1] + s.values[2], 6);
  expect(j.warnings).toEqual([`intervention 2 (${b}) was made for model "another-model"; the loaded model is "stories260K"`]);
  // The float64 CPU forward with both, in that order.
  const { spec, weights } = await loadCpuWeights(STORIES);
  const steering = [
    { maps: new Map(A), lambda: 0.5 },
    { maps: new Map(B), lambda: 1.5 },
  ];
  expect(j.tokenIds).toEqual(cpuGreedy(spec, weights, j.promptTokenIds, 8, { steering }));
  expect(j.tokenIds, 'the two together steer differently from A alone').not.toEqual(cpuGreedy(spec, weights, j.promptTokenIds, 8, { steering: steering.slice(0, 1) }));
  const bad = await cli([...args, '--intervention', a, '--intervention', narrow, '--strength', '1']);
  expect(bad.code).toBe(1);
  expect(bad.json.error).toMatch(new RegExp(`^--intervention ${narrow} \\(intervention 2 of 2\\): .*hidden size is 64`));
  fs.rmSync(out, { recursive: true, force: true });
});
