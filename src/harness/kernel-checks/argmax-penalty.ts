/** Cases for argmax.wgsl (ties → first index, vocab not a multiple of the 64 threads, row offset) and repetition-penalty.wgsl. */
import { argmaxCpu, argmaxParams, argmaxPipeline, decodeTokenWord, hasNonFinite } from '../../kernels/argmax.ts';
import { repetitionPenaltyCpu, repetitionPenaltyParams, repetitionPenaltyPipeline } from '../../kernels/repetition-penalty.ts';
import type { Rng } from '../../core/seeded-random.ts';
import { diff, normals } from './compare.ts';
import { dispatchOnce, readF32, readU32 } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

interface ArgmaxCase {
  vocab: number;
  /** Rows in the buffer; the case reads the last one. */
  rows: number;
  /** Sets the row's values (after filling it with normals). */
  shape?: (row: Float32Array, rng: Rng) => void;
}

function argmaxCase(c: ArgmaxCase): KernelCases[string] {
  return async (g, rng, b) => {
    const logits = normals(rng, c.rows * c.vocab, 3);
    const rowOffset = (c.rows - 1) * c.vocab;
    c.shape?.(logits.subarray(rowOffset), rng);
    const result = b.storage(new Uint32Array([0xdeadbeef, 0, 0, 0]), 'result');
    await dispatchOnce(g, argmaxPipeline(g.cache), [b.uniform(argmaxParams(c.vocab, rowOffset), 'params'), b.storage(logits, 'logits'), result], [1, 1, 1], 'argmax');
    const word = decodeTokenWord((await readU32(g, result, 1))[0]);
    const gpuIndex = word.tokenId;
    const cpuIndex = argmaxCpu(logits, rowOffset, c.vocab);
    const d = diff([gpuIndex], [cpuIndex]);
    const nonFinite = { gpu: word.nonFinite, cpu: hasNonFinite(logits, rowOffset, c.vocab) };
    return { parts: { index: d }, gpuIndex, cpuIndex, info: { vocab: c.vocab, rows: c.rows, rowOffset, nonFiniteGpu: nonFinite.gpu, nonFiniteCpu: nonFinite.cpu } };
  };
}

/** Puts the row's maximum (value `top`) at each of `at`. */
const tiesAt =
  (at: number[], top = 50) =>
  (row: Float32Array): void => {
    for (const i of at) row[i] = top;
  };

export const argmaxCases: KernelCases = {
  random: argmaxCase({ vocab: 1000, rows: 2 }),
  // Vocabulary smaller than the workgroup: most threads see no value.
  small: argmaxCase({ vocab: 5, rows: 3 }),
  // Ties between threads: 255 (thread 63) before 256 (thread 0).
  'ties-across-threads': argmaxCase({ vocab: 1000, rows: 2, shape: tiesAt([999, 256, 255, 511]) }),
  // Ties inside one thread's stride (44, 300, 556 are all thread 44 of 64) and a later thread (301).
  'ties-same-thread': argmaxCase({ vocab: 777, rows: 1, shape: tiesAt([556, 301, 300, 44]) }),
  // All equal: index 0.
  'all-equal': argmaxCase({ vocab: 300, rows: 2, shape: (row) => row.fill(-2.5) }),
  // The maximum in the last slot of a vocabulary that is not a multiple of 64.
  'max-last': argmaxCase({ vocab: 1001, rows: 2, shape: tiesAt([1000]) }),
  // Every logit negative and large (a heavily penalised / masked row).
  'very-negative': argmaxCase({ vocab: 600, rows: 1, shape: (row, rng) => row.forEach((_, i) => (row[i] = -1e30 * (1 + rng.uniform()))) }),
  // Every logit −∞ (a fully masked row): the twin (and torch.argmax) give 0.
  'all-minus-infinity': argmaxCase({ vocab: 300, rows: 1, shape: (row) => row.fill(-Infinity) }),
  // Non-finite rows are flagged (top bit of the result); the previous row (not read) may hold NaN freely.
  'one-nan': argmaxCase({ vocab: 1000, rows: 2, shape: (row) => (row[777] = NaN) }),
  'all-nan': argmaxCase({ vocab: 300, rows: 1, shape: (row) => row.fill(NaN) }),
  'plus-infinity': argmaxCase({ vocab: 1000, rows: 1, shape: (row) => (row[3] = Infinity) }),
  'huge-finite': argmaxCase({ vocab: 1000, rows: 1, shape: (row) => (row[5] = 3.4e38) }),
  // Every logit finite but below the kernel's initial best (−3.4e38).
  'below-initial-best': argmaxCase({ vocab: 300, rows: 1, shape: (row, rng) => row.forEach((_, i) => (row[i] = -3.4028e38 + 1e33 * rng.uniform())) }),
};

interface PenaltyCase {
  vocab: number;
  rows: number;
  count: number;
  penalty: number;
}

function penaltyCase(c: PenaltyCase): KernelCases[string] {
  return async (g, rng, b) => {
    const logits = normals(rng, c.rows * c.vocab, 4);
    const rowOffset = (c.rows - 1) * c.vocab;
    // Distinct ids: a shuffled prefix of the vocabulary; make sure 0, vocab−1 and a zero logit are among them.
    const perm = Array.from({ length: c.vocab }, (_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const ids = [0, c.vocab - 1, ...perm.filter((i) => i !== 0 && i !== c.vocab - 1)].slice(0, c.count);
    logits[rowOffset + ids[2]] = 0;
    let positive = 0;
    for (const id of ids) if (logits[rowOffset + id] > 0) positive++;
    const buf = b.storage(logits, 'logits');
    await dispatchOnce(
      g,
      repetitionPenaltyPipeline(g.cache),
      [b.uniform(repetitionPenaltyParams(ids.length, rowOffset, c.penalty), 'params'), b.storage(new Uint32Array(ids), 'ids'), buf],
      [Math.ceil(ids.length / 64), 1, 1],
      'repetition-penalty',
    );
    const gpu = await readF32(g, buf, logits.length);
    const want = logits.slice();
    repetitionPenaltyCpu(want, ids, c.penalty, rowOffset);
    // Diagnostic: the twin fed the penalty the kernel actually sees (its uniform holds f32).
    const wantF32 = logits.slice();
    repetitionPenaltyCpu(wantF32, ids, Math.fround(c.penalty), rowOffset);
    return { parts: { logits: diff(gpu, want), withF32Penalty: diff(gpu, wantF32) }, info: { vocab: c.vocab, rows: c.rows, rowOffset, count: ids.length, positive, negative: ids.length - positive - 1, penalty: c.penalty } };
  };
}

export const repetitionPenaltyCases: KernelCases = {
  // 1.25 is exact in f32: the GPU (f32 penalty) and the twin (float64 penalty) must agree bit for bit.
  mixed: penaltyCase({ vocab: 300, rows: 2, count: 40, penalty: 1.25 }),
  // More ids than one workgroup.
  many: penaltyCase({ vocab: 500, rows: 1, count: 150, penalty: 2 }),
  // 1.3 is not exact in f32 (the uniform holds fround(1.3)).
  'inexact-penalty': penaltyCase({ vocab: 300, rows: 2, count: 120, penalty: 1.3 }),
  // Penalty below 1 (boosts repeated tokens).
  'below-one': penaltyCase({ vocab: 300, rows: 1, count: 60, penalty: 0.8 }),
};
