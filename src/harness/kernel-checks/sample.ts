/**
 * Cases for sample.wgsl against its twin (the CPU sampler with the kernel's uniform): many samples of one logits row
 * in one dispatch (one workgroup each). Per sample, the GPU id must equal the twin's unless u · mass lies within
 * rounding of a boundary of the cumulative probabilities (those samples are counted, not compared). Also: ids outside
 * the twin's candidates (top-k / top-p), the same dispatch twice (determinism), and a chi-square statistic of the
 * GPU ids' frequencies against the twin's probabilities.
 */
import { sampleCpu, sampleParams, samplePipeline, samplingOptions, samplingUniform, sampleWorkgroups, type SampleSettings } from '../../kernels/sample.ts';
import { argmaxCpu, decodeTokenWord, hasNonFinite } from '../../kernels/argmax.ts';
import { sampleWithUniform, samplingDistribution } from '../../core/sampler.ts';
import type { Rng } from '../../core/seeded-random.ts';
import { diff, normals } from './compare.ts';
import { dispatchOnce, readU32 } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

interface SampleCase {
  vocab: number;
  /** Rows in the buffer; the case samples the last one. */
  rows: number;
  samples: number;
  settings: Omit<SampleSettings, 'counter'>;
  scale?: number;
  /** Sets the row's values (after filling it with normals). */
  shape?: (row: Float32Array, rng: Rng) => void;
}

/** Relative width of "within rounding of a boundary". */
const AMBIGUOUS = 1e-4;

function sampleCase(c: SampleCase): KernelCases[string] {
  return async (g, rng, b) => {
    const logits = normals(rng, c.rows * c.vocab, c.scale ?? 2);
    const rowOffset = (c.rows - 1) * c.vocab;
    const row = logits.subarray(rowOffset);
    c.shape?.(row, rng);
    const settings: SampleSettings = { ...c.settings, counter: 17 };
    const logitsBuf = b.storage(logits, 'logits');
    const params = b.uniform(sampleParams(c.vocab, rowOffset, settings), 'params');
    const run = async (): Promise<Uint32Array> => {
      const result = b.storage(new Uint32Array(c.samples).fill(0xdeadbeef), 'result');
      await dispatchOnce(g, samplePipeline(g.cache), [params, logitsBuf, result], sampleWorkgroups(c.samples), 'sample');
      return readU32(g, result, c.samples);
    };
    const words = await run();
    const gpu = Uint32Array.from(words, (w) => decodeTokenWord(w).tokenId);
    const nonFiniteFlags = Array.from(words).filter((w) => decodeTokenWord(w).nonFinite).length;
    const again = Uint32Array.from(await run(), (w) => decodeTokenWord(w).tokenId);

    const opts = samplingOptions(settings);
    const dist = samplingDistribution(row, opts);
    const candidates = new Set(dist.ids);
    const gpuCompared: number[] = [];
    const cpuCompared: number[] = [];
    let ambiguous = 0;
    let outside = 0;
    const counts = new Map<number, number>();
    for (let s = 0; s < c.samples; s++) {
      const id = gpu[s];
      if (!candidates.has(id)) outside++;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      const u = samplingUniform(settings.seed, settings.counter + s);
      const want = sampleCpu(row, settings, s);
      const near = sampleWithUniform(row, opts, Math.max(0, u - AMBIGUOUS)) !== want || sampleWithUniform(row, opts, Math.min(1 - 1e-12, u + AMBIGUOUS)) !== want;
      if (near && id !== want) {
        ambiguous++;
        continue;
      }
      gpuCompared.push(id);
      cpuCompared.push(want);
    }
    // Chi-square of the GPU frequencies against the twin's probabilities, bins with expected count < 5 pooled.
    let chi2 = 0;
    let bins = 0;
    let pooledE = 0;
    let pooledO = 0;
    dist.ids.forEach((id, k) => {
      const e = dist.probs[k] * c.samples;
      const o = counts.get(id) ?? 0;
      if (e < 5) {
        pooledE += e;
        pooledO += o;
        return;
      }
      chi2 += ((o - e) * (o - e)) / e;
      bins++;
    });
    if (pooledE > 0) {
      chi2 += ((pooledO - pooledE) * (pooledO - pooledE)) / Math.max(pooledE, 1e-9);
      bins++;
    }
    return {
      parts: { ids: diff(gpuCompared, cpuCompared), repeat: diff(again, gpu) },
      info: {
        vocab: c.vocab,
        samples: c.samples,
        ...c.settings,
        candidates: dist.ids.length,
        argmax: argmaxCpu(row),
        firstId: gpu[0],
        distinct: counts.size,
        ambiguous,
        outside,
        chi2,
        dof: Math.max(1, bins - 1),
        nonFiniteFlags,
        nonFiniteCpu: hasNonFinite(row),
      },
    };
  };
}

const base = { seed: 12345, temperature: 1, topK: 0, topP: 1 };

export const sampleCases: KernelCases = {
  // Temperature only, the whole vocabulary.
  full: sampleCase({ vocab: 1000, rows: 2, samples: 1024, settings: { ...base, temperature: 0.7 } }),
  // Top-k only: never outside the k largest.
  'top-k': sampleCase({ vocab: 1000, rows: 1, samples: 1024, settings: { ...base, topK: 8 } }),
  // Top-p only.
  'top-p': sampleCase({ vocab: 777, rows: 2, samples: 1024, settings: { ...base, topP: 0.6, temperature: 1.3 } }),
  // All three (what the playground uses).
  'top-k-top-p': sampleCase({ vocab: 512, rows: 1, samples: 1024, settings: { ...base, topK: 50, topP: 0.9, temperature: 0.9, seed: 7 } }),
  // Top-k 1 is the argmax (first id on ties).
  'top-k-1': sampleCase({ vocab: 600, rows: 1, samples: 64, settings: { ...base, topK: 1 }, shape: (row) => (row[5] = row[400] = 50) }),
  // Temperature → 0: the argmax.
  'temperature-tiny': sampleCase({ vocab: 600, rows: 2, samples: 64, settings: { ...base, temperature: 1e-6 } }),
  // Equal logits around the top-k and top-p cuts: the tie order (lower id first) decides.
  ties: sampleCase({ vocab: 300, rows: 1, samples: 1024, settings: { ...base, topK: 10, topP: 0.8 }, shape: (row) => row.forEach((v, i) => (row[i] = Math.round(v))) }),
  // Fewer ids than threads.
  'small-vocab': sampleCase({ vocab: 5, rows: 3, samples: 512, settings: { ...base, seed: 99 } }),
  // A large vocabulary (more than 2¹⁵ ids), few samples.
  'large-vocab': sampleCase({ vocab: 50_000, rows: 1, samples: 16, settings: { ...base, topK: 40, topP: 0.95 }, scale: 3 }),
  // Non-finite rows: every sample's word carries the flag (the ids are meaningless).
  'one-nan': sampleCase({ vocab: 1000, rows: 2, samples: 8, settings: { ...base, topK: 40, topP: 0.9 }, shape: (row) => (row[500] = NaN) }),
  'all-nan': sampleCase({ vocab: 300, rows: 1, samples: 8, settings: base, shape: (row) => row.fill(NaN) }),
  'minus-infinity': sampleCase({ vocab: 300, rows: 1, samples: 8, settings: base, shape: (row) => (row[7] = -Infinity) }),
};
