/**
 * CPU twin of the WGSL weight decode (./*.wgsl): weight2 for every format over the GPU layout (weights-access.ts),
 * with the shader's f32 arithmetic. decodeGpuMatrix(gpuLayout(bytes)) must equal core/dequantize.ts on the same
 * bytes (weights.test.ts), and the kernels are checked against their CPU twins on the matrices it decodes.
 */
import { f16ToF32 } from '../../core/dequantize.ts';
import type { WeightFormat } from '../../core/weight-format.ts';

const fr = Math.fround;
const f32v = new Float32Array(1);
const u32v = new Uint32Array(f32v.buffer);
const bitsF32 = (b: number) => {
  u32v[0] = b >>> 0;
  return f32v[0];
};
const sbyte = (b: number) => ((b & 0xff) << 24) >> 24;

/** W[row, 2p], W[row, 2p + 1] of a matrix of `rows` rows in the GPU layout. */
export function weight2Cpu(format: WeightFormat, W: Uint32Array, p: number, row: number, rows: number): [number, number] {
  const word = (off: number) => W[(off >>> 2) * rows + row];
  const u16 = (off: number) => (word(off) >>> ((off & 2) * 8)) & 0xffff;
  const byte = (off: number) => (word(off) >>> ((off & 3) * 8)) & 0xff;
  const f16 = (off: number) => f16ToF32(u16(off));
  switch (format) {
    case 'F32':
      return [bitsF32(W[2 * p * rows + row]), bitsF32(W[(2 * p + 1) * rows + row])];
    case 'F16': {
      const w = W[p * rows + row];
      return [f16ToF32(w & 0xffff), f16ToF32(w >>> 16)];
    }
    case 'BF16': {
      const w = W[p * rows + row];
      return [bitsF32(w << 16), bitsF32(w & 0xffff0000)];
    }
    case 'Q8_0': {
      const base = (p >>> 4) * 34;
      const d = f16(base);
      const q = u16(base + 2 + ((2 * p) & 31));
      return [fr(d * sbyte(q)), fr(d * sbyte(q >>> 8))];
    }
    case 'Q4_0':
    case 'Q4_1': {
      const withMin = format === 'Q4_1';
      const base = (p >>> 4) * (withMin ? 20 : 18);
      const j = (2 * p) & 31;
      const d = f16(base);
      const q = u16(base + (withMin ? 4 : 2) + (j & 15)) >>> (j >= 16 ? 4 : 0);
      const a = q & 15;
      const b = (q >>> 8) & 15;
      if (!withMin) return [fr(d * (a - 8)), fr(d * (b - 8))];
      const m = f16(base + 2);
      return [fr(fr(d * a) + m), fr(fr(d * b) + m)];
    }
    case 'Q4_K': {
      const k = (2 * p) & 255;
      const base = (p >>> 7) * 144;
      const d = f16(base);
      const dmin = f16(base + 2);
      const i = k >>> 6;
      const hi = (k >>> 5) & 1;
      const s = 2 * i + hi;
      const sb = base + 4;
      let sc: number, mn: number;
      if (s < 4) {
        sc = byte(sb + s) & 63;
        mn = byte(sb + s + 4) & 63;
      } else {
        const b8 = byte(sb + s + 4);
        sc = (b8 & 15) | ((byte(sb + s - 4) >>> 6) << 4);
        mn = (b8 >>> 4) | ((byte(sb + s) >>> 6) << 4);
      }
      const q = u16(base + 16 + 32 * i + (k & 31)) >>> (4 * hi);
      const d1 = fr(d * sc);
      const m1 = fr(dmin * mn);
      return [fr(fr(d1 * (q & 15)) - m1), fr(fr(d1 * ((q >>> 8) & 15)) - m1)];
    }
    case 'Q6_K': {
      const k = (2 * p) & 255;
      const base = (p >>> 7) * 210;
      const h = k >>> 7;
      const t = (k >>> 5) & 3;
      const l = k & 31;
      const ql = u16(base + 64 * h + 32 * (t & 1) + l) >>> (4 * (t >>> 1));
      const qh = u16(base + 128 + 32 * h + l) >>> (2 * t);
      const q0 = (ql & 15) | ((qh & 3) << 4);
      const q1 = ((ql >>> 8) & 15) | (((qh >>> 8) & 3) << 4);
      const ds = fr(f16(base + 208) * sbyte(byte(base + 192 + 8 * h + (l >>> 4) + 2 * t)));
      return [fr(ds * (q0 - 32)), fr(ds * (q1 - 32))];
    }
  }
}

/** Every weight of a [rows, cols] matrix in the GPU layout, decoded as the shaders do: row-major f32. */
export function decodeGpuMatrix(format: WeightFormat, W: Uint32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < cols / 2; p++) {
      const [a, b] = weight2Cpu(format, W, p, r, rows);
      out[r * cols + 2 * p] = a;
      out[r * cols + 2 * p + 1] = b;
    }
  }
  return out;
}
