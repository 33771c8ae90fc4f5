import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMA, recordProblem, skippedNotice, splitReadable } from './record-checks.ts';

const dataset = { id: 'd1', name: 'Reviews', description: '', source: ['bad'], target: ['good'], control: [], saved: '2026-12-01T00:00:00Z' };
const intervention = {
  id: 'i1', name: 'Happy', modelId: 'stories260K', method: 'mean', dsas: true, hooks: ['0.attn'], datasetName: null,
  created: '', saved: '2026-12-01T00:00:00Z', metrics: {}, manifest: '{}', tensors: new ArrayBuffer(8),
};

describe('recordProblem', () => {
  it('accepts records as this build writes them, and those from before there was a schema field', () => {
    expect(recordProblem('datasets', dataset)).toBeNull();
    expect(recordProblem('datasets', { ...dataset, schema: RECORD_SCHEMA, lexicon: { source: ['sad'], target: ['glad'] } })).toBeNull();
    expect(recordProblem('datasets', { ...dataset, chat: true, system: 'You are a tutor.' })).toBeNull();
    expect(recordProblem('interventions', intervention)).toBeNull();
  });

  it('names the first thing wrong', () => {
    const { saved: _saved, ...noSaved } = dataset;
    expect(recordProblem('datasets', noSaved)).toBe('no “saved”');
    expect(recordProblem('datasets', { ...dataset, source: 'bad' })).toBe('“source” is not a list of texts');
    expect(recordProblem('datasets', { ...dataset, lexicon: 3 })).toBe('“lexicon” is not a pair of word lists');
    expect(recordProblem('datasets', { ...dataset, chat: true, system: ['Be kind.'] })).toBe('“system” is not text');
    expect(recordProblem('interventions', { ...intervention, tensors: 'AAAA' })).toBe('“tensors” is not binary data');
    expect(recordProblem('interventions', { ...intervention, id: '' })).toBe('no id');
    expect(recordProblem('evaluations', { id: 'e', number: 1.5 })).toBe('“number” is not a run number');
    expect(recordProblem('datasets', null)).toBe('not a record');
    expect(recordProblem('datasets', { ...dataset, schema: RECORD_SCHEMA + 1 })).toMatch(/^saved by a newer version of Steerscope/);
  });
});

describe('splitReadable and skippedNotice', () => {
  it('keeps the good ones in order and lists the others', () => {
    const bad = { id: 'd2', name: 'Broken', source: [] };
    const { records, skipped } = splitReadable('datasets', [dataset, bad, 7]);
    expect(records).toEqual([dataset]);
    expect(skipped).toEqual([
      { store: 'datasets', id: 'd2', name: 'Broken', problem: 'no “target”' },
      { store: 'datasets', id: '?', name: null, problem: 'not a record' },
    ]);
    expect(skippedNotice(skipped)).toBe(
      "2 saved records could not be read and are not shown (dataset “Broken”: no “target”; dataset ?: not a record). They stay in this browser's storage.",
    );
    expect(skippedNotice([])).toBeNull();
  });
});
