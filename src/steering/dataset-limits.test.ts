import { describe, expect, it } from 'vitest';
import { DatasetError, parseDataset } from './dataset.ts';
import { DATASET_LIMITS, datasetCountIssues, datasetTextLimitIssue } from './dataset-limits.ts';

function pairs(n: number): { source: string[]; target: string[] } {
  return { source: Array.from({ length: n }, (_, i) => `sad ${i}`), target: Array.from({ length: n }, (_, i) => `happy ${i}`) };
}

describe('dataset limits', () => {
  it('refuses 20,000 prompt pairs naming the sets and the limit', () => {
    let err: unknown;
    try {
      parseDataset(JSON.stringify(pairs(20_000)), 'big.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    const issues = (err as DatasetError).issues;
    expect(issues).toEqual([
      'the source set has 20,000 prompts; the limit is 5,000 per set (use a sample of them)',
      'the target set has 20,000 prompts; the limit is 5,000 per set (use a sample of them)',
    ]);
  });

  it('accepts a set exactly at the limit', () => {
    const ds = parseDataset(JSON.stringify(pairs(DATASET_LIMITS.maxPromptsPerSet)), 'ok.json');
    expect(ds.source).toHaveLength(5_000);
  });

  it('refuses plain text, CSV and parsed objects over the limits', () => {
    const lines = Array.from({ length: 5_001 }, (_, i) => `line ${i}`).join('\n');
    expect(() => parseDataset(lines, 'p.txt')).toThrow(/source set has 5,001 prompts/);
    const csv = 'source,target\n' + Array.from({ length: 5_001 }, (_, i) => `a${i},b${i}`).join('\n');
    expect(() => parseDataset(csv, 'p.csv')).toThrow(/target set has 5,001 prompts/);
    const small = { maxPromptsPerSet: 10, maxChars: 100 };
    expect(() => parseDataset({ source: ['x'.repeat(60)], target: ['y'.repeat(60)] }, 'o.json', { limits: small })).toThrow(
      /the prompts together are 120 characters long; the limit is 100/,
    );
  });

  it('refuses a file over the character limit before parsing it', () => {
    const text = '{"source":["' + 'a'.repeat(DATASET_LIMITS.maxChars) + '"]}';
    expect(() => parseDataset(text, 'huge.json')).toThrow(/huge\.json: the file is 5,000,015 characters long; the limit is 5,000,000/);
  });

  it('pure checks', () => {
    expect(datasetTextLimitIssue(10)).toBeNull();
    expect(datasetCountIssues({ source: 5_000, target: 0 })).toEqual([]);
    expect(datasetCountIssues({ control: 5_001 })).toHaveLength(1);
  });
});
