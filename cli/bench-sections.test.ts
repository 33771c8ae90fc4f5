import { describe, expect, it } from 'vitest';
import { parseSections } from './bench-sections.ts';

describe("the bench's --sections", () => {
  it('defaults to decode and training, which need no GGUF file', () => {
    expect([...parseSections(undefined, undefined)]).toEqual(['decode', 'training']);
  });

  it('takes the GGUF sections with --gguf, trimming spaces and dropping repeats', () => {
    expect([...parseSections(' engine-gguf , wllama,engine-gguf', 'f.gguf')]).toEqual(['engine-gguf', 'wllama']);
  });

  it('refuses a GGUF section without --gguf, naming it', () => {
    expect(() => parseSections('decode,engine-gguf', undefined)).toThrow(/--sections engine-gguf needs --gguf/);
    expect(() => parseSections('wllama', undefined)).toThrow(/--sections wllama needs --gguf/);
  });

  it('refuses an unknown section and an empty list', () => {
    expect(() => parseSections('decode,engine', 'f.gguf')).toThrow(/got "engine"/);
    expect(() => parseSections(' , ', undefined)).toThrow(/got nothing/);
  });
});
