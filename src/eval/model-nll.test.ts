import { describe, expect, it } from 'vitest';
import type { GpuModel, RunOptions, RunResult } from '../model/gpu/gpu-model.ts';
import { modelNll } from './model-nll.ts';
import { sequenceNll } from './perplexity.ts';

const V = 5;

/** A stand-in model: the logits at position p depend on p and on every token fed so far (its "KV cache"). */
function fakeModel(logitRows: number) {
  const fed: number[] = [];
  const calls: { pos0: number; n: number; logits: RunOptions['logits'] }[] = [];
  const rowFor = (pos: number) => Float32Array.from({ length: V }, (_, j) => Math.sin(1 + pos * 7 + j * 3 + fed.slice(0, pos + 1).reduce((a, t, k) => a + t * (k + 1), 0)));
  const model = {
    logitRows,
    async run(ids: number[], pos0: number, opts: RunOptions): Promise<RunResult> {
      if (opts.logits === 'all' && ids.length > logitRows) throw new Error('too many rows');
      calls.push({ pos0, n: ids.length, logits: opts.logits });
      fed.length = pos0; // the cache holds positions < pos0 from earlier runs
      const logits: Float32Array[] = [];
      ids.forEach((id, k) => {
        fed.push(id);
        if (opts.logits === 'all') logits.push(rowFor(pos0 + k));
      });
      return { tokenId: null, logits, strengths: [], recorded: new Map() };
    },
  };
  /** The rows a single full pass over `ids` would give. */
  const reference = (ids: number[]) => {
    fed.length = 0;
    fed.push(...ids);
    return ids.map((_, p) => rowFor(p));
  };
  return { model: model as unknown as GpuModel, calls, reference };
}

describe('modelNll', () => {
  const ids = [1, 4, 0, 3, 2, 2, 4];
  for (const rows of [1, 2, 3, 16]) {
    it(`scores tokens first..n−1 with positions in order (logit rows per run: ${rows})`, async () => {
      const f = fakeModel(rows);
      const got = await modelNll(f.model, ids, 3);
      const all = f.reference(ids);
      const want = sequenceNll(all.slice(2, 6), ids.slice(3));
      expect(got.count).toBe(4);
      expect(got.nll).toBeCloseTo(want.nll, 10);
      // The prefix without logits, then positions 2..5 in pieces of at most `rows`, each at its own position.
      expect(f.calls[0]).toEqual({ pos0: 0, n: 2, logits: 'none' });
      let pos = 2;
      for (const c of f.calls.slice(1)) {
        expect(c.pos0).toBe(pos);
        expect(c.logits).toBe('all');
        expect(c.n).toBeLessThanOrEqual(rows);
        pos += c.n;
      }
      expect(pos).toBe(6);
    });
  }

  it('scores from the second token with no prefix run, and nothing when there is nothing to predict', async () => {
    const f = fakeModel(4);
    const got = await modelNll(f.model, ids, 1);
    expect(got.count).toBe(6);
    expect(f.calls[0]).toEqual({ pos0: 0, n: 4, logits: 'all' });
    expect(await modelNll(f.model, [1], 1)).toEqual({ nll: 0, count: 0 });
    await expect(modelNll(f.model, ids, 0)).rejects.toThrow(/index ≥ 1/);
  });
});
