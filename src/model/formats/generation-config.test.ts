import { describe, expect, it } from 'vitest';
import { eosIdsOf, generationEosIds } from './generation-config.ts';
import type { ModelFiles } from './model-files.ts';

const files = (text: string | null | Error): ModelFiles => ({
  id: 'm',
  text: async () => {
    if (text instanceof Error) throw text;
    return text;
  },
  range: async () => ({ bytes: new Uint8Array(), size: 0 }),
  stream: async () => new Blob([]).stream(),
});

describe('generation_config.json end tokens', () => {
  it('reads one id or a list (Qwen2.5-Instruct lists <|im_end|> and <|endoftext|>)', async () => {
    expect(eosIdsOf({ eos_token_id: 2 })).toEqual([2]);
    expect(await generationEosIds(files(JSON.stringify({ bos_token_id: 151643, eos_token_id: [151645, 151643] })), null)).toEqual([151645, 151643]);
  });
  it('adds nothing when the file is absent, unlisted, unreadable or not JSON', async () => {
    expect(await generationEosIds(files(null), null)).toEqual([]);
    expect(await generationEosIds(files('{"eos_token_id": 7}'), ['config.json'])).toEqual([]);
    expect(await generationEosIds(files(new Error('offline')), null)).toEqual([]);
    expect(await generationEosIds(files('not json'), null)).toEqual([]);
    expect(eosIdsOf({ eos_token_id: ['x', -1, 1.5] })).toEqual([]);
  });
});
