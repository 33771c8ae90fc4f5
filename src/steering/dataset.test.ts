import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SAD_TO_HAPPY_PATH } from '../testing/node-paths.ts';
import { parseCsv } from './csv.ts';
import { datasetFormat, datasetHash, parseDataset } from './dataset.ts';
import { datasetIssues } from '../testing/dataset-issues.ts';

describe('parseDataset', () => {
  it('reads the shared sad_to_happy.json (32 / 32 / 32)', () => {
    const text = readFileSync(SAD_TO_HAPPY_PATH, 'utf8');
    const ds = parseDataset(text, 'sad_to_happy.json');
    expect(ds.name).toBe('sad-to-happy');
    expect([ds.source.length, ds.target.length, ds.control.length]).toEqual([32, 32, 32]);
    expect(ds.source[0]).toBe('Lily was very sad. Lily cried because the toy was broken.');
    expect(ds.lexicon?.source).toContain('sad');
    expect(ds.description).toMatch(/sad to happy/);
    // An already-parsed object gives the same result.
    expect(parseDataset(JSON.parse(text), 'x.json')).toEqual(ds);
  });

  it('reads CSV with quoted fields, escaped quotes, commas, newlines and ragged columns', () => {
    const csv = [
      'target,Source,control',
      '"She smiled, happy.","He said ""no"" and cried.",The sky is blue.',
      'Happy day!,"Sad\nnight.",',
      ',Lost the ball.,',
      '',
    ].join('\r\n');
    const ds = parseDataset(csv, 'data/set.csv');
    expect(ds.name).toBe('set');
    expect(ds.source).toEqual(['He said "no" and cried.', 'Sad\nnight.', 'Lost the ball.']);
    expect(ds.target).toEqual(['She smiled, happy.', 'Happy day!']);
    expect(ds.control).toEqual(['The sky is blue.']);
  });

  it('reads plain text one prompt per line into the chosen set', () => {
    const ds = parseDataset('\uFEFFfirst one\r\n\n  second  \nthird\n', 'prompts.txt', { singleSet: 'control' });
    expect(ds.control).toEqual(['first one', 'second', 'third']);
    expect(ds.source).toEqual([]);
    expect(ds.name).toBe('prompts');
    expect(parseDataset('a\nb', 'p.txt').source).toEqual(['a', 'b']);
  });

  it('reports every problem: empty sets, duplicates (naming them), long prompts, non-strings', () => {
    const issues = datasetIssues(() =>
      parseDataset(
        { source: ['a', 'b', 'a', 7, '  ', 'x'.repeat(30)], target: [], control: ['b', null] },
        'bad.json',
        { maxPromptChars: 20 },
      ),
    );
    expect(issues).toContain('the target set is empty');
    expect(issues).toContain('source[3] is a number, expected a string');
    expect(issues).toContain('source[4] is blank');
    expect(issues).toContain('control[1] is null, expected a string');
    expect(issues.some((m) => m.startsWith('source[5] is 30 characters long (limit 20)'))).toBe(true);
    expect(issues).toContain('duplicate source prompt "a" at source[0], source[2]');
    expect(issues).toContain('prompt "b" appears in several sets: source (source[1]), control (control[0])');
    expect(datasetIssues(() => parseDataset('one\ntwo\none\n', 'p.txt'))).toEqual(['duplicate source prompt "one" at line 1, line 3']);
    expect(datasetIssues(() => parseDataset('\n \n', 'p.txt'))).toEqual(['the source set is empty']);
    expect(datasetIssues(() => parseDataset('{"source": ["a"]', 'p.json'))[0]).toMatch(/not valid JSON/);
    expect(datasetIssues(() => parseDataset('source,extra\n"a,b', 'p.csv'))[0]).toMatch(/unterminated quoted field/);
    expect(datasetIssues(() => parseDataset('source,extra\na,b\n', 'p.csv'))).toEqual([
      'unknown CSV column "extra" (expected source, target, control)',
      'the target set is empty',
    ]);
    expect(() => parseDataset({ source: 'a', target: ['b'] }, 'p.json')).toThrow(/"source" must be an array of strings/);
  });
});

describe('datasetHash', () => {
  it('is the SHA-256 of the canonical JSON of the three sets', async () => {
    const ds = { name: 'n', source: ['a', 'é'], target: ['b'], control: [] };
    const canonical = '{"source":["a","é"],"target":["b"],"control":[]}';
    const expected = createHash('sha256').update(canonical, 'utf8').digest('hex');
    expect(await datasetHash(ds)).toBe(expected);
    expect(await datasetHash({ ...ds, name: 'other' })).toBe(expected);
    expect(await datasetHash({ ...ds, target: ['c'] })).not.toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells a chat dataset from the same prompts as raw text ("chat":true last)', async () => {
    const ds = { name: 'n', source: ['a'], target: ['b'], control: [] };
    const chat = createHash('sha256').update('{"source":["a"],"target":["b"],"control":[],"chat":true}', 'utf8').digest('hex');
    expect(await datasetHash({ ...ds, chat: true })).toBe(chat);
    expect(await datasetHash({ ...ds, chat: false })).toBe(await datasetHash(ds));
  });
});

describe('chat datasets', () => {
  it('reads "chat": true from JSON, leaves it off otherwise, and refuses a non-boolean', () => {
    expect(parseDataset({ source: ['a'], target: ['b'], chat: true }, 'd.json')).toMatchObject({ chat: true });
    expect(parseDataset({ source: ['a'], target: ['b'], chat: false }, 'd.json').chat).toBeUndefined();
    expect(parseDataset({ source: ['a'], target: ['b'] }, 'd.json').chat).toBeUndefined();
    expect(() => parseDataset({ source: ['a'], target: ['b'], chat: 'yes' }, 'd.json')).toThrow(/"chat" must be true or false/);
    expect(datasetFormat({ chat: true })).toEqual({ chat: true });
    expect(datasetFormat({})).toEqual({ chat: false });
  });
});

describe('parseCsv', () => {
  it('splits records and unescapes quotes', () => {
    expect(parseCsv('a,"b,""c"""\n"x\r\ny",\n')).toEqual([
      ['a', 'b,"c"'],
      ['x\r\ny', ''],
    ]);
    expect(() => parseCsv('a"b')).toThrow(/stray quote/);
  });
});
