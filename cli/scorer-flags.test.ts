import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scorerLoadLine } from './eval.ts';
import { scorerParams } from './scorer-flags.ts';

const LEX = { source: ['sad'], target: ['happy'] };
/** `lexicon` null: the dataset has none. */
const parse = (flags: Record<string, string>, lexicon: typeof LEX | null = LEX, mounts: Record<string, string> = {}) => scorerParams(flags, lexicon ?? undefined, 'd.json', mounts);

describe('eval scorer flags', () => {
  it('defaults to the lexicon, which needs the dataset’s word lists', () => {
    expect(parse({})).toEqual({ scorer: 'lexicon', lexicon: LEX });
    expect(() => parse({}, null)).toThrow('d.json: the dataset needs a "lexicon"');
    expect(() => parse({ scorer: 'bert' })).toThrow('--scorer must be one of lexicon, vader, classifier, got "bert"');
  });

  it('reads --vader-source only with --scorer vader', () => {
    expect(parse({ scorer: 'vader' }, null)).toEqual({ scorer: 'vader', vaderSource: 'negative' });
    expect(parse({ scorer: 'vader', 'vader-source': 'positive' })).toEqual({ scorer: 'vader', lexicon: LEX, vaderSource: 'positive' });
    expect(() => parse({ scorer: 'vader', 'vader-source': 'up' })).toThrow('--vader-source must be negative or positive, got "up"');
    expect(() => parse({ 'vader-source': 'positive' })).toThrow('--vader-source goes with --scorer vader');
  });

  it('gives the default sentiment classifier with its labels, or the model and labels given', () => {
    expect(parse({ scorer: 'classifier' }, null)).toEqual({
      scorer: 'classifier',
      classifier: { model: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english', sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' },
    });
    expect(parse({ scorer: 'classifier', 'classifier-model': 'Xenova/toxic-bert', 'source-label': 'toxic' }, null)).toEqual({
      scorer: 'classifier',
      classifier: { model: 'Xenova/toxic-bert', sourceLabel: 'toxic' },
    });
    expect(parse({ scorer: 'classifier', 'source-label': 'POSITIVE', 'target-label': 'NEGATIVE' }, null).classifier).toEqual({
      model: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
      sourceLabel: 'POSITIVE',
      targetLabel: 'NEGATIVE',
    });
    // Another model's labels are its own: the source label must be given.
    expect(() => parse({ scorer: 'classifier', 'classifier-model': 'Xenova/toxic-bert' })).toThrow('--source-label is required with --classifier-model');
    expect(() => parse({ scorer: 'classifier', 'source-label': 'A', 'target-label': 'A' })).toThrow('--target-label is the source label "A" too');
    expect(() => parse({ 'classifier-model': 'Xenova/toxic-bert' })).toThrow('--classifier-model goes with --scorer classifier');
    expect(() => parse({ scorer: 'vader', 'target-label': 'x' })).toThrow('--target-label goes with --scorer classifier');
  });

  it('mounts a local classifier folder on the dev server under its name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerscope-clf-'));
    const folder = path.join(dir, 'my-classifier');
    fs.mkdirSync(folder);
    const mounts: Record<string, string> = {};
    const p = parse({ scorer: 'classifier', 'classifier-model': folder, 'source-label': 'NEGATIVE', 'target-label': 'POSITIVE' }, null, mounts);
    expect(p.classifier).toEqual({ model: 'my-classifier', sourceLabel: 'NEGATIVE', targetLabel: 'POSITIVE' });
    expect(mounts).toEqual({ 'my-classifier': folder });
    expect(() => parse({ scorer: 'classifier', 'classifier-model': './no/such/folder', 'source-label': 'x' })).toThrow('no such folder: ./no/such/folder');
  });

  it('prints the classifier download in MB', () => {
    expect(scorerLoadLine({ what: 'classifier m', loaded: 12_345_678, total: 67_000_000 })).toBe('loading classifier m: 12.3 of 67.0 MB');
    expect(scorerLoadLine({ what: 'classifier m', loaded: 0, total: 0 })).toBe('loading classifier m: starting');
  });
});
