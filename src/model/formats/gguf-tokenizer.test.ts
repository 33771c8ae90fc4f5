import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createTokenizer } from '../tokenizer.ts';
import { SHARED_DIR, STORIES260K_DIR } from '../../testing/node-paths.ts';
import { readGguf } from './gguf.ts';
import { GgufMeta } from './gguf-model.ts';
import { ggufTokenizer } from './gguf-tokenizer.ts';

const TEXTS = [
  'Once upon a time',
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.',
  '  two leading spaces, and  double  spaces inside ',
  'Tabs\tand\nnewlines\n\nand a trailing newline\n',
  'Digits 0123456789 and 3.14159, 1,000,000 and -42',
  'Unicode: café, naïve, Ünïcödé, 日本語, emoji 🙂🚀, ß, Ω',
  "Punctuation!?;:'\"()[]{}<>@#$%^&*_+=|\\/~`",
  'Lily said, "I am sad." Then she smiled.',
  'a',
  '',
  '<s> literal bos text </s> and <unk>',
];

async function storiesTokenizers() {
  const bytes = new Uint8Array(await readFile(path.join(SHARED_DIR, 'models/stories260K-gguf/stories260K-f32.gguf')));
  const fromGguf = ggufTokenizer(new GgufMeta(readGguf(bytes), 'stories260K-f32.gguf'));
  const json = JSON.parse(await readFile(path.join(STORIES260K_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const config = JSON.parse(await readFile(path.join(STORIES260K_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  return { fromGguf, gguf: await createTokenizer(fromGguf.json, fromGguf.config), hf: await createTokenizer(json, config), json };
}

describe('tokenizer from GGUF metadata', () => {
  it('stories260K (SentencePiece with scores, byte fallback): the same ids as its tokenizer.json', async () => {
    const { gguf, hf } = await storiesTokenizers();
    for (const text of TEXTS) {
      expect(gguf.encode(text), JSON.stringify(text)).toEqual(hf.encode(text));
      expect(gguf.encode(text, false), JSON.stringify(text)).toEqual(hf.encode(text, false));
      const ids = hf.encode(text);
      expect(gguf.decode(ids)).toBe(hf.decode(ids));
    }
    expect(gguf.encode('Once upon a time')).toEqual([1, 403, 407, 261, 378]);
    expect(gguf.bosTokenId).toBe(1);
    expect(gguf.eosTokenIds).toEqual([2]);
  });

  it('derives the same merges, in the same order, as the converted tokenizer.json', async () => {
    const { fromGguf, json } = await storiesTokenizers();
    const model = (fromGguf.json.model ?? {}) as { merges: string[][]; vocab: Record<string, number> };
    const want = (json.model as { merges: string[][]; vocab: Record<string, number> });
    expect(model.vocab).toEqual(want.vocab);
    expect(model.merges).toEqual(want.merges);
  });
});
