/**
 * Weights from file bytes to f32 on the CPU, for every WeightFormat: the reference the GPU decode (kernels/weights)
 * is checked against, and what the CPU forward and the file readers use. `bytes` hold whole rows in the file's format
 * (row-major, each row `rowBytes(format, cols)`; the quantized formats are ggml's blocks, each row quantized on its
 * own); the result has one float per weight. Arithmetic follows ggml's dequantize_row_* in f32 (each product rounded
 * to f32 in the same order), so values match the `gguf` Python package's dequantizer (tested in dequantize.test.ts).
 */
import { WEIGHT_FORMATS, type WeightFormat } from './weight-format.ts';

/** IEEE binary16 bits → value (exact; subnormals kept). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
function f32FromBits(bits: number): number {
  u32Scratch[0] = bits >>> 0;
  return f32Scratch[0];
}

const fr = Math.fround;
const i8 = (b: number) => (b << 24) >> 24;

/** The 6-bit scale and min of sub-block j of a Q4_K super-block (its 12 scale bytes start at `at`). */
export function q4kScaleMin(bytes: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [bytes[at + j] & 63, bytes[at + j + 4] & 63];
  return [(bytes[at + j + 4] & 0xf) | ((bytes[at + j - 4] >> 6) << 4), (bytes[at + j + 4] >> 4) | ((bytes[at + j] >> 6) << 4)];
}

/** Dequantizes `bytes` (whole blocks of `format`) to one f32 per weight. */
export function dequantize(bytes: Uint8Array, format: WeightFormat): Float32Array {
  const { blockWeights, blockBytes } = WEIGHT_FORMATS[format];
  if (bytes.byteLength % blockBytes !== 0) throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${format} blocks (${blockBytes} bytes)`);
  const blocks = bytes.byteLength / blockBytes;
  const out = new Float32Array(blocks * blockWeights);
  const u16 = (o: number) => bytes[o] | (bytes[o + 1] << 8);
  const f16 = (o: number) => f16ToF32(u16(o));
  switch (format) {
    case 'F32':
      for (let i = 0; i < blocks; i++) out[i] = f32FromBits(bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24));
      break;
    case 'F16':
      for (let i = 0; i < blocks; i++) out[i] = f16(2 * i);
      break;
    case 'BF16':
      for (let i = 0; i < blocks; i++) out[i] = f32FromBits(u16(2 * i) << 16);
      break;
    case 'Q8_0':
      for (let b = 0; b < blocks; b++) {
        const o = b * 34;
        const d = f16(o);
        for (let j = 0; j < 32; j++) out[b * 32 + j] = d * i8(bytes[o + 2 + j]);
      }
      break;
    case 'Q4_0':
    case 'Q4_1': {
      const withMin = format === 'Q4_1';
      for (let b = 0; b < blocks; b++) {
        const o = b * blockBytes;
        const d = f16(o);
        const m = withMin ? f16(o + 2) : 0;
        const qs = o + (withMin ? 4 : 2);
        for (let j = 0; j < 16; j++) {
          const q = bytes[qs + j];
          if (withMin) {
            out[b * 32 + j] = fr(d * (q & 15)) + m;
            out[b * 32 + j + 16] = fr(d * (q >> 4)) + m;
          } else {
            out[b * 32 + j] = d * ((q & 15) - 8);
            out[b * 32 + j + 16] = d * ((q >> 4) - 8);
          }
        }
      }
      break;
    }
    case 'Q4_K':
      for (let b = 0; b < blocks; b++) {
        const o = b * 144;
        const d = f16(o);
        const dmin = f16(o + 2);
        for (let j = 0; j < 4; j++) {
          const [s1, m1] = q4kScaleMin(bytes, o + 4, 2 * j);
          const [s2, m2] = q4kScaleMin(bytes, o + 4, 2 * j + 1);
          const d1 = fr(d * s1), mm1 = fr(dmin * m1), d2 = fr(d * s2), mm2 = fr(dmin * m2);
          const qs = o + 16 + 32 * j;
          const y = b * 256 + 64 * j;
          for (let l = 0; l < 32; l++) {
            out[y + l] = fr(d1 * (bytes[qs + l] & 15)) - mm1;
            out[y + 32 + l] = fr(d2 * (bytes[qs + l] >> 4)) - mm2;
          }
        }
      }
      break;
    case 'Q6_K':
      for (let b = 0; b < blocks; b++) {
        const o = b * 210;
        const d = f16(o + 208);
        for (let n = 0; n < 2; n++) {
          const ql = o + 64 * n;
          const qh = o + 128 + 32 * n;
          const sc = o + 192 + 8 * n;
          const y = b * 256 + 128 * n;
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const h = bytes[qh + l];
            const q1 = ((bytes[ql + l] & 15) | ((h & 3) << 4)) - 32;
            const q2 = ((bytes[ql + l + 32] & 15) | (((h >> 2) & 3) << 4)) - 32;
            const q3 = ((bytes[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
            const q4 = ((bytes[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
            out[y + l] = fr(d * i8(bytes[sc + is])) * q1;
            out[y + l + 32] = fr(d * i8(bytes[sc + is + 2])) * q2;
            out[y + l + 64] = fr(d * i8(bytes[sc + is + 4])) * q3;
            out[y + l + 96] = fr(d * i8(bytes[sc + is + 6])) * q4;
          }
        }
      }
      break;
  }
  return out;
}
