import { describe, expect, it } from 'vitest';
import { classifierName, DEFAULT_CLASSIFIER_DRAFT, parseClassifierDraft } from './classifier-settings.ts';
import { runDifferences, scorerName, type EvalRun } from './eval-results.ts';

describe('classifier fields', () => {
  it('default to the SST-2 sentiment model, NEGATIVE → POSITIVE', () => {
    expect(parseClassifierDraft(DEFAULT_CLASSIFIER_DRAFT)).toEqual({
      ok: true,
      value: { model: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english', sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' },
    });
  });

  it('are trimmed; a blank target label is left out', () => {
    expect(parseClassifierDraft({ model: ' Xenova/toxic-bert ', sourceLabel: ' toxic', targetLabel: '  ' })).toEqual({ ok: true, value: { model: 'Xenova/toxic-bert', sourceLabel: 'toxic' } });
  });

  it('name the field of the first problem', () => {
    const bad = (d: Partial<typeof DEFAULT_CLASSIFIER_DRAFT>) => parseClassifierDraft({ ...DEFAULT_CLASSIFIER_DRAFT, ...d });
    expect(bad({ model: ' ' })).toMatchObject({ ok: false, field: 'model', error: expect.stringMatching(/^Classifier model: give a hub id/) });
    expect(bad({ model: 'Xenova/toxic bert' })).toMatchObject({ ok: false, field: 'model', error: 'Classifier model: “Xenova/toxic bert” has a space; a hub id looks like owner/name.' });
    expect(bad({ sourceLabel: '' })).toMatchObject({ ok: false, field: 'sourceLabel' });
    expect(bad({ sourceLabel: 'A', targetLabel: 'A' })).toMatchObject({ ok: false, field: 'targetLabel', error: 'Target label: “A” is the source label too.' });
  });

  it('show in a run’s details, and a different model makes runs differ in their scorer', () => {
    expect(classifierName({ model: 'm', sourceLabel: 'toxic' })).toBe('classifier m (toxic → not toxic)');
    const a = { scorer: 'classifier', classifier: { model: 'm', sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' } };
    expect(scorerName(a)).toBe('classifier m (NEGATIVE → POSITIVE)');
    expect(scorerName({})).toBe('the lexicon');
    expect(scorerName({ scorer: 'vader' })).toBe('VADER');
    const run = (extra: Partial<EvalRun>) => ({ modelId: 'x', datasetName: 'd', prompts: [], neutralCount: 1, lexicon: { source: [], target: [] }, maxNewTokens: 8, sampling: {}, chat: false, ...extra }) as unknown as EvalRun;
    expect(runDifferences([run(a), run(a)])).toEqual([]);
    expect(runDifferences([run(a), run({ ...a, classifier: { ...a.classifier, model: 'n' } })])).toEqual(['scorer']);
  });
});
