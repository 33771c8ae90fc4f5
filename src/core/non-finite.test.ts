// The NaN/Inf scan on hand-built tensors (bit patterns written out), and on random bytes of every format against
// an independent reference: dequantize everything and look for the first non-finite value.
import { describe, expect, it } from 'vitest';
import { dequantize } from './dequantize.ts';
import { findNonFinite } from './non-finite.ts';
import { makeRng } from './seeded-random.ts';
import { WEIGHT_FORMATS } from './weight-format.ts';
import { ALL_FORMATS, randomBlocks } from '../testing/quant-blocks.ts';

const u16s = (...hs: number[]) => new Uint8Array(new Uint16Array(hs).buffer);
const u32s = (...ws: number[]) => new Uint8Array(new Uint32Array(ws).buffer);

/** `blocks` blocks of `blockBytes`, every byte 0xff (quants that would read as NaN if taken for f16), scales set. */
function blocks(blockBytes: number, n: number, scales: [block: number, at: number, bits: number][]): Uint8Array {
  const out = new Uint8Array(blockBytes * n).fill(0xff);
  for (let b = 0; b < n; b++) for (const [bb, at, bits] of scales) if (bb === b || bb === -1) new DataView(out.buffer).setUint16(b * blockBytes + at, bits, true);
  return out;
}

describe('findNonFinite', () => {
  it('finds one NaN in an f16 tensor, after -0, subnormals and the largest finite', () => {
    // 1, -0, smallest subnormal, largest subnormal, -65504, NaN, 2
    expect(findNonFinite(u16s(0x3c00, 0x8000, 0x0001, 0x03ff, 0xfbff, 0x7e00, 0x4000), 'F16')).toEqual({ count: 1, index: 5, block: null, field: null, value: NaN });
  });

  it('finds +Inf in a bf16 tensor and counts -Inf and a NaN after it', () => {
    // 1, -0, subnormal, largest finite, +Inf, -Inf, NaN (a payload bit only: 0x7f81)
    expect(findNonFinite(u16s(0x3f80, 0x8000, 0x0001, 0x7f7f, 0x7f80, 0xff80, 0x7f81), 'BF16')).toEqual({ count: 3, index: 4, block: null, field: null, value: Infinity });
  });

  it('finds -Inf in an f32 tensor, also at an odd byte offset', () => {
    // 1, -0, smallest subnormal, largest finite, -Inf, NaN
    const words = u32s(0x3f800000, 0x80000000, 0x00000001, 0x7f7fffff, 0xff800000, 0x7fc00000);
    expect(findNonFinite(words, 'F32')).toEqual({ count: 2, index: 4, block: null, field: null, value: -Infinity });
    const shifted = new Uint8Array(words.byteLength + 1);
    shifted.set(words, 1);
    expect(findNonFinite(shifted.subarray(1), 'F32')).toEqual({ count: 2, index: 4, block: null, field: null, value: -Infinity });
  });

  it('accepts clean float tensors holding -0, subnormals and the extremes', () => {
    expect(findNonFinite(u16s(0x8000, 0x0001, 0x83ff, 0x7bff, 0xfbff, 0), 'F16')).toBeNull();
    expect(findNonFinite(u16s(0x8000, 0x0001, 0x807f, 0x7f7f, 0xff7f), 'BF16')).toBeNull();
    expect(findNonFinite(u32s(0x80000000, 0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff), 'F32')).toBeNull();
  });

  it('finds a NaN min in a Q4_1 block, reading only the scales (0xff quants are fine)', () => {
    // Three Q4_1 blocks (d at 0, m at 2): all finite but block 1's m, which is NaN.
    const q = blocks(20, 3, [[-1, 0, 0x3c00], [-1, 2, 0x8000], [1, 2, 0x7e00]]);
    expect(findNonFinite(q, 'Q4_1')).toEqual({ count: 1, index: 32, block: 1, field: 'm', value: NaN });
    expect(findNonFinite(blocks(20, 3, [[-1, 0, 0x0001], [-1, 2, 0x8000]]), 'Q4_1')).toBeNull();
  });

  it('names the field of each block format', () => {
    expect(findNonFinite(blocks(34, 2, [[-1, 0, 0x3c00], [1, 0, 0x7c00]]), 'Q8_0')).toMatchObject({ count: 1, index: 32, block: 1, field: 'd', value: Infinity });
    expect(findNonFinite(blocks(18, 2, [[-1, 0, 0xfc00]]), 'Q4_0')).toMatchObject({ count: 2, index: 0, block: 0, field: 'd', value: -Infinity });
    expect(findNonFinite(blocks(144, 2, [[-1, 0, 0x3c00], [-1, 2, 0x3c00], [1, 2, 0xfc00]]), 'Q4_K')).toMatchObject({ count: 1, index: 256, block: 1, field: 'dmin', value: -Infinity });
    expect(findNonFinite(blocks(210, 2, [[-1, 208, 0x3c00], [0, 208, 0x7d00]]), 'Q6_K')).toMatchObject({ count: 1, index: 0, block: 0, field: 'd', value: NaN });
    expect(findNonFinite(blocks(210, 2, [[-1, 208, 0x3c00]]), 'Q6_K')).toBeNull();
  });

  it('accepts random valid blocks of every format, edge scales included', () => {
    const rng = makeRng(15);
    for (const f of ALL_FORMATS) expect([f, findNonFinite(randomBlocks(f, 64, rng, true), f)]).toEqual([f, null]);
  });

  it('agrees with dequantizing everything, on random bytes of every format', () => {
    const rng = makeRng(1515);
    for (const format of ALL_FORMATS) {
      const { blockBytes, blockWeights } = WEIGHT_FORMATS[format];
      for (let trial = 0; trial < 200; trial++) {
        // Random bytes, with high bytes often 0x7c…0x7f / 0xfc…0xff so that specials occur in every width.
        const bytes = new Uint8Array(blockBytes * 8).map(() => (rng.uniform() < 0.1 ? 0x7c + Math.floor(rng.uniform() * 4) + (rng.uniform() < 0.5 ? 0x80 : 0) : Math.floor(rng.uniform() * 256)));
        const values = dequantize(bytes, format);
        const firstBad = values.findIndex((v) => !Number.isFinite(v));
        const got = findNonFinite(bytes, format);
        if (firstBad < 0) {
          expect([format, trial, got]).toEqual([format, trial, null]);
          continue;
        }
        // A bad scale spoils its whole block; a float format's count is the count of non-finite values.
        expect([format, trial, got?.index]).toEqual([format, trial, blockWeights === 1 ? firstBad : firstBad - (firstBad % blockWeights)]);
        if (blockWeights === 1) expect(got?.count).toBe(values.filter((v) => !Number.isFinite(v)).length);
        expect(Object.is(got?.value, values[firstBad]) || (blockWeights > 1 && !Number.isFinite(values[firstBad]))).toBe(true);
      }
    }
  });

  it('refuses bytes that are not whole elements or blocks', () => {
    expect(() => findNonFinite(new Uint8Array(3), 'F16')).toThrow(RangeError);
    expect(() => findNonFinite(new Uint8Array(21), 'Q4_1')).toThrow(/whole number of Q4_1/);
  });
});
