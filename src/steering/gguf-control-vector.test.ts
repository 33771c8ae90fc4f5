import { describe, expect, it } from 'vitest';
import type { HookName } from '../model/spec.ts';
import { decodeControlVector, encodeControlVector, readControlVector } from './gguf-control-vector.ts';
import { GgufType, readGguf, writeGguf } from '../model/formats/gguf-io.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { Intervention } from './intervention.ts';

const ones = (d: number): Float32Array => new Float32Array(d).fill(1);
const iv = (maps: [HookName, HookMap][]): Intervention => ({ modelId: 'm', method: 'mean', hooks: new Map(maps), strength: 1 });
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Independent little-endian byte builder for hand-made GGUF files. */
class Bytes {
  parts: number[] = [];
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.parts.push(...b);
    return this;
  }
  f32(v: number): this {
    const b = new Uint8Array(Float32Array.of(v).buffer);
    this.parts.push(...b);
    return this;
  }
  padTo(n: number): this {
    while (this.parts.length % n) this.parts.push(0);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

describe('llama.cpp control vectors (GGUF)', () => {
  it('writes the header byte for byte as hand-computed', () => {
    const b1 = Float32Array.of(0.5, -1, 2);
    const b2 = Float32Array.of(3, 0, -0.25);
    const bytes = encodeControlVector(
      iv([
        ['2.resid', { w: ones(3), b: b2 }],
        ['1.resid', { w: ones(3), b: b1 }],
      ]),
    );
    // 24 (magic, version, counts) + 53 (general.architecture) + 49 (model_hint "llama") + 41 (layer_count)
    // + 2 × 43 (tensor infos "direction.N") = 253 → data at 256; two 12-byte tensors padded to 32 each.
    const expected = new Bytes()
      .u32(0x46554747) // "GGUF"
      .u32(3)
      .u64(2)
      .u64(3)
      .str('general.architecture').u32(8).str('controlvector')
      .str('controlvector.model_hint').u32(8).str('llama')
      .str('controlvector.layer_count').u32(4).u32(2)
      .str('direction.1').u32(1).u64(3).u32(0).u64(0)
      .str('direction.2').u32(1).u64(3).u32(0).u64(32)
      .padTo(32)
      .f32(0.5).f32(-1).f32(2).padTo(32)
      .f32(3).f32(0).f32(-0.25).padTo(32)
      .done();
    expect(expected.length).toBe(320);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]);
    expect(bytes).toEqual(expected);
    const file = readGguf(bytes);
    expect(file.dataStart).toBe(256);
  });

  it('round-trips: direction.k ↔ {k}.resid with w = 1, bitwise', () => {
    const d = 5;
    const b3 = Float32Array.of(1e-30, -0, 3.5, 1 / 3, -7);
    const b7 = Float32Array.of(1, 2, 3, 4, 5);
    const bytes = encodeControlVector(
      iv([
        ['3.resid', { w: ones(d), b: b3 }],
        ['7.resid', { w: ones(d), b: b7 }],
      ]),
      { modelHint: 'qwen2' },
    );
    const cv = readControlVector(bytes);
    expect(cv.modelHint).toBe('qwen2');
    expect(cv.layerCount).toBe(2);
    const back = decodeControlVector(bytes, 'my-model', { hiddenSize: d, numLayers: 8 });
    expect(back.modelId).toBe('my-model');
    expect(back.method).toBe('imported');
    expect([...back.hooks.keys()]).toEqual(['3.resid', '7.resid']);
    expect(bits(back.hooks.get('3.resid')?.b as Float32Array)).toEqual(bits(b3));
    expect(Array.from(back.hooks.get('7.resid')?.w as Float32Array)).toEqual([1, 1, 1, 1, 1]);
    expect(() => decodeControlVector(bytes, 'm', { numLayers: 7 })).toThrow(/direction\.7 is beyond the model's 7 layers/);
    expect(() => decodeControlVector(bytes, 'm', { hiddenSize: 4 })).toThrow(/hidden size is 4/);
  });

  it('exports mlp hooks onto the same layer (summed with resid), refuses what a control vector cannot express', () => {
    const bytes = encodeControlVector(
      iv([
        ['2.mlp', { w: ones(2), b: Float32Array.of(1, 2) }],
        ['2.resid', { w: ones(2), b: Float32Array.of(10, 20) }],
      ]),
    );
    expect(Array.from(readControlVector(bytes).directions.get(2) as Float32Array)).toEqual([11, 22]);
    expect(() => encodeControlVector(iv([['1.attn', { w: ones(2), b: new Float32Array(2) }]]))).toThrow(/attention hooks \(1\.attn\)/);
    expect(() => encodeControlVector(iv([['1.resid', { w: Float32Array.of(1, 2), b: new Float32Array(2) }]]))).toThrow(
      /scales neurons \(w\[1\] = 2\)/,
    );
    expect(() => encodeControlVector(iv([['0.resid', { w: ones(2), b: new Float32Array(2) }]]))).toThrow(/layer 0/);
    expect(() =>
      encodeControlVector(iv([['1.resid', { w: ones(2), b: new Float32Array(2), gate: { a: new Float32Array(2), c: 0 } }]])),
    ).toThrow(/DSAS gate/);
    expect(() =>
      encodeControlVector(iv([['1.resid', { w: ones(2), b: new Float32Array(2), range: { lo: ones(2), hi: ones(2) } }]])),
    ).toThrow(/range mask/);
    expect(() => encodeControlVector(iv([]))).toThrow(/no hooks/);
  });

  it('reads files with other metadata types and a custom alignment', () => {
    const bytes = new Bytes()
      .u32(0x46554747).u32(3).u64(1).u64(5)
      .str('general.architecture').u32(8).str('controlvector')
      .str('general.alignment').u32(4).u32(64)
      .str('controlvector.layer_count').u32(5).u32(1) // written as i32 by llama.cpp's cvector-generator
      .str('extra.list').u32(9).u32(8).u64(2).str('a').str('bc')
      .str('extra.big').u32(10).u64(123)
      .str('direction.4').u32(1).u64(2).u32(0).u64(0)
      .padTo(64)
      .f32(1.5).f32(-2)
      .done();
    const file = readGguf(bytes);
    expect(file.alignment).toBe(64);
    expect(file.kv.get('extra.list')?.value).toEqual(['a', 'bc']);
    expect(file.kv.get('extra.big')?.value).toBe(123n);
    const cv = readControlVector(bytes);
    expect(cv.layerCount).toBe(1);
    expect(cv.modelHint).toBeNull();
    expect(Array.from(cv.directions.get(4) as Float32Array)).toEqual([1.5, -2]);
  });

  it('refuses what llama.cpp refuses, and non-GGUF input', () => {
    const one = (name: string, dims: number[], type = 0, arch = 'controlvector') => {
      const n = dims.reduce((p, x) => p * x, 1);
      const b = new Bytes().u32(0x46554747).u32(3).u64(1).u64(1).str('general.architecture').u32(8).str(arch);
      b.str(name).u32(dims.length);
      for (const x of dims) b.u64(x);
      b.u32(type).u64(0).padTo(32);
      for (let i = 0; i < n; i++) b.f32(i);
      return b.done();
    };
    expect(readControlVector(one('direction.1', [3])).directions.size).toBe(1);
    expect(() => readControlVector(one('direction.0', [3]))).toThrow(/direction\.0 is invalid/);
    expect(() => readControlVector(one('token_embd.weight', [3]))).toThrow(/not a direction\.<layer> tensor/);
    expect(() => readControlVector(one('direction.1', [3], 1))).toThrow(/ggml type 1; control vectors must be F32/);
    expect(() => readControlVector(one('direction.1', [3, 2]))).toThrow(/2 dimensions/);
    expect(() => readControlVector(one('direction.1', [3], 0, 'llama'))).toThrow(/general\.architecture is "llama"/);
    expect(() => readControlVector(new TextEncoder().encode('{"not":"gguf"}'))).toThrow(/not a GGUF file/);
    expect(() => readControlVector(new Bytes().u32(0x46554747).u32(1).u64(0).u64(0).done())).toThrow(/version 1 is not supported/);
    expect(() => readControlVector(new Bytes().u32(0x46554747).u32(0x03000000).done())).toThrow(/big-endian/);
    const good = one('direction.1', [3]);
    expect(() => readControlVector(good.subarray(0, good.length - 4))).toThrow(/past the end of the file/);
    expect(() => readControlVector(good.subarray(0, 40))).toThrow(/truncated/);
  });
});

describe('control vector robustness (issue 16)', () => {
  const kv = [{ key: 'general.architecture', type: GgufType.STRING, value: 'controlvector' }];
  const dir = (name: string, values: number[]) => ({ name, dims: [values.length], data: Float32Array.from(values) });
  it('refuses a 3e38 direction', () => {
    const bytes = writeGguf(kv, [dir('direction.1', [0, 3e38, 0, 0])]);
    expect(() => readControlVector(bytes, 'cv.gguf')).toThrow(/^cv\.gguf: tensor direction\.1 holds 3\.\d+e\+38 at index 1, beyond ±1000000$/);
  });
  it('refuses direction.01 beside direction.1 (the same layer)', () => {
    const bytes = writeGguf(kv, [dir('direction.1', [1, 2]), dir('direction.01', [3, 4])]);
    expect(() => readControlVector(bytes, 'cv.gguf')).toThrow('cv.gguf: tensor direction.01 writes its layer 1 with leading zeros; write direction.1');
    const alone = writeGguf(kv, [dir('direction.02', [3, 4])]);
    expect(() => readControlVector(alone, 'cv.gguf')).toThrow(/leading zeros/);
  });
  it('refuses two tensors for one layer', () => {
    const bytes = writeGguf(kv, [dir('direction.2', [1, 2]), dir('direction.2', [3, 4])]);
    expect(() => readControlVector(bytes, 'cv.gguf')).toThrow(/layer 2 has two direction tensors|duplicate|twice/);
  });
});
