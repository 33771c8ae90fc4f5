/**
 * Test data in every WeightFormat: random valid blocks (with the extreme f16 scales and every nibble / 6-bit scale
 * value when `edge`), and a small quantizer from floats (float formats, Q8_0, Q4_0, Q4_1; the K-quants get random
 * super-blocks whose scales give about the asked spread). Used by the Node dequantizer tests and the browser checks.
 */
import type { Rng } from '../core/seeded-random.ts';
import { rowBytes, WEIGHT_FORMATS, type WeightFormat } from '../core/weight-format.ts';
import { encodeFromFloat32, f32ToF16Bits } from '../model/formats/dtype-codec.ts';

export const ALL_FORMATS: WeightFormat[] = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q4_K', 'Q6_K'];

/** f16 scales at the edges: max, smallest normal, subnormals (largest, smallest), negative, ±zero. */
export const EDGE_F16 = [0x7bff, 0x0400, 0x03ff, 0x0001, 0xfbff, 0x8400, 0x8001, 0x0000, 0x8000, 0x3c00];

const byte = (rng: Rng) => Math.floor(rng.uniform() * 256);

function putU16(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
}

/** Offsets of the f16 scale fields within one block. */
const SCALE_FIELDS: Partial<Record<WeightFormat, number[]>> = { Q8_0: [0], Q4_0: [0], Q4_1: [0, 2], Q4_K: [0, 2], Q6_K: [208] };

/**
 * `blocks` random blocks of a quantized format: random bytes, with each f16 scale field a sane value (±1e-3…1e-1)
 * or, with `edge`, often one of EDGE_F16; edge blocks also get runs of all-ones and all-zeros bytes so the largest
 * nibbles and 6-bit scales (63) occur. Float formats: random normals plus edge values when `edge`.
 */
export function randomBlocks(format: WeightFormat, blocks: number, rng: Rng, edge = false): Uint8Array {
  const { blockBytes } = WEIGHT_FORMATS[format];
  if (format === 'F32' || format === 'F16' || format === 'BF16') {
    const f = new Float32Array(blocks).map(() => rng.normal());
    if (edge) {
      const edges = format === 'F16' ? [65504, -65504, 6.1e-5, 3e-6, -6e-8, 0, -0] : [3.3e38, -1e-38, 1e-40, 0, -0, 1e30];
      edges.forEach((v, i) => i < f.length && (f[(i * 7) % f.length] = v));
    }
    return encodeFromFloat32(f, format);
  }
  const out = new Uint8Array(blocks * blockBytes);
  for (let i = 0; i < out.length; i++) out[i] = byte(rng);
  for (let b = 0; b < blocks; b++) {
    const o = b * blockBytes;
    if (edge && b % 4 === 1) out.fill(0xff, o, o + blockBytes);
    if (edge && b % 4 === 2) out.fill(0x00, o, o + blockBytes);
    for (const f of SCALE_FIELDS[format]!) {
      const sane = f32ToF16Bits((rng.uniform() < 0.5 ? -1 : 1) * 10 ** (-3 + 2 * rng.uniform()));
      const pick = edge && rng.uniform() < 0.6 ? EDGE_F16[Math.floor(rng.uniform() * EDGE_F16.length)] : sane;
      putU16(out, o + f, pick);
    }
  }
  return out;
}

/**
 * A row-major [rows, cols] float matrix as file bytes of `format`. Q8_0 / Q4_0 / Q4_1: per block of 32, the scale from
 * the block's range and rounded quants (a valid, if plain, quantizer). Q4_K / Q6_K: random super-blocks with scales
 * giving a spread of about `sigma` (the values themselves are not used: a random model needs no particular weights).
 */
export function quantizeRows(values: Float32Array, format: WeightFormat, rows: number, cols: number, rng: Rng, sigma = 0.1): Uint8Array {
  if (format === 'F32' || format === 'F16' || format === 'BF16') return encodeFromFloat32(values, format);
  const rb = rowBytes(format, cols);
  const out = new Uint8Array(rows * rb);
  const blocks = (rows * cols) / WEIGHT_FORMATS[format].blockWeights;
  if (format === 'Q4_K' || format === 'Q6_K') {
    const bb = WEIGHT_FORMATS[format].blockBytes;
    for (let b = 0; b < blocks; b++) {
      const o = b * bb;
      for (let i = 0; i < bb; i++) out[o + i] = byte(rng);
      if (format === 'Q4_K') {
        // w = d·sc·q − dmin·m, sc, m in 0…63, q in 0…15: E[d·sc·q] = d·31.5·7.5 = dmin·31.5 when dmin = 7.5·d.
        const d = sigma / 300;
        putU16(out, o, f32ToF16Bits(d));
        putU16(out, o + 2, f32ToF16Bits(7.5 * d));
      } else {
        putU16(out, o + 208, f32ToF16Bits(sigma / 1400)); // w = d·sc·(q − 32), sc i8: spread ≈ 1400·d
      }
    }
    return out;
  }
  for (let b = 0; b < blocks; b++) {
    const x = values.subarray(b * 32, b * 32 + 32);
    const o = b * WEIGHT_FORMATS[format].blockBytes;
    if (format === 'Q8_0') {
      const amax = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const d = amax / 127;
      putU16(out, o, f32ToF16Bits(d));
      for (let j = 0; j < 32; j++) out[o + 2 + j] = (d === 0 ? 0 : Math.round(x[j] / d)) & 0xff;
    } else if (format === 'Q4_0') {
      let max = 0;
      for (const v of x) if (Math.abs(v) > Math.abs(max)) max = v;
      const d = max / -8;
      putU16(out, o, f32ToF16Bits(d));
      const q = (v: number) => (d === 0 ? 8 : Math.min(15, Math.max(0, Math.floor(v / d + 8.5))));
      for (let j = 0; j < 16; j++) out[o + 2 + j] = q(x[j]) | (q(x[j + 16]) << 4);
    } else {
      const min = Math.min(...x);
      const max = Math.max(...x);
      const d = (max - min) / 15;
      putU16(out, o, f32ToF16Bits(d));
      putU16(out, o + 2, f32ToF16Bits(min));
      const q = (v: number) => (d === 0 ? 0 : Math.min(15, Math.max(0, Math.floor((v - min) / d + 0.5))));
      for (let j = 0; j < 16; j++) out[o + 4 + j] = q(x[j]) | (q(x[j + 16]) << 4);
    }
  }
  return out;
}
