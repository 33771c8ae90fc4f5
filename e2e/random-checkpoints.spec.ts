// GPU engine vs the CPU reference forward on random tiny checkpoints: architectures (llama GQA with an untied head,
// qwen2 with q/k/v biases and a tied head), file dtypes (F32, F16, BF16), sharded files, and a prompt longer than
// one prefill chunk (128 tokens) and several attention chunks (64 positions). Plus greedy generation vs CPU argmax.
import { expect, test } from '@playwright/test';
import type { RandomCheckpointOptions } from '../src/testing/random-checkpoint.ts';
import { makeRng } from '../src/core/seeded-random.ts';
import { tinyLlamaGqa, tinyQwen2 } from '../src/testing/test-configs.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { randomModel } from './fixtures/test-models.ts';

/** Max |gpu − cpu| over every position and vocabulary entry, and the range of the CPU logits. */
function compareLogits(gpu: number[][], cpu: number[][]): { diff: number; range: number } {
  expect(gpu.length).toBe(cpu.length);
  let diff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let t = 0; t < cpu.length; t++) {
    expect(gpu[t].length).toBe(cpu[t].length);
    for (let i = 0; i < cpu[t].length; i++) {
      const d = Math.abs(gpu[t][i] - cpu[t][i]);
      diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
      lo = Math.min(lo, cpu[t][i]);
      hi = Math.max(hi, cpu[t][i]);
    }
  }
  return { diff, range: hi - lo };
}

function argmax(row: number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Gap between the largest and second-largest logit (how far from a tie the argmax is). */
function topMargin(row: number[]): number {
  const sorted = [...row].sort((a, b) => b - a);
  return sorted[0] - sorted[1];
}

/** BOS then `n − 1` seeded random token ids below `vocab` (never BOS/EOS). */
function randomIds(n: number, vocab: number, seed: number): number[] {
  const rng = makeRng(seed);
  const ids = [1];
  while (ids.length < n) ids.push(3 + Math.floor(rng.uniform() * (vocab - 3)));
  return ids;
}

interface Case {
  title: string;
  name: string;
  config: Record<string, unknown>;
  opts: RandomCheckpointOptions;
  tokens: number;
  /** Expected GPU weight dtype (F16 files stay f16 on the GPU, everything else is f32). */
  weightDType: 'f16' | 'f32' | 'bf16';
}

const CASES: Case[] = [
  { title: 'llama GQA, untied LM head, F32', name: 'e2e-rand-llama-gqa-f32', config: tinyLlamaGqa, opts: { dtype: 'F32', seed: 11 }, tokens: 12, weightDType: 'f32' },
  { title: 'qwen2, q/k/v biases, tied LM head, F32', name: 'e2e-rand-qwen2-f32', config: tinyQwen2, opts: { dtype: 'F32', seed: 12 }, tokens: 12, weightDType: 'f32' },
  { title: 'llama GQA, F16 file', name: 'e2e-rand-llama-gqa-f16', config: tinyLlamaGqa, opts: { dtype: 'F16', seed: 13 }, tokens: 12, weightDType: 'f16' },
  { title: 'qwen2, BF16 file', name: 'e2e-rand-qwen2-bf16', config: tinyQwen2, opts: { dtype: 'BF16', seed: 14 }, tokens: 12, weightDType: 'bf16' },
  { title: 'llama GQA, 3 shards', name: 'e2e-rand-llama-gqa-3shards', config: tinyLlamaGqa, opts: { dtype: 'F32', seed: 15, shards: 3 }, tokens: 12, weightDType: 'f32' },
  // 150 tokens: two prefill chunks (128 + 22) and three attention chunks of 64 positions.
  { title: 'llama GQA, 150-token prompt', name: 'e2e-rand-llama-gqa-f32', config: tinyLlamaGqa, opts: { dtype: 'F32', seed: 11 }, tokens: 150, weightDType: 'f32' },
  { title: 'qwen2, 150-token prompt', name: 'e2e-rand-qwen2-f32', config: tinyQwen2, opts: { dtype: 'F32', seed: 12 }, tokens: 150, weightDType: 'f32' },
];

test.describe('random checkpoints: GPU logits vs CPU reference', () => {
  for (const c of CASES) {
    test(`${c.title}: ${c.tokens} tokens`, async ({ page }) => {
      expect(Number(c.config.max_position_embeddings)).toBeGreaterThanOrEqual(c.tokens);
      await randomModel(c.name, c.config, c.opts);
      const s = await openStableHarness(page);
      const info = await s.load(c.name);
      expect(info.weightDType).toBe(c.weightDType);
      if (c.config === tinyQwen2) expect(info.spec).toMatchObject({ qkvBias: true, tiedEmbeddings: true });
      if (c.config === tinyLlamaGqa) expect(info.spec).toMatchObject({ numHeads: 8, numKvHeads: 2, tiedEmbeddings: false });
      const ids = randomIds(c.tokens, Number(c.config.vocab_size), 1000 + c.tokens + c.opts.seed);
      const gpu = await s.logits(ids);
      const cpu = await s.cpuLogits(ids);
      expect(gpu.length).toBe(ids.length);
      const { diff, range } = compareLogits(gpu, cpu);
      console.log(`${c.title} (${c.tokens} tokens): max abs diff ${diff.toExponential(3)}, logit range ${range.toFixed(3)}, ratio ${(diff / range).toExponential(3)}`);
      expect(range).toBeGreaterThan(0);
      expect(diff).toBeLessThanOrEqual(1e-3 * range);
    });
  }
});

test('llama GQA: greedy generation equals CPU greedy', async ({ page }) => {
  const name = await randomModel('e2e-rand-llama-gqa-f32', tinyLlamaGqa, { dtype: 'F32', seed: 11 });
  const s = await openStableHarness(page);
  await s.load(name);
  const prompt = randomIds(6, tinyLlamaGqa.vocab_size, 77);
  const steps = 8;
  const r = await s.generate({ promptIds: prompt, maxNewTokens: steps, greedy: true, ignoreEos: true });
  expect(r.tokenIds.length).toBe(steps);
  // CPU greedy, one token at a time on the growing id list.
  const cpuIds = [...prompt];
  const margins: number[] = [];
  for (let k = 0; k < steps; k++) {
    const rows = await s.cpuLogits(cpuIds);
    const last = rows[rows.length - 1];
    margins.push(topMargin(last));
    cpuIds.push(argmax(last));
  }
  const cpuTokens = cpuIds.slice(prompt.length);
  console.log('gpu greedy', r.tokenIds.join(' '), '| cpu greedy', cpuTokens.join(' '), '| cpu top-2 margins', margins.map((m) => m.toFixed(4)).join(' '));
  expect(r.tokenIds).toEqual(cpuTokens);
});
