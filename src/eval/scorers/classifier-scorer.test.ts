import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_DIR } from '../../testing/node-paths.ts';
import { buildTinyClassifier, tinyPositive } from '../../testing/tiny-classifier.node.ts';
import type { EvalParams } from '../types.ts';
import { classifierLabel, classifierScorerKind, setClassifierSources } from './classifier-scorer.ts';
import type { ScorerLoadProgress, TextScorer } from './scorer.ts';

const ROOT = path.join(CACHE_DIR, 'classifier-test');
const params = (classifier: EvalParams['classifier']) => ({ scorer: 'classifier', classifier }) as EvalParams;

const SENTENCES = ['good good bad', 'Terrible. Just terrible!', 'It was GREAT, not bad.', 'The weather today.', '', 'good bad'];

describe('classifier scorer (tiny bag-of-words model built by tools/tiny_classifier.py)', () => {
  beforeAll(() => {
    fs.rmSync(ROOT, { recursive: true, force: true });
    buildTinyClassifier(path.join(ROOT, 'tiny-classifier'));
    fs.mkdirSync(path.join(ROOT, 'broken/onnx'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'tiny-classifier/config.json'), path.join(ROOT, 'broken/config.json'));
    fs.copyFileSync(path.join(ROOT, 'tiny-classifier/tokenizer.json'), path.join(ROOT, 'broken/tokenizer.json'));
    fs.copyFileSync(path.join(ROOT, 'tiny-classifier/tokenizer_config.json'), path.join(ROOT, 'broken/tokenizer_config.json'));
    fs.writeFileSync(path.join(ROOT, 'broken/onnx/model_quantized.onnx'), 'this is not an ONNX graph');
    setClassifierSources({ localModelPath: ROOT + path.sep, allowRemoteModels: false });
  });
  afterAll(() => setClassifierSources({}));

  it('gives the hand-computed P(POSITIVE) and labels by the more probable side, reporting the load', async () => {
    const loads: ScorerLoadProgress[] = [];
    const s = (await classifierScorerKind.create(params({ model: 'tiny-classifier', sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' }), {
      onLoad: (p) => loads.push(p),
    })) as TextScorer;
    for (const t of SENTENCES) {
      const want = tinyPositive(t);
      const r = await s.score(t);
      expect(r.value, t).toBeCloseTo(want, 6);
      expect(r.label, t).toBe(want > 0.5 ? 'target' : 'source');
    }
    // e.g. "good good bad": σ(2 − 1.25) = 0.679; the empty text: σ(−0.25) = 0.438.
    expect((await s.score('good good bad')).value).toBeCloseTo(0.6791787, 6);
    expect((await s.score('')).value).toBeCloseTo(0.4378235, 6);
    const last = loads.at(-1)!;
    expect(last.what).toBe('classifier tiny-classifier');
    const bytes = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'].reduce((a, f) => a + fs.statSync(path.join(ROOT, 'tiny-classifier', f)).size, 0);
    expect(last.loaded).toBe(bytes);
    expect(last.total).toBe(bytes);
  });

  it('swaps the sides when the source label is POSITIVE, and uses 1 − P(source) without a target label', async () => {
    const swapped = (await classifierScorerKind.create(params({ model: 'tiny-classifier', sourceLabel: 'POSITIVE', targetLabel: 'NEGATIVE' }))) as TextScorer;
    const only = (await classifierScorerKind.create(params({ model: 'tiny-classifier', sourceLabel: 'POSITIVE' }))) as TextScorer;
    for (const t of SENTENCES) {
      const pos = tinyPositive(t);
      const a = await swapped.score(t);
      const b = await only.score(t);
      expect(a.value, t).toBeCloseTo(1 - pos, 6);
      expect(a.label, t).toBe(pos > 0.5 ? 'source' : 'target');
      expect(b.value, t).toBeCloseTo(1 - pos, 6);
      expect(b.label, t).toBe(a.label);
    }
  });

  it('names the model and the reason when it cannot load, or lacks a label', async () => {
    await expect(classifierScorerKind.create(params({ model: 'no-such-model', sourceLabel: 'NEGATIVE' }))).rejects.toThrow(/Could not load the classifier “no-such-model”: .+/);
    await expect(classifierScorerKind.create(params({ model: 'broken', sourceLabel: 'NEGATIVE' }))).rejects.toThrow(/Could not load the classifier “broken”: .+/);
    await expect(classifierScorerKind.create(params({ model: 'tiny-classifier', sourceLabel: 'toxic' }))).rejects.toThrow(
      'The classifier “tiny-classifier” has no label “toxic”; its labels are “NEGATIVE”, “POSITIVE”.',
    );
    // The failures leave the working model usable.
    const s = (await classifierScorerKind.create(params({ model: 'tiny-classifier', sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' }))) as TextScorer;
    expect((await s.score('great')).value).toBeCloseTo(tinyPositive('great'), 6);
  });

  it('checks the classifier parameters by field', () => {
    const check = (c: unknown) => () => classifierScorerKind.check({ classifier: c } as EvalParams);
    expect(check(undefined)).not.toThrow();
    expect(check({ model: '', sourceLabel: 'A' })).toThrow(/^classifier\.model/);
    expect(check({ model: 'm', sourceLabel: 3 })).toThrow(/^classifier\.sourceLabel/);
    expect(check({ model: 'm', sourceLabel: 'A', targetLabel: 'A' })).toThrow(/^classifier\.targetLabel/);
    expect(check('m')).toThrow(/^classifier must/);
  });

  it('labels a multi-label model by probability ½ and a single-label one by its most probable label', () => {
    const c = { model: 'm', sourceLabel: 'toxic' };
    expect(classifierLabel({ probs: new Map([['toxic', 0.5], ['insult', 0.9]]), multiLabel: true }, c)).toBe('source');
    expect(classifierLabel({ probs: new Map([['toxic', 0.49], ['insult', 0.9]]), multiLabel: true }, c)).toBe('target');
    const three = { model: 'm', sourceLabel: 'negative', targetLabel: 'positive' };
    expect(classifierLabel({ probs: new Map([['negative', 0.3], ['neutral', 0.45], ['positive', 0.25]]), multiLabel: false }, three)).toBe('neutral');
    expect(classifierLabel({ probs: new Map([['negative', 0.2], ['neutral', 0.3], ['positive', 0.5]]), multiLabel: false }, three)).toBe('target');
    expect(classifierLabel({ probs: new Map([['toxic', 0.4], ['insult', 0.6]]), multiLabel: true }, { ...c, targetLabel: 'insult' })).toBe('target');
    expect(classifierLabel({ probs: new Map([['toxic', 0.4], ['insult', 0.3]]), multiLabel: true }, { ...c, targetLabel: 'insult' })).toBe('neutral');
  });
});
