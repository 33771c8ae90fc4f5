import { describe, expect, it } from 'vitest';
import { generate } from './generate.ts';
import type { LoadedModel } from './load-model.ts';

/** A model stand-in: every step answers token 7 and (when gated) one strength per gated hook; counts the steps. */
function fakeModel(gatedHooks: string[]) {
  const calls: { ids: number[]; pos: number }[] = [];
  const model = {
    maxContext: 64,
    gatedHooks,
    async run(ids: number[], pos: number) {
      calls.push({ ids, pos });
      return { tokenId: 7, logits: [], strengths: ids.map(() => Float32Array.from(gatedHooks, () => 0.5)), recorded: new Map() };
    },
  };
  const tokenizer = { eosTokenIds: [2], decode: (ids: number[]) => ids.join(' ') };
  // Only the members generate() touches; the cast stands for the rest of LoadedModel.
  return { loaded: { model, tokenizer } as unknown as LoadedModel, calls };
}

describe('generate: decode steps and rate', () => {
  it('ungated: the last token is not fed, so 4 tokens take 3 decode steps', async () => {
    const { loaded, calls } = fakeModel([]);
    const r = await generate(loaded, [1, 3], { maxNewTokens: 4, ignoreEos: true });
    expect(r.tokenIds).toEqual([7, 7, 7, 7]);
    expect(calls.map((c) => c.pos)).toEqual([0, 2, 3, 4]);
    expect(r.timings.decodeSteps).toBe(3);
    expect(r.timings.decodeTokensPerSecond).toBeCloseTo((3 * 1000) / r.timings.decodeMs, 6);
  });

  it('gated: the last token is fed for its strengths, and that step counts in the rate', async () => {
    const { loaded, calls } = fakeModel(['0.attn', '0.mlp']);
    const r = await generate(loaded, [1, 3], { maxNewTokens: 4, ignoreEos: true });
    expect(calls.map((c) => c.pos)).toEqual([0, 2, 3, 4, 5]);
    expect(r.strengths).toHaveLength(4);
    expect(r.strengths.every((s) => s.length === 2)).toBe(true);
    expect(r.timings.decodeSteps).toBe(4);
    expect(r.timings.decodeTokensPerSecond).toBeCloseTo((4 * 1000) / r.timings.decodeMs, 6);
  });
});

describe('generate: the end of a chat turn', () => {
  it('stops at a stop token id (the template’s end of turn) as at EOS, keeping it as the last token', async () => {
    const { loaded } = fakeModel([]);
    const r = await generate(loaded, [1, 3], { maxNewTokens: 5, stopTokenIds: [7] });
    expect(r.tokenIds).toEqual([7]);
    expect(r.stopReason).toBe('eos');
    const on = await generate(loaded, [1, 3], { maxNewTokens: 3, stopTokenIds: [9] });
    expect(on.tokenIds).toEqual([7, 7, 7]);
    expect(on.stopReason).toBe('max-tokens');
    const ignored = await generate(loaded, [1, 3], { maxNewTokens: 2, stopTokenIds: [7], ignoreEos: true });
    expect(ignored.tokenIds).toEqual([7, 7]);
  });
});
