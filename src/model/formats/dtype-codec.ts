// Conversions between f32 and the weight dtypes a safetensors file may hold (F32, F16, BF16), little-endian.
import { f16ToF32 } from '../../core/dequantize.ts';
import type { WeightDType } from '../spec.ts';

export const BYTES_PER_ELEMENT: Readonly<Record<WeightDType, number>> = { F32: 4, F16: 2, BF16: 2 };

export function isWeightDType(s: unknown): s is WeightDType {
  return s === 'F32' || s === 'F16' || s === 'BF16';
}

// One f32 reinterpreted as its u32 bits (same-size reinterpretation: independent of platform endianness).
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

function f32FromBits(bits: number): number {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0];
}

/** IEEE binary16 bits of `x` (first rounded to f32), round-to-nearest-even; NaN → 0x7e00 with the sign kept. */
export function f32ToF16Bits(x: number): number {
  const bits = f32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00);
  const e = exp - 127 + 15; // half-precision biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // |x| >= 2^16: infinity
  if (e <= 0) {
    if (e < -10) return sign; // |x| < 2^-25: rounds to zero
    // Subnormal half: value = m · 2^-24 with m = (1.mant) · 2^(e-1+10) → shift the 24-bit significand right by 14 - e.
    const full = mant | 0x800000;
    const shift = 14 - e;
    let half = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++; // may carry into the smallest normal: correct
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // may carry into infinity: correct
  return sign | half;
}

/** IEEE binary16 bits → value (one definition, in src/core/dequantize.ts). */
export const f16BitsToF32 = f16ToF32;

/** bfloat16 bits of `x` (first rounded to f32), round-to-nearest-even; NaN → quiet NaN with the sign kept. */
export function f32ToBf16Bits(x: number): number {
  const bits = f32Bits(x);
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) / 0x10000) & 0xffff; // division: the sum may exceed 2^31, shifts would sign it
}

export function bf16BitsToF32(b: number): number {
  return f32FromBits((b & 0xffff) << 16);
}

let f16Table: Float32Array | undefined;

function f16LookupTable(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) f16Table[h] = f16BitsToF32(h);
  }
  return f16Table;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `bytes` itself when its offset is a multiple of `width`, else an aligned copy (typed-array views need alignment). */
function alignedCopyIfNeeded(bytes: Uint8Array, width: 2 | 4): Uint8Array {
  return bytes.byteOffset % width === 0 ? bytes : bytes.slice();
}

/** Decode little-endian tensor bytes to a fresh Float32Array. */
export function decodeToFloat32(bytes: Uint8Array, dtype: WeightDType): Float32Array {
  const width = BYTES_PER_ELEMENT[dtype];
  if (bytes.byteLength % width !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  const n = bytes.byteLength / width;
  const out = new Float32Array(n);
  if (!LITTLE_ENDIAN_HOST) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      out[i] =
        dtype === 'F32' ? view.getFloat32(4 * i, true)
        : dtype === 'F16' ? f16BitsToF32(view.getUint16(2 * i, true))
        : bf16BitsToF32(view.getUint16(2 * i, true));
    }
    return out;
  }
  const src = alignedCopyIfNeeded(bytes, width === 4 ? 4 : 2);
  if (dtype === 'F32') {
    out.set(new Float32Array(src.buffer, src.byteOffset, n));
  } else if (dtype === 'F16') {
    const table = f16LookupTable();
    const u16 = new Uint16Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = table[u16[i]];
  } else {
    const u16 = new Uint16Array(src.buffer, src.byteOffset, n);
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u32[i] = u16[i] << 16;
  }
  return out;
}

/** Encode f32 values as little-endian bytes of `dtype` (rounding to nearest even for F16/BF16). */
export function encodeFromFloat32(data: Float32Array, dtype: WeightDType): Uint8Array {
  const out = new Uint8Array(data.length * BYTES_PER_ELEMENT[dtype]);
  if (!LITTLE_ENDIAN_HOST) {
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) {
      if (dtype === 'F32') view.setFloat32(4 * i, data[i], true);
      else view.setUint16(2 * i, dtype === 'F16' ? f32ToF16Bits(data[i]) : f32ToBf16Bits(data[i]), true);
    }
    return out;
  }
  if (dtype === 'F32') {
    new Float32Array(out.buffer).set(data);
  } else {
    const u16 = new Uint16Array(out.buffer);
    const toBits = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
    for (let i = 0; i < data.length; i++) u16[i] = toBits(data[i]);
  }
  return out;
}
