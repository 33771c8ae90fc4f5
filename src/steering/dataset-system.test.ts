// A chat dataset's optional system message: the file format, the hash, and the tokens fitting sees.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTokenizer } from '../model/tokenizer.ts';
import { STORIES260K_DIR } from '../testing/node-paths.ts';
import { tokenizePrompt } from './collect-activations.ts';
import { DatasetError, datasetFileObject, datasetFormat, datasetHash, parseDataset } from './dataset.ts';

const base = { name: 'tutor', source: ['Do it now.'], target: ['Could you do it, please?'], control: ['The bus is late.'] };

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DatasetError) return e.issues;
    throw e;
  }
  throw new Error('expected a DatasetError');
}

describe('the dataset file’s "system"', () => {
  it('is read for a chat dataset, written back, and read again the same (JSON text and parsed objects)', () => {
    const text = JSON.stringify({ ...base, chat: true, system: 'You are a patient tutor.' });
    const ds = parseDataset(text, 'tutor.json');
    expect(ds).toEqual({ ...base, chat: true, system: 'You are a patient tutor.' });
    expect(datasetFormat(ds)).toEqual({ chat: true, system: 'You are a patient tutor.' });
    const again = parseDataset(JSON.stringify(datasetFileObject(ds)), 'tutor.json');
    expect(again).toEqual(ds);
    expect(parseDataset(datasetFileObject(ds), 'tutor.json')).toEqual(ds);
  });

  it('absent or blank means none: old files load as before and write no "system"', () => {
    const old = parseDataset(JSON.stringify({ ...base, chat: true }), 'old.json');
    expect(old).toEqual({ ...base, chat: true });
    expect(old).not.toHaveProperty('system');
    expect(datasetFileObject(old)).not.toHaveProperty('system');
    expect(parseDataset({ ...base, chat: true, system: '  ' }, 'd.json')).not.toHaveProperty('system');
    expect(datasetFormat({ chat: true, system: ' ' })).toEqual({ chat: true });
    // A raw-text dataset has no system message even if an in-memory one carries text.
    expect(datasetFormat({ system: 'Be kind.' })).toEqual({ chat: false });
  });

  it('refuses a non-string, a raw-text dataset’s, and an over-long one, naming the field', () => {
    expect(issuesOf(() => parseDataset({ ...base, chat: true, system: 42 }, 'd.json'))).toEqual(['"system" must be a string (the chat system message), not a number']);
    expect(issuesOf(() => parseDataset({ ...base, chat: true, system: ['a'] }, 'd.json'))).toEqual(['"system" must be a string (the chat system message), not an array']);
    const raw = issuesOf(() => parseDataset({ ...base, system: 'Be kind.' }, 'd.json'));
    expect(raw).toEqual(['"system" is a chat system message, but this is a raw-text dataset: set "chat": true, or remove "system"']);
    expect(issuesOf(() => parseDataset({ ...base, chat: false, system: 'Be kind.' }, 'd.json'))).toEqual(raw);
    expect(issuesOf(() => parseDataset({ ...base, chat: true, system: 'x'.repeat(11) }, 'd.json', { maxPromptChars: 10 }))[0]).toMatch(/^"system" is 11 characters long \(limit 10\)/);
  });

  it('is part of the hash after "chat"; a chat dataset without one hashes as before', async () => {
    const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
    const prompts = '"source":["Do it now."],"target":["Could you do it, please?"],"control":["The bus is late."]';
    expect(await datasetHash({ ...base, chat: true, system: 'Be kind.' })).toBe(sha(`{${prompts},"chat":true,"system":"Be kind."}`));
    expect(await datasetHash({ ...base, chat: true })).toBe(sha(`{${prompts},"chat":true}`));
    expect(await datasetHash({ ...base, chat: true, system: '' })).toBe(sha(`{${prompts},"chat":true}`));
  });
});

describe('the system message reaches the tokens fitting, training and DSAS see', () => {
  const template = "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";
  const tokenizer = async () => {
    const json = JSON.parse(await readFile(path.join(STORIES260K_DIR, 'tokenizer.json'), 'utf8')) as unknown;
    const config = JSON.parse(await readFile(path.join(STORIES260K_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    return createTokenizer(json, { ...config, chat_template: template });
  };

  it('puts the system turn before the user turn, as the template written by hand', async () => {
    const tok = await tokenizer();
    const ds = parseDataset({ ...base, chat: true, system: 'Lily is kind.' }, 'd.json');
    const ids = tokenizePrompt(tok, 'Tom was sad.', datasetFormat(ds));
    expect(ids).toEqual(tok.encode('<|system|>\nLily is kind.</s>\n<|user|>\nTom was sad.</s>\n<|assistant|>\n', false));
    const without = tokenizePrompt(tok, 'Tom was sad.', datasetFormat({ chat: true }));
    expect(without).toEqual(tok.encode('<|user|>\nTom was sad.</s>\n<|assistant|>\n', false));
    expect(ids).not.toEqual(without);
    expect(tok.decode(ids)).toContain('Lily is kind.');
    expect(tok.decode(without)).not.toContain('Lily');
  });

  it('counts the system message in the 128-token limit and says so', async () => {
    const tok = await tokenizer();
    const system = 'Lily was sad and cried all day long. '.repeat(20);
    expect(() => tokenizePrompt(tok, 'Tom was sad.', { chat: true })).not.toThrow();
    expect(() => tokenizePrompt(tok, 'Tom was sad.', { chat: true, system })).toThrow(
      /"Tom was sad\." is \d+ tokens with the chat template and the system message \(which counts too\), over the 128 a dataset prompt may have; shorten it or the system message\./,
    );
  });
});
