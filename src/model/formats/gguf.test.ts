import { describe, expect, it } from 'vitest';
import { GgufBytes, ggufWithTensors } from '../../testing/gguf-bytes.ts';
import type { ModelFiles } from './model-files.ts';
import { ggufPlain, GgufError, GgufNeedsMoreBytes, GgufType, parseGgufHeader, readGguf, readGgufHeader } from './gguf.ts';

/** Every metadata type once, and a nested array (array of arrays of u8, array of arrays of strings). */
function everyTypeKvs(b: GgufBytes): number {
  b.str('t.u8').u32(0).u8(200);
  b.str('t.i8').u32(1).u8(0xfe);
  b.str('t.u16').u32(2).u16(65000);
  b.str('t.i16').u32(3).u16(0x8000);
  b.str('t.u32').u32(4).u32(4_000_000_000);
  b.str('t.i32').u32(5).i32(-123456);
  b.str('t.f32').u32(6).f32(1.5);
  b.str('t.bool').u32(7).u8(1);
  b.str('t.string').u32(8).str('héllo ☃');
  b.str('t.u64').u32(10).u64(2n ** 63n + 5n);
  b.str('t.i64').u32(11).i64(-(2n ** 62n));
  b.str('t.f64').u32(12).f64(Math.PI);
  b.str('t.arr.f32').u32(9).u32(6).u64(3).f32(1).f32(-2).f32(0.25);
  b.str('t.arr.str').u32(9).u32(8).u64(2).str('a').str('');
  b.str('t.nested').u32(9).u32(9).u64(2).u32(0).u64(2).u8(1).u8(2).u32(8).u64(1).str('x');
  b.str('general.alignment').u32(4).u32(64);
  return 16;
}

const EXPECTED_PLAIN: Record<string, unknown> = {
  't.u8': 200,
  't.i8': -2,
  't.u16': 65000,
  't.i16': -32768,
  't.u32': 4_000_000_000,
  't.i32': -123456,
  't.f32': 1.5,
  't.bool': true,
  't.string': 'héllo ☃',
  't.u64': 2n ** 63n + 5n,
  't.i64': -(2n ** 62n),
  't.f64': Math.PI,
  't.arr.f32': [1, -2, 0.25],
  't.arr.str': ['a', ''],
  't.nested': [[1, 2], ['x']],
  'general.alignment': 64,
};

function twoTensorFile(version: number): Uint8Array {
  return ggufWithTensors(
    version,
    everyTypeKvs,
    [
      { name: 'a', dims: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'b', dims: [5], data: Float32Array.from([7, 8, 9, 10, 11]) },
    ],
    64,
  );
}

describe('GGUF reader', () => {
  for (const version of [2, 3]) {
    it(`reads every metadata type, nested arrays, alignment and tensor infos (v${version})`, () => {
      const bytes = twoTensorFile(version);
      const f = readGguf(bytes, 'x.gguf');
      expect(f.version).toBe(version);
      expect(f.alignment).toBe(64);
      for (const [k, v] of Object.entries(EXPECTED_PLAIN)) expect(ggufPlain(f.kv.get(k)), k).toEqual(v);
      expect(f.kv.get('t.nested')?.type).toBe(GgufType.ARRAY);
      expect(f.dataStart % 64).toBe(0);
      expect(f.tensors.map((t) => [t.name, t.dims, t.typeName, t.offset, t.end - t.begin])).toEqual([
        ['a', [3, 2], 'F32', 0, 24],
        ['b', [5], 'F32', 64, 20],
      ]);
      const b = f.tensors[1];
      expect([...new Float32Array(bytes.slice(b.begin, b.end).buffer)]).toEqual([7, 8, 9, 10, 11]);
    });
  }

  it('reads the header of a file through growing range reads, never past the header', async () => {
    // A header of ~3 MiB of strings (more than the first 1 MiB read), then 4 MiB of tensor data.
    const b = new GgufBytes();
    const n = 30_000;
    b.header(3, 1, 1).str('tokens').u32(9).u32(8).u64(n);
    for (let i = 0; i < n; i++) b.str(`token-${i}-`.padEnd(100, 'x'));
    b.tensorInfo('w', [1 << 20], 0, 0).pad(32);
    const header = b.bytes();
    const size = header.length + (4 << 20);
    let maxEnd = 0;
    const files: ModelFiles = {
      id: 'm',
      text: async () => null,
      range: async (_name, start, end) => {
        maxEnd = Math.max(maxEnd, end);
        const e = Math.min(end, size);
        const out = new Uint8Array(e - start);
        out.set(header.subarray(start, Math.min(e, header.length)));
        return { bytes: out, size };
      },
      stream: async () => {
        throw new Error('not used');
      },
    };
    const f = await readGgufHeader(files, 'big.gguf');
    expect((ggufPlain(f.kv.get('tokens')) as string[])[n - 1]).toBe(`token-${n - 1}-`.padEnd(100, 'x'));
    expect(f.tensors[0].end).toBe(size);
    expect(maxEnd).toBeLessThan(header.length * 2 + 1);
  });

  it('asks for more bytes when given only a prefix of a longer file', () => {
    const bytes = twoTensorFile(3);
    expect(() => parseGgufHeader(bytes.subarray(0, 50), bytes.length, 'x.gguf')).toThrow(GgufNeedsMoreBytes);
  });

  it('names the section of a file truncated anywhere in its header', () => {
    const bytes = twoTensorFile(3);
    const f = readGguf(bytes);
    const headerEnd = f.tensors[0].begin;
    const seen = new Set<string>();
    expect(() => readGguf(bytes.subarray(0, 0), 'cut.gguf')).toThrow(/^cut\.gguf is empty \(0 bytes\)$/);
    for (let cut = 1; cut < headerEnd; cut++) {
      let message = '';
      try {
        readGguf(bytes.subarray(0, cut), 'cut.gguf');
      } catch (e) {
        expect(e).toBeInstanceOf(GgufError);
        message = (e as Error).message;
      }
      expect(message, `cut at ${cut}`).toMatch(/^cut\.gguf: .*(truncated|past the end|not a GGUF)/);
      seen.add(/(tensor info|metadata|the header|count|data)/.exec(message)?.[1] ?? message);
    }
    // Every section is named: the fixed header, the counts, metadata entries, tensor infos, and (cut in the padding) data.
    expect([...seen].sort()).toEqual(['count', 'data', 'metadata', 'tensor info', 'the header']);
    // Cut inside the tensor data: the tensor that runs past the end is named.
    expect(() => readGguf(bytes.subarray(0, f.tensors[1].end - 1), 'cut.gguf')).toThrow(/tensor "b" data .* runs past the end/);
  });

  it('refuses absurd counts and lengths before allocating', () => {
    const bigTensors = new GgufBytes().header(3, 1_000_000_000, 0).bytes();
    expect(() => readGguf(bigTensors)).toThrow(/tensor count 1000000000 runs past the end of the file/);
    const bigKvs = new GgufBytes().header(3, 0, 2n ** 40n).bytes();
    expect(() => readGguf(bigKvs)).toThrow(/metadata entry count 1099511627776 runs past/);
    const hugeString = new GgufBytes().header(3, 0, 1).u64(2n ** 63n).raw(new Uint8Array(16)).bytes();
    expect(() => readGguf(hugeString)).toThrow(/metadata entry #0's key at byte 24: string length 9223372036854775808 runs past the end/);
    const hugeArray = new GgufBytes().header(3, 0, 1).str('k').u32(9).u32(10).u64(2n ** 62n).raw(new Uint8Array(16)).bytes();
    expect(() => readGguf(hugeArray)).toThrow(/metadata "k".*array length \(of u64\) 4611686018427387904 runs past/);
    const hugeDim = new GgufBytes().header(3, 1, 0).tensorInfo('w', [2 ** 60], 0, 0).raw(new Uint8Array(32)).bytes();
    expect(() => readGguf(hugeDim)).toThrow(/tensor info "w".*dimension 0 1152921504606846976 is too large/);
    const deep = new GgufBytes().header(3, 0, 1).str('k').u32(9);
    for (let i = 0; i < 20; i++) deep.u32(9).u64(1);
    expect(() => readGguf(deep.bytes())).toThrow(/nested deeper than 8/);
  });

  it('refuses lying offsets, overlaps, misalignment, unknown types and bad versions', () => {
    const one = (dims: number[], type: number, offset: number, dataBytes: number, extra?: (b: GgufBytes) => void) => {
      const b = new GgufBytes().header(3, extra ? 2 : 1, 0).tensorInfo('w', dims, type, offset);
      extra?.(b);
      b.pad(32);
      return b.raw(new Uint8Array(dataBytes)).bytes();
    };
    expect(() => readGguf(one([8], 0, 0, 31))).toThrow(/tensor "w" data \[\d+, \d+\) runs past the end of the file/);
    expect(() => readGguf(one([8], 0, 64, 64))).toThrow(/tensor "w" data .* runs past the end/);
    expect(() => readGguf(one([8], 0, 16, 64))).toThrow(/tensor "w" offset 16 is not a multiple of the alignment 32/);
    expect(() => readGguf(one([8], 99, 0, 64))).toThrow(/tensor "w" has unknown ggml type 99/);
    expect(() => readGguf(one([48], 8, 0, 64))).toThrow(/tensor "w" is Q8_0, whose rows need a multiple of 32 weights, but its rows have 48/);
    expect(() => readGguf(one([1, 1, 1, 1, 1], 0, 0, 64))).toThrow(/5 dimensions/);
    const overlap = one([16], 0, 0, 128, (b) => b.tensorInfo('v', [8], 0, 32));
    expect(() => readGguf(overlap)).toThrow(/tensors "w" \[\d+, \d+\) and "v" \[\d+, \d+\) overlap/);
    const dup = one([8], 0, 0, 128, (b) => b.tensorInfo('w', [8], 0, 64));
    expect(() => readGguf(dup)).toThrow(/duplicate tensor name "w"/);
    expect(() => readGguf(new GgufBytes().header(4, 0, 0).bytes())).toThrow(/GGUF version 4 is not supported/);
    expect(() => readGguf(new GgufBytes().raw([0x47, 0x47, 0x55, 0x46]).u32(0x03000000).u64(0).u64(0).bytes())).toThrow(/big-endian/);
    expect(() => readGguf(new TextEncoder().encode('{"__metadata__": {}}'))).toThrow(/not a GGUF file/);
    const badType = new GgufBytes().header(3, 0, 1).str('k').u32(13).u8(0).bytes();
    expect(() => readGguf(badType)).toThrow(/metadata "k" at byte \d+: unknown metadata value type 13/);
    const badAlign = new GgufBytes().header(3, 0, 1).str('general.alignment').u32(4).u32(24).bytes();
    expect(() => readGguf(badAlign)).toThrow(/general.alignment must be a u32 power of two, found u32 24/);
    const badBool = new GgufBytes().header(3, 0, 1).str('k').u32(7).u8(2).bytes();
    expect(() => readGguf(badBool)).toThrow(/bool value 2/);
    const dupKey = new GgufBytes().header(3, 0, 2).str('k').u32(0).u8(1).str('k').u32(0).u8(1).bytes();
    expect(() => readGguf(dupKey)).toThrow(/duplicate metadata key "k"/);
  });

  it('reads the shared stories260K GGUF files', async () => {
    const { readFile } = await import('node:fs/promises');
    const { SHARED_DIR } = await import('../../testing/node-paths.ts');
    const bytes = new Uint8Array(await readFile(`${SHARED_DIR}/models/stories260K-gguf/stories260K-q4_0.gguf`));
    const f = readGguf(bytes, 'stories260K-q4_0.gguf');
    expect(f.tensors).toHaveLength(47);
    const embd = f.tensors.find((t) => t.name === 'token_embd.weight');
    expect(embd).toMatchObject({ dims: [64, 512], typeName: 'Q4_0' });
    expect(embd!.end - embd!.begin).toBe((512 * 64 * 18) / 32);
    expect((ggufPlain(f.kv.get('tokenizer.ggml.tokens')) as string[]).length).toBe(512);
  });
});
