/**
 * Finds NaN and ±Inf in a tensor's file bytes, for every WeightFormat, without decoding it: the float formats are
 * checked by their exponent bits (all ones), the ggml block formats by their f16 scales only (Q8_0/Q4_0 `d`, Q4_1
 * `d` and `m`, Q4_K `d` and `dmin`, Q6_K `d`): their quants are small integers and their 6- or 8-bit sub-scales are
 * integers too, so a block with finite f16 scales dequantizes to finite values. −0 and subnormals are finite.
 * Pure: reads `bytes` (whole elements or blocks, little-endian, any byte offset), allocates nothing per element.
 */
import { WEIGHT_FORMATS, type WeightFormat } from './weight-format.ts';

export interface NonFinite {
  /** How many non-finite values: elements for F32/F16/BF16, scale fields for the block formats. */
  count: number;
  /** The first one: its element index (the first weight of its block for the block formats). */
  index: number;
  /** Block formats: the block holding the first one, and which scale field it is; null for the float formats. */
  block: number | null;
  field: 'd' | 'm' | 'dmin' | null;
  /** The first one's value: NaN, Infinity or -Infinity. */
  value: number;
}

/** The f16 scale fields of each block format: name and byte offset within the block. */
const SCALES: Readonly<Record<Exclude<WeightFormat, 'F32' | 'F16' | 'BF16'>, readonly (readonly ['d' | 'm' | 'dmin', number])[]>> = {
  Q8_0: [['d', 0]],
  Q4_0: [['d', 0]],
  Q4_1: [['d', 0], ['m', 2]],
  Q4_K: [['d', 0], ['dmin', 2]],
  Q6_K: [['d', 208]],
};

const f16Value = (h: number) => (h & 0x3ff ? NaN : h & 0x8000 ? -Infinity : Infinity);

/** The non-finite values of `bytes` in `format`, or null when every value is finite. */
export function findNonFinite(bytes: Uint8Array, format: WeightFormat): NonFinite | null {
  const { blockWeights, blockBytes } = WEIGHT_FORMATS[format];
  if (bytes.byteLength % blockBytes !== 0) throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${format} elements or blocks (${blockBytes} bytes)`);
  const n = bytes.byteLength / blockBytes;
  let count = 0;
  let first: NonFinite | null = null;
  if (format === 'F32') {
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      // Exponent bits 23–30: byte 3's low 7 bits and byte 2's top bit.
      if ((bytes[o + 3] & 0x7f) === 0x7f && bytes[o + 2] & 0x80) {
        count++;
        if (!first) {
          const mantissa = (bytes[o + 2] & 0x7f) | bytes[o + 1] | bytes[o];
          first = { count: 0, index: i, block: null, field: null, value: mantissa ? NaN : bytes[o + 3] & 0x80 ? -Infinity : Infinity };
        }
      }
    }
  } else if (format === 'F16' || format === 'BF16') {
    // F16: exponent bits 10–14 (0x7c00); BF16: bits 7–14 (0x7f80). Mantissa: the bits below.
    const exp = format === 'F16' ? 0x7c00 : 0x7f80;
    for (let i = 0; i < n; i++) {
      const h = bytes[2 * i] | (bytes[2 * i + 1] << 8);
      if ((h & exp) === exp) {
        count++;
        if (!first) {
          const nan = (h & (exp ^ 0x7fff)) !== 0;
          first = { count: 0, index: i, block: null, field: null, value: format === 'F16' ? f16Value(h) : nan ? NaN : h & 0x8000 ? -Infinity : Infinity };
        }
      }
    }
  } else {
    // An f16 is non-finite when its exponent bits 10–14 are all ones: the high byte's bits 2–6 (0x7c).
    for (const [field, at] of SCALES[format]) {
      for (let b = 0, hi = at + 1; b < n; b++, hi += blockBytes) {
        if ((bytes[hi] & 0x7c) === 0x7c) {
          count++;
          // Fields are scanned one after the other (d before m / dmin): a later field's hit comes first only in an earlier block.
          if (!first || b < (first.block ?? 0)) {
            first = { count: 0, index: b * blockWeights, block: b, field, value: f16Value(bytes[hi - 1] | (bytes[hi] << 8)) };
          }
        }
      }
    }
  }
  if (!first) return null;
  first.count = count;
  return first;
}
