import { describe, expect, it } from 'vitest';
import { benchCommand, defaultLengths, parseSections } from './bench-sections.ts';

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

describe("the bench's command line in its JSON", () => {
  const values = { models: 'a,b', gguf: 'f.gguf', 'prompt-tokens': 16, 'new-tokens': 8, rounds: 5, 'train-reps': 3, 'wllama-rounds': 3, 'gguf-rounds': 6 };
  it('has only the flags its sections read', () => {
    expect(benchCommand(parseSections('engine-gguf,wllama', 'f.gguf'), values)).toBe('npm run bench -- --sections engine-gguf,wllama --gguf f.gguf --prompt-tokens 16 --new-tokens 8 --wllama-rounds 3 --gguf-rounds 6');
    expect(benchCommand(parseSections('training', undefined), values)).toBe('npm run bench -- --sections training --models a,b --train-reps 3');
    expect(benchCommand(parseSections('decode', undefined), values)).toBe('npm run bench -- --sections decode --models a,b --prompt-tokens 16 --new-tokens 8 --rounds 5');
  });
});

describe("the bench's default lengths", () => {
  it('are 128 + 128 with the decode section, 16 + 8 for GGUF sections alone', () => {
    expect(defaultLengths(parseSections(undefined, undefined))).toEqual({ promptTokens: 128, newTokens: 128 });
    expect(defaultLengths(parseSections('decode,engine-gguf', 'f.gguf'))).toEqual({ promptTokens: 128, newTokens: 128 });
    expect(defaultLengths(parseSections('engine-gguf,wllama', 'f.gguf'))).toEqual({ promptTokens: 16, newTokens: 8 });
  });
});
