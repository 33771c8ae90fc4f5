import { describe, expect, it } from 'vitest';
import { pooledPerplexity, sequenceNll, tokenNll } from './perplexity.ts';

describe('perplexity', () => {
  it('is the NLL of a hand-computed small case', () => {
    // Row [0, ln 2, ln 5]: softmax = [1/8, 2/8, 5/8]. Row [ln 3, 0, 0]: softmax = [3/5, 1/5, 1/5].
    const rows = [Float32Array.from([0, Math.log(2), Math.log(5)]), Float32Array.from([Math.log(3), 0, 0])];
    const s = sequenceNll(rows, [2, 1]);
    // −ln(5/8) − ln(1/5) = ln 8 − ln 5 + ln 5 = ln 8.
    expect(s.count).toBe(2);
    expect(s.nll).toBeCloseTo(Math.log(8), 6);
    expect(pooledPerplexity([s])).toBeCloseTo(Math.sqrt(8), 5);
  });

  it('pools texts by token count, not by text', () => {
    // Text A: one token at p = 1/2 (NLL ln 2); text B: three tokens at p = 1/4 each (NLL 3 ln 4).
    const a = { nll: Math.log(2), count: 1 };
    const b = { nll: 3 * Math.log(4), count: 3 };
    // exp((ln 2 + 6 ln 2) / 4) = 2^(7/4); a mean of the two texts' perplexities would be (2 + 4) / 2 = 3.
    expect(pooledPerplexity([a, b])).toBeCloseTo(2 ** 1.75, 10);
    expect(pooledPerplexity([])).toBeNaN();
  });

  it('stays finite for large logits (subtracts the max) and uniform rows give the vocabulary size', () => {
    const big = Float32Array.from([1000, 999, -1000]);
    // softmax of [0, −1, −2000] ≈ [e/(e+1), 1/(e+1), 0].
    expect(tokenNll(big, 1)).toBeCloseTo(Math.log(Math.E + 1), 6);
    expect(tokenNll(big, 2)).toBeGreaterThan(1999);
    expect(Number.isFinite(tokenNll(big, 2))).toBe(true);
    const uniform = new Float32Array(7).fill(3.25);
    expect(pooledPerplexity([sequenceNll([uniform, uniform], [0, 6])])).toBeCloseTo(7, 10);
  });

  it('refuses ids outside the row and mismatched lengths', () => {
    expect(() => tokenNll([0, 1], 2)).toThrow(/outside/);
    expect(() => sequenceNll([[0, 1]], [0, 1])).toThrow(/1 logits rows for 2 tokens/);
  });
});
