import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATMUL_PARAMS_BYTES, STEP_BYTES } from '../model/gpu/scratch-layout.ts';
import { ARGMAX_PARAMS } from './argmax.ts';
import { ATTENTION_PARAMS } from './attention.ts';
import { PACKED_COUNT } from './backward/count.ts';
import { EMBED_PARAMS } from './embed.ts';
import { MATMUL_PARAMS } from './matmul.ts';
import { defineParams, ParamStruct, withParams } from './params.ts';
import { PENALTY_PARAMS } from './repetition-penalty.ts';
import { ROPE_KV_PARAMS, STEP } from './rope-kv.ts';
import { SAMPLE_PARAMS } from './sample.ts';
import { TOKEN_COUNT } from './token-count.ts';

const words = (buf: ArrayBuffer) => ({ u: Array.from(new Uint32Array(buf)), f: Array.from(new Float32Array(buf)) });

describe('defineParams', () => {
  const P = defineParams('Demo', { rows: 'u32', eps: 'f32', flag: 'u32' });

  it('writes the WGSL struct with the fields in order, padded to 16 bytes', () => {
    expect(P.wgsl).toBe('struct Demo {\n  rows: u32, eps: f32, flag: u32, _pad0: u32,\n};\n');
    expect(P.size).toBe(16);
    expect(P.offsets).toEqual({ rows: 0, eps: 4, flag: 8 });
  });

  it('packs u32 and f32 words at their offsets, padding zero', () => {
    const buf = P.pack({ rows: 576, eps: 1e-5, flag: 1 });
    expect(buf.byteLength).toBe(16);
    const { u, f } = words(buf);
    expect(u[0]).toBe(576);
    expect(f[1]).toBe(Math.fround(1e-5));
    expect(u[1]).toBe(0x3727c5ac); // 1e-5 as f32 bits
    expect(u[2]).toBe(1);
    expect(u[3]).toBe(0);
  });

  it('starts a new 16-byte row after every fourth field; a whole row gets no padding', () => {
    const five = defineParams('Five', { a: 'u32', b: 'u32', c: 'u32', d: 'u32', e: 'f32' });
    expect(five.wgsl).toBe('struct Five {\n  a: u32, b: u32, c: u32, d: u32,\n  e: f32, _pad0: u32, _pad1: u32, _pad2: u32,\n};\n');
    expect(five.size).toBe(32);
    const { u, f } = words(five.pack({ a: 1, b: 2, c: 3, d: 0xffffffff, e: -2.5 }));
    expect(u).toEqual([1, 2, 3, 0xffffffff, u[4], 0, 0, 0]);
    expect(f[4]).toBe(-2.5);
    const four = defineParams('Four', { a: 'u32', b: 'u32', c: 'u32', d: 'u32' });
    expect(four.wgsl).toBe('struct Four {\n  a: u32, b: u32, c: u32, d: u32,\n};\n');
    expect(four.size).toBe(16);
  });

  it('refuses u32 values that would wrap, and missing or extra fields', () => {
    for (const rows of [-1, 1.5, 2 ** 32, NaN, Infinity]) expect(() => P.pack({ rows, eps: 0, flag: 0 })).toThrow(/Demo\.rows: .* is not a u32/);
    // @ts-expect-error a missing field is a type error
    expect(() => P.pack({ rows: 1, eps: 0 })).toThrow(/Demo\.flag: missing/);
    // @ts-expect-error an extra field is a type error
    expect(() => P.pack({ rows: 1, eps: 0, flag: 0, cols: 2 })).toThrow(/Demo: no field cols/);
    const shape = { rows: 1, eps: 0, flag: 0, cols: 2 };
    // @ts-expect-error also when the object is not a literal
    expect(() => P.pack(shape)).toThrow(/no field cols/);
  });

  it('refuses names WGSL would reject or that could collide with the padding', () => {
    expect(() => defineParams('Bad', {})).toThrow(/no fields/);
    expect(() => defineParams('Bad', { _pad0: 'u32' })).toThrow(/not a field name/);
    expect(() => defineParams('Bad name', { a: 'u32' })).toThrow(/not a struct name/);
  });

  it('composes a kernel source with its structs after the body, each once', () => {
    const A = defineParams('A', { x: 'u32' });
    expect(withParams('BODY', A, P)).toBe(`BODY\n${A.wgsl}${P.wgsl}`);
    expect(() => withParams('BODY', A, A)).toThrow(/struct A given twice/);
  });
});

describe('the shared count uniforms', () => {
  it("the tape's packed count starts with the token count the forward kernels read", () => {
    expect(PACKED_COUNT.offsets.tokens).toBe(TOKEN_COUNT.offsets.tokens);
    expect(PACKED_COUNT.size).toBe(TOKEN_COUNT.size);
  });
});

describe('uniform sizes the memory estimate counts (scratch-layout.ts, which must not load the kernels)', () => {
  it('step and matmul uniforms are its constants; the fixed and per-layer ones are the bytes it adds', () => {
    expect(STEP.size).toBe(STEP_BYTES);
    expect(MATMUL_PARAMS.size).toBe(MATMUL_PARAMS_BYTES);
    expect(MATMUL_PARAMS_BYTES).toBe(48);
    // gpuScratchBytes: lm-head count, argmax, penalty 16 each, sample 32; rope and attention 32 a layer; embed 16.
    expect([TOKEN_COUNT, ARGMAX_PARAMS, PENALTY_PARAMS, SAMPLE_PARAMS].map((p) => p.size)).toEqual([16, 16, 16, 32]);
    expect([ROPE_KV_PARAMS, ATTENTION_PARAMS, EMBED_PARAMS].map((p) => p.size)).toEqual([32, 32, 16]);
  });
});

/** Every .wgsl file under src/kernels (weights/ and backward/ included). */
function wgslFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return wgslFiles(p);
    return e.name.endsWith('.wgsl') ? [p] : [];
  });
}

describe('kernel sources declare no uniform struct by hand', () => {
  // Every declaration exported by a kernel module (the wrappers compose their sources from these).
  const modules = import.meta.glob<Record<string, unknown>>(['./**/*.ts', '!./**/*.test.ts'], { eager: true });
  const declared = new Map<string, string>();
  for (const [file, m] of Object.entries(modules)) {
    for (const v of Object.values(m)) {
      if (!(v instanceof ParamStruct)) continue;
      const other = declared.get(v.name);
      if (other && other !== v.wgsl) throw new Error(`struct ${v.name} is declared twice, differently (${file})`);
      declared.set(v.name, v.wgsl);
    }
  }
  const files = wgslFiles(join(import.meta.dirname, '.'));

  it('finds the declarations and the kernels', () => {
    expect(declared.size).toBeGreaterThanOrEqual(19);
    expect(files.length).toBeGreaterThanOrEqual(18);
  });

  it.each(files.map((f) => [f.slice(f.indexOf('src/kernels')), f]))('%s', (_, file) => {
    const text = readFileSync(file, 'utf8');
    const structs = [...text.matchAll(/\bstruct\s+(\w+)/g)].map((m) => m[1]);
    expect(structs.filter((s) => s === 'Params' || declared.has(s))).toEqual([]);
    // Every uniform's type is a declared struct (so its packer is the declaration's).
    const uniforms = [...text.matchAll(/var<uniform>\s+\w+\s*:\s*(\w+)/g)].map((m) => m[1]);
    expect(uniforms.filter((t) => !declared.has(t))).toEqual([]);
  });
});
