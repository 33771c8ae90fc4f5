import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/seeded-random.ts';
import { sampleToken, sampleWithUniform } from '../core/sampler.ts';
import { sampleCpu, samplingUniform } from './sample.ts';

describe('the sampling kernel twin', () => {
  it("draws makeRng(seed)'s n-th uniform, truncated to 24 bits", () => {
    for (const seed of [0, 1, 42, 0xffffffff, -7]) {
      const rng = makeRng(seed);
      for (let n = 0; n < 50; n++) {
        const u = rng.uniform();
        const v = samplingUniform(seed, n);
        expect(v).toBeLessThanOrEqual(u);
        expect(u - v).toBeLessThan(2 ** -24);
        expect(Math.fround(v)).toBe(v);
      }
    }
  });

  it('is the CPU sampler with that uniform', () => {
    const logits = new Float32Array([0.5, 2, -1, 2, 0.1, 3, -4, 1.5]);
    const o = { temperature: 0.8, topK: 5, topP: 0.9, seed: 3 };
    const rng = makeRng(3);
    for (let n = 0; n < 40; n++) {
      const viaRng = sampleToken(logits, o, rng);
      const twin = sampleCpu(logits, { temperature: 0.8, topK: 5, topP: 0.9, seed: 3, counter: n });
      expect(twin).toBe(sampleWithUniform(logits, o, samplingUniform(3, n)));
      // The 24-bit truncation moves u by < 2⁻²⁴: the same id unless u sits on a boundary.
      expect(twin).toBe(viaRng);
    }
  });
});
