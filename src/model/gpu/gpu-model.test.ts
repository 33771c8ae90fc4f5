import { describe, expect, it } from 'vitest';
import { defaultChunk } from './gpu-model.ts';

describe('defaultChunk', () => {
  it('keeps 128-token chunks when the chunk scratch is small next to weights + KV', () => {
    expect(defaultChunk(20_000, 280e6, 2048)).toBe(128);
  });
  it('halves the chunk for a tiny model (stories260K: 64 wide, ~1.4 MB of weights + KV)', () => {
    expect(defaultChunk(2148, 1_388_288, 272)).toBe(64);
  });
  it('never goes below 16 tokens, nor far above the context', () => {
    expect(defaultChunk(1e6, 1000, 2048)).toBe(16);
    expect(defaultChunk(10, 1e9, 20)).toBe(32);
  });
});
