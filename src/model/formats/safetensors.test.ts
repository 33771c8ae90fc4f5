import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  SafetensorsError,
  bf16BitsToF32,
  decodeToFloat32,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  parseSafetensorsFile,
  parseSafetensorsHeader,
  readHeaderLength,
  writeSafetensors,
} from './safetensors.ts';
import { STORIES260K_DIR } from '../../testing/node-paths.ts';

/** f32 bits of x, read through a DataView (independent of the code under test). */
function bitsOf(x: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  return v.getUint32(0);
}
function fromBits(b: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, b >>> 0);
  return v.getFloat32(0);
}
/** Independent f16 decoder: assemble f32 bits for normals, scale the mantissa for subnormals. */
function refF16ToF32(h: number): number {
  const sign = h >>> 15;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant ? NaN : sign ? -Infinity : Infinity;
  if (exp === 0) return (sign ? -1 : 1) * (mant / 1024) * 2 ** -14;
  return fromBits((sign << 31) | ((exp - 15 + 127) << 23) | (mant << 13));
}

const TWO = (e: number) => 2 ** e;

describe('f16 bit conversions', () => {
  it.each([
    [1.0, 0x3c00], [-2.5, 0xc100], [65504, 0x7bff], [0.5, 0x3800], [0.1, 0x2e66], [0, 0x0000], [-0, 0x8000],
    [TWO(-24), 0x0001], [1023 * TWO(-24), 0x03ff], [TWO(-14), 0x0400], [Infinity, 0x7c00], [-Infinity, 0xfc00],
    [65519, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], // 65520 is halfway to 2^16: rounds (even) to infinity
    [TWO(-25), 0x0000], [1.5 * TWO(-25), 0x0001], [3 * TWO(-25), 0x0002], // ties to even among subnormals
    [1 + TWO(-11), 0x3c00], [1 + 3 * TWO(-11), 0x3c02], [1 + 1.5 * TWO(-11), 0x3c01], // ties to even, above-half rounds up
    [TWO(-30), 0x0000], [-TWO(-30), 0x8000],
  ])('%d → %s', (x, bits) => {
    expect(f32ToF16Bits(x)).toBe(bits);
  });

  it('encodes NaN as a NaN pattern and decodes it as NaN', () => {
    const h = f32ToF16Bits(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x3ff).not.toBe(0);
    expect(f16BitsToF32(0x7e00)).toBeNaN();
    expect(f16BitsToF32(0xfc01)).toBeNaN();
  });

  it('decodes every bit pattern like an independent decoder', () => {
    for (let h = 0; h < 0x10000; h++) {
      const want = refF16ToF32(h);
      if (Number.isNaN(want)) expect(f16BitsToF32(h)).toBeNaN();
      else if (!Object.is(f16BitsToF32(h), want)) throw new Error(`f16 0x${h.toString(16)}: ${f16BitsToF32(h)} != ${want}`);
    }
  });

  it('rounds to the nearest f16 (ties to even) for random f32 values, against a brute-force search', () => {
    const finite: { h: number; v: number }[] = [];
    for (let h = 0; h < 0x7c00; h++) finite.push({ h, v: refF16ToF32(h) }); // non-negative finite, increasing
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let n = 0; n < 3000; n++) {
      const x = Math.fround(rand() * 2 ** (Math.floor(rand() * 44) - 28));
      if (x >= 65520) continue;
      let lo = 0;
      while (lo + 1 < finite.length && finite[lo + 1].v <= x) lo++;
      const a = finite[lo];
      const b = finite[Math.min(lo + 1, finite.length - 1)];
      const want = x - a.v < b.v - x ? a.h : x - a.v > b.v - x ? b.h : a.h % 2 === 0 ? a.h : b.h;
      if (f32ToF16Bits(x) !== want) throw new Error(`${x}: got 0x${f32ToF16Bits(x).toString(16)}, want 0x${want.toString(16)}`);
      if (f32ToF16Bits(-x) !== (want | 0x8000)) throw new Error(`-${x}: sign lost`);
    }
  });

  it('rounds every exact midpoint between adjacent f16 values to the even one', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (refF16ToF32(h) + refF16ToF32(h + 1)) / 2; // exact in f32 (12 significant bits)
      const want = h % 2 === 0 ? h : h + 1;
      if (f32ToF16Bits(mid) !== want) throw new Error(`midpoint after 0x${h.toString(16)}: got 0x${f32ToF16Bits(mid).toString(16)}`);
    }
  });

  it('round-trips every non-NaN f16 value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      if (f32ToF16Bits(f16BitsToF32(h)) !== h) throw new Error(`0x${h.toString(16)} does not round-trip`);
    }
  });
});

describe('bf16 bit conversions', () => {
  it.each([
    [1.0, 0x3f80], [-2.5, 0xc020], [0.1, 0x3dcd], [65504, 0x4780], [-0, 0x8000], [Infinity, 0x7f80],
    [1 + TWO(-8), 0x3f80], [1 + 3 * TWO(-8), 0x3f82], // ties to even
    [3.4028234663852886e38, 0x7f80], // max f32 rounds up to infinity
    [TWO(-133), 0x0001], [TWO(-140), 0x0000], // subnormals
  ])('%d → %s', (x, bits) => {
    expect(f32ToBf16Bits(x)).toBe(bits);
  });

  it('encodes NaN as a quiet NaN', () => {
    expect(f32ToBf16Bits(NaN) & 0x7fc0).toBe(0x7fc0);
    expect(f32ToBf16Bits(fromBits(0x7f800001))).not.toBe(0x7f80); // a NaN whose payload sits in the low bits stays NaN
  });

  it('decodes every bit pattern to the f32 with those upper bits', () => {
    for (let b = 0; b < 0x10000; b++) {
      const got = bf16BitsToF32(b);
      if (Number.isNaN(got)) expect((b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0).toBe(true);
      else if (bitsOf(got) !== b * 0x10000) throw new Error(`bf16 0x${b.toString(16)}`);
    }
  });
});

describe('decodeToFloat32', () => {
  it('decodes little-endian bytes of each dtype, also at an unaligned offset', () => {
    const f32 = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]; // 1.0, -2.5
    const f16 = [0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x01, 0x00]; // 1.0, -2.5, 65504, 2^-24
    const bf16 = [0x80, 0x3f, 0x20, 0xc0, 0xc0, 0x7f]; // 1.0, -2.5, NaN
    for (const shift of [0, 1, 3]) {
      const at = (bytes: number[]) => new Uint8Array([...new Array(shift).fill(0xee), ...bytes]).subarray(shift);
      expect([...decodeToFloat32(at(f32), 'F32')]).toEqual([1, -2.5]);
      expect([...decodeToFloat32(at(f16), 'F16')]).toEqual([1, -2.5, 65504, 2 ** -24]);
      const b = decodeToFloat32(at(bf16), 'BF16');
      expect([b[0], b[1]]).toEqual([1, -2.5]);
      expect(b[2]).toBeNaN();
    }
  });

  it('returns a copy, not a view of the file', () => {
    const bytes = new Uint8Array([0x00, 0x00, 0x80, 0x3f]);
    decodeToFloat32(bytes, 'F32')[0] = 7;
    expect(bytes[3]).toBe(0x3f);
  });

  it('refuses a byte count that is not whole elements', () => {
    expect(() => decodeToFloat32(new Uint8Array(3), 'F16')).toThrow(/whole number/);
  });
});

describe('writeSafetensors → parse → decode', () => {
  const values = new Float32Array([1, -2.5, 65504, 2 ** -24, NaN, 0.1]);
  const expectedBits: Record<'F16' | 'BF16', number[]> = {
    F16: [0x3c00, 0xc100, 0x7bff, 0x0001, 0x7e00, 0x2e66],
    BF16: [0x3f80, 0xc020, 0x4780, 0x3380, 0x7fc0, 0x3dcd],
  };

  it.each(['F32', 'F16', 'BF16'] as const)('%s', (dtype) => {
    const file = writeSafetensors(
      [
        { name: 'a', dtype, shape: [2, 3], data: values },
        { name: 'b.bias', dtype, shape: [1], data: new Float32Array([-1]) },
        { name: 'empty', dtype, shape: [0, 4], data: new Float32Array(0) },
      ],
      { format: 'pt' },
    );
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const headerText = new TextDecoder().decode(file.subarray(8, 8 + headerLength));
    expect(headerText.startsWith('{')).toBe(true);
    expect(/^[^ ]*\}( *)$/.exec(headerText)?.[1].length ?? -1).toBeLessThan(8); // padded with at most 7 spaces

    const h = parseSafetensorsFile(file, 'mem.safetensors');
    expect(h.headerLength).toBe(headerLength);
    expect(h.dataStart).toBe(8 + headerLength);
    expect(h.metadata).toEqual({ format: 'pt' });
    const a = h.tensors.get('a')!;
    const width = dtype === 'F32' ? 4 : 2;
    expect(a).toEqual({ name: 'a', dtype, shape: [2, 3], begin: h.dataStart, end: h.dataStart + 6 * width });
    expect(h.tensors.get('b.bias')!.begin).toBe(a.end);
    expect(h.tensors.get('b.bias')!.end).toBe(file.byteLength);

    const raw = file.subarray(a.begin, a.end);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const decoded = decodeToFloat32(raw, dtype);
    if (dtype === 'F32') {
      for (let i = 0; i < 6; i++) expect(view.getUint32(4 * i, true)).toBe(bitsOf(values[i]));
      expect([...decoded.subarray(0, 4)]).toEqual([...values.subarray(0, 4)]);
    } else {
      for (let i = 0; i < 6; i++) expect(view.getUint16(2 * i, true)).toBe(expectedBits[dtype][i]);
      const want = expectedBits[dtype].map(dtype === 'F16' ? refF16ToF32 : (b) => fromBits(b << 16));
      expect([decoded[0], decoded[1], decoded[2], decoded[3], decoded[5]]).toEqual([want[0], want[1], want[2], want[3], want[5]]);
    }
    expect(decoded[4]).toBeNaN();
    expect([...decodeToFloat32(file.subarray(h.tensors.get('b.bias')!.begin, file.byteLength), dtype)]).toEqual([-1]);
  });

  it('refuses data that does not match the shape', () => {
    expect(() => writeSafetensors([{ name: 'x', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/"x"/);
  });
});

/** A file from a hand-written header and `dataBytes` bytes of data. */
function fileWith(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
}

function refusal(file: Uint8Array): string {
  try {
    parseSafetensorsFile(file, 'liar.safetensors');
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    expect((e as Error).message).toContain('liar.safetensors');
    return (e as Error).message;
  }
  throw new Error('expected the header to be refused');
}

describe('lying headers are refused', () => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it('accepts the honest baseline', () => {
    expect(parseSafetensorsFile(fileWith({ w: ok }, 8), 'ok.safetensors').tensors.get('w')!.end).toBe(8 + JSON.stringify({ w: ok }).length + 8);
  });

  it('header length past the end of the file', () => {
    const first8 = new Uint8Array(8);
    new DataView(first8.buffer).setBigUint64(0, 100n, true);
    expect(() => readHeaderLength(first8, 107, 'f.safetensors')).toThrow(/header length 100 runs past the end.*107/);
    expect(readHeaderLength(first8, 108, 'f.safetensors')).toBe(100);
    const short = fileWith({ w: ok }, 8).subarray(0, 20);
    expect(refusal(short)).toMatch(/past the end/);
  });

  it('header length over 100 MB, or with the high word set', () => {
    const first8 = new Uint8Array(8);
    new DataView(first8.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    expect(() => readHeaderLength(first8, 2e9, 'f.safetensors')).toThrow(/exceeds/);
    new DataView(first8.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => readHeaderLength(first8, 2 ** 41, 'f.safetensors')).toThrow(SafetensorsError);
    expect(() => readHeaderLength(new Uint8Array(5), 5, 'f.safetensors')).toThrow(/too short/);
  });

  it('not JSON, or not an object', () => {
    const file = fileWith({}, 0);
    file.set(new TextEncoder().encode('{x'), 8);
    expect(refusal(file)).toMatch(/not valid JSON/);
    expect(refusal(fileWith([1, 2], 0))).toMatch(/JSON object/);
  });

  it('unknown dtype, naming tensor and dtype', () => {
    const msg = refusal(fileWith({ 'model.w': { dtype: 'I8', shape: [2], data_offsets: [0, 2] } }, 2));
    expect(msg).toContain('"model.w"');
    expect(msg).toContain('"I8"');
  });

  it('size and shape disagree', () => {
    const msg = refusal(fileWith({ w: { dtype: 'F16', shape: [3, 2], data_offsets: [0, 8] } }, 8));
    expect(msg).toMatch(/"w".*hold 8 bytes but shape \[3, 2\] of F16 needs 12/);
  });

  it('bad shapes and offsets', () => {
    expect(refusal(fileWith({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8))).toMatch(/"w".*shape/);
    expect(refusal(fileWith({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 6] } }, 8))).toMatch(/"w".*shape/);
    expect(refusal(fileWith({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8))).toMatch(/"w".*data_offsets/);
    expect(refusal(fileWith({ w: { dtype: 'F32', shape: [2] } }, 8))).toMatch(/"w".*data_offsets/);
    expect(refusal(fileWith({ w: 5 }, 8))).toMatch(/"w".*object/);
  });

  it('data running past the end of the file', () => {
    expect(refusal(fileWith({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 12))).toMatch(/"w".*past the end/);
  });

  it('overlapping tensors, whatever their order in the header', () => {
    const msg = refusal(fileWith({
      b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] },
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
    }, 20));
    expect(msg).toMatch(/"a".*"b".*overlap/);
    expect(() => parseSafetensorsFile(fileWith({
      b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] },
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
    }, 24), 'adjacent.safetensors')).not.toThrow();
  });

  it('metadata that is not a map of strings', () => {
    expect(refusal(fileWith({ __metadata__: { format: 1 } }, 0))).toMatch(/__metadata__/);
  });

  it('parseSafetensorsHeader refuses header bytes longer than the file', () => {
    expect(() => parseSafetensorsHeader(new TextEncoder().encode('{}'), 9, 'f.safetensors')).toThrow(/past the end/);
  });
});

describe('stories260K model.safetensors', () => {
  const file = new Uint8Array(fs.readFileSync(path.join(STORIES260K_DIR, 'model.safetensors')));

  it('parses, its tensors tile the data section, and F32 decoding matches DataView reads', () => {
    const h = parseSafetensorsFile(file, 'model.safetensors');
    expect(h.headerLength).toBe(4848);
    expect(h.tensors.size).toBe(47); // embed + norm + 5 layers × 9 (tied: no lm_head)
    const sorted = [...h.tensors.values()].sort((a, b) => a.begin - b.begin);
    expect(sorted[0].begin).toBe(h.dataStart);
    expect(sorted[sorted.length - 1].end).toBe(file.byteLength);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].begin).toBe(sorted[i - 1].end);

    const embed = h.tensors.get('model.embed_tokens.weight')!;
    expect(embed).toMatchObject({ dtype: 'F32', shape: [512, 64] });
    const values = decodeToFloat32(file.subarray(embed.begin, embed.end), 'F32');
    const view = new DataView(file.buffer, file.byteOffset);
    for (const i of [0, 1, 777, 32767]) expect(values[i]).toBe(view.getFloat32(embed.begin + 4 * i, true));
  });
});
