import { describe, expect, it } from 'vitest';
import type { EvalPoint } from '../engine/protocol.ts';
import { curvesOf, mergeRuns, nextRunNumber, runDifferences, runName, runsJson, utilityOf, type EvalRun } from './eval-results.ts';
import { DEFAULT_EVAL_SETTINGS, parseEvalSettings, parseLambdas } from './eval-settings.ts';

const point = (lambda: number, gated: boolean, effect: number): EvalPoint => ({
  lambda,
  gated,
  effect,
  targetShare: 1 - effect,
  neutralPerplexity: 10 + lambda,
  generationPerplexity: 20 + lambda,
  meanStrength: gated ? 0.5 : null,
  continuations: [`c${lambda}`],
});

const run = (number: number, name: string, points: EvalPoint[], change: Partial<EvalRun> = {}): EvalRun => ({
  id: `key-${number}`,
  number,
  name,
  method: 'mean',
  modelId: 'stories260K',
  hasGates: true,
  datasetName: 'Sad → happy',
  prompts: ['p'],
  neutralCount: 20,
  lexicon: { source: ['sad'], target: ['happy'] },
  lambdas: [0, 1],
  gates: 'both',
  maxNewTokens: 24,
  sampling: { greedy: false, temperature: 1, topP: 0.3, topK: 0, repetitionPenalty: 1.2, seed: 0 },
  chat: false,
  points,
  aborted: false,
  evalMs: 1000,
  at: '2026-01-01T00:00:00.000Z',
  ...change,
});

describe('curvesOf', () => {
  it('splits a run into a gated and an ungated curve, each in λ order, named by the intervention', () => {
    const r = run(1, 'Mean-AcT + DSAS', [point(1, true, 0.2), point(0, true, 0.8), point(0, false, 0.8), point(1, false, 0.5)]);
    const c = curvesOf([r]);
    expect(c.map((x) => x.label)).toEqual(['Mean-AcT + DSAS · gated', 'Mean-AcT + DSAS · ungated']);
    expect(c[0].points.map((p) => p.lambda)).toEqual([0, 1]);
    expect(c[1].points.map((p) => [p.lambda, p.effect])).toEqual([
      [0, 0.8],
      [1, 0.5],
    ]);
    expect(c.map((x) => x.runIndex)).toEqual([0, 0]);
  });

  it('makes one curve per gate setting present, none for an empty run, and numbers runs with the same name', () => {
    const a = run(1, 'X', [point(0, false, 1)]);
    const b = run(2, 'X', [point(0, true, 1)]);
    const empty = run(3, 'Y', []);
    const c = curvesOf([a, b, empty]);
    expect(c.map((x) => x.label)).toEqual(['X (run 1) · ungated', 'X (run 2) · gated']);
    expect(c.map((x) => x.runIndex)).toEqual([0, 1]);
    expect(runName(empty, [a, b, empty])).toBe('Y');
  });
});

describe('runDifferences', () => {
  it('names what differs between runs, nothing for one run or equal settings', () => {
    const a = run(1, 'A', []);
    expect(runDifferences([a])).toEqual([]);
    expect(runDifferences([a, run(2, 'B', [], { method: 'linear-act' })])).toEqual([]);
    expect(runDifferences([a, run(2, 'B', [], { maxNewTokens: 8, prompts: ['p', 'q'] })])).toEqual(['prompts', 'new tokens']);
    expect(runDifferences([a, run(2, 'B', [], { sampling: { ...a.sampling, seed: 1 } })])).toEqual(['sampling']);
    expect(runDifferences([a, run(2, 'B', [], { chat: true, system: 'Be kind.' })])).toEqual(['chat template', 'system message']);
    expect(runDifferences([run(1, 'A', [], { chat: true }), run(2, 'B', [], { chat: true, system: '' })])).toEqual([]);
  });
});

describe('utility and JSON', () => {
  it('reads the chosen perplexity and writes every run', () => {
    const p = point(0.5, true, 0.3);
    expect(utilityOf(p, 'neutral')).toBe(10.5);
    expect(utilityOf(p, 'generation')).toBe(20.5);
    const doc = JSON.parse(runsJson([run(1, 'A', [p])])) as { kind: string; runs: EvalRun[] };
    expect(doc.kind).toBe('steerscope-evaluation');
    expect(doc.runs[0].points[0]).toEqual(p);
    expect([doc.runs[0].id, doc.runs[0].number]).toEqual(['key-1', 1]);
  });
});

describe('saved runs', () => {
  it('merges the saved runs with those on screen once each, in run-number order', () => {
    const saved = [run(4, 'D', []), run(2, 'B', [])];
    const shown = [run(7, 'G', []), { ...saved[0] }];
    expect(mergeRuns(saved, shown).map((r) => r.id)).toEqual(['key-2', 'key-4', 'key-7']);
    expect(mergeRuns([], shown).map((r) => r.number)).toEqual([4, 7]);
    expect(mergeRuns(saved, [])).toHaveLength(2);
  });

  it('numbers a new run after every run kept and every number handed out before (never reused)', () => {
    expect(nextRunNumber([], 0)).toBe(1);
    expect(nextRunNumber([run(2, 'B', []), run(5, 'E', [])], 0)).toBe(6);
    // After Clear and a reload: nothing kept, but numbers up to 5 were handed out.
    expect(nextRunNumber([], 5)).toBe(6);
    expect(nextRunNumber([run(3, 'C', [])], 9)).toBe(10);
  });
});

describe('evaluation settings', () => {
  it('accepts the defaults: λ 0…1 in quarters, 24 tokens, 8 prompts, the papers’ sampling', () => {
    const r = parseEvalSettings(DEFAULT_EVAL_SETTINGS, { sourceCount: 20, maxContext: 512 });
    expect(r).toEqual({
      ok: true,
      value: { lambdas: [0, 0.25, 0.5, 0.75, 1], maxNewTokens: 24, promptCount: 8, sampling: { greedy: false, temperature: 1, topP: 0.3, topK: 0, repetitionPenalty: 1.2, seed: 0 } },
    });
  });

  it('reads λ lists with commas or spaces, drops repeats, refuses out-of-range values and words', () => {
    expect(parseLambdas('0 0.5,1; 0.5')).toEqual({ ok: true, value: [0, 0.5, 1] });
    expect(parseLambdas('')).toMatchObject({ ok: false });
    expect(parseLambdas('0, 5')).toEqual({ ok: false, error: 'λ values: “5” is not a number from 0 to 4.' });
    expect(parseLambdas('0, -1')).toMatchObject({ ok: false });
    expect(parseLambdas('0, strong')).toMatchObject({ ok: false });
  });

  it('names every bad field', () => {
    const r = parseEvalSettings(
      { lambdas: 'x', newTokens: '0', prompts: '30', seed: '-1', temperature: '0', topP: '1.5', repetitionPenalty: 'none' },
      { sourceCount: 20, maxContext: 512 },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(['lambdas', 'newTokens', 'prompts', 'repetitionPenalty', 'seed', 'temperature', 'topP']);
    expect(r.errors.prompts).toBe('Prompts: a whole number from 1 to 20 (the dataset’s source prompts).');
  });

  it('caps new tokens by the context and prompts by the dataset', () => {
    expect(parseEvalSettings({ ...DEFAULT_EVAL_SETTINGS, newTokens: '64' }, { sourceCount: 20, maxContext: 64 })).toMatchObject({ ok: false, errors: { newTokens: 'New tokens: a whole number from 1 to 63.' } });
    expect(parseEvalSettings(DEFAULT_EVAL_SETTINGS, { sourceCount: 0 })).toMatchObject({ ok: false, errors: { prompts: 'Prompts: the dataset has no source prompts.' } });
    expect(parseEvalSettings({ ...DEFAULT_EVAL_SETTINGS, prompts: '3' }, { sourceCount: 3 }).ok).toBe(true);
  });
});

describe('held interventions of a run', () => {
  it('says which were held, at which λ and gate switch; nothing when none', async () => {
    const { heldText } = await import('./eval-results.ts');
    expect(heldText(undefined)).toBe('');
    expect(heldText([])).toBe('');
    expect(
      heldText([
        { label: 'calm (Mean-AcT)', modelId: 'm', hookCount: 1, strength: 0.5, useGate: true },
        { label: 'polite (Linear-AcT + DSAS)', modelId: 'm', hookCount: 10, strength: 1.5, useGate: false },
      ]),
    ).toBe('holding calm (Mean-AcT) at λ 0.5 (1 hook); polite (Linear-AcT + DSAS) at λ 1.5, gates off (10 hooks)');
  });
  it('runs holding different interventions differ in that', () => {
    const a = run(1, 'x', [point(0, false, 0.5)]);
    const b = run(2, 'x', [point(0, false, 0.5)], { held: [{ label: 'y', modelId: 'm', hookCount: 1, strength: 1, useGate: true }] });
    expect(runDifferences([a, b])).toEqual(['held interventions']);
    expect(runDifferences([a, { ...a, id: 'k', number: 3, held: [] }]), 'absent (an older run) and none are the same').toEqual([]);
  });
});
