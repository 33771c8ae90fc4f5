/**
 * Kernel parameter structs (uniforms), declared once: `defineParams(name, fields)` gives both the WGSL struct the
 * kernel's source is composed with (`withParams`) and the packer of its uniform buffer, so the two cannot drift.
 *
 * Layout (WGSL uniform address space, every field a 4-byte scalar): field i at byte 4·i, no gaps; the struct is
 * padded with u32 words (`_pad0`, `_pad1`, …) to a multiple of 16 bytes, the size of the buffer pack() returns.
 */
export type ParamType = 'u32' | 'f32';
export type ParamFields = Readonly<Record<string, ParamType>>;
/** The values pack() takes: one number per declared field. */
export type ParamValues<F extends ParamFields> = { readonly [K in keyof F]: number };
/** V with no field beyond F's (an extra field is a type error, also for non-literal objects). */
type Exact<V, F> = V & Record<Exclude<keyof V, keyof F>, never>;

/** What a kernel source is composed with: a named WGSL declaration. */
export interface WgslStruct {
  readonly name: string;
  readonly wgsl: string;
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

export class ParamStruct<F extends ParamFields> implements WgslStruct {
  /** The struct declaration, one line per 16 bytes. */
  readonly wgsl: string;
  /** Bytes of the struct and of the buffer pack() returns (a multiple of 16). */
  readonly size: number;
  /** Byte offset of each field. */
  readonly offsets: { readonly [K in keyof F]: number };
  readonly name: string;
  readonly fields: F;
  private readonly names: readonly (keyof F & string)[];

  constructor(name: string, fields: F) {
    if (!IDENTIFIER.test(name)) throw new Error(`kernel params: "${name}" is not a struct name`);
    const names = Object.keys(fields) as (keyof F & string)[];
    if (names.length === 0) throw new Error(`kernel params ${name}: no fields`);
    for (const f of names) {
      if (!IDENTIFIER.test(f)) throw new Error(`kernel params ${name}: "${f}" is not a field name (a letter first; _ names are the padding's)`);
      if (fields[f] !== 'u32' && fields[f] !== 'f32') throw new Error(`kernel params ${name}.${f}: type ${String(fields[f])}, expected u32 or f32`);
    }
    this.name = name;
    this.fields = fields;
    this.names = names;
    const words = Math.ceil(names.length / 4) * 4;
    this.size = words * 4;
    this.offsets = Object.fromEntries(names.map((f, i) => [f, 4 * i])) as { [K in keyof F]: number };
    const decls = [...names.map((f) => `${f}: ${fields[f]}`), ...Array.from({ length: words - names.length }, (_, i) => `_pad${i}: u32`)];
    const lines = Array.from({ length: words / 4 }, (_, r) => `  ${decls.slice(4 * r, 4 * r + 4).join(', ')},`);
    this.wgsl = `struct ${name} {\n${lines.join('\n')}\n};\n`;
  }

  /** The uniform buffer's bytes. u32 values must be whole numbers in [0, 2³²); f32 values are rounded to f32. */
  pack<V extends ParamValues<F>>(values: Exact<V, F>): ArrayBuffer {
    const given = values as Record<string, unknown>;
    const extra = Object.keys(given).filter((k) => !(k in this.fields));
    if (extra.length > 0) throw new Error(`kernel params ${this.name}: no field ${extra.join(', ')}`);
    const buf = new ArrayBuffer(this.size);
    const u = new Uint32Array(buf);
    const f = new Float32Array(buf);
    this.names.forEach((name, i) => {
      const v = given[name];
      if (typeof v !== 'number') throw new Error(`kernel params ${this.name}.${name}: ${v === undefined ? 'missing' : `${String(v)} is not a number`}`);
      if (this.fields[name] === 'f32') f[i] = v;
      else if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) u[i] = v;
      else throw new Error(`kernel params ${this.name}.${name}: ${v} is not a u32 (a whole number in [0, 2^32))`);
    });
    return buf;
  }
}

/** Declares a kernel parameter struct; field order is the declaration's. */
export function defineParams<const F extends ParamFields>(name: string, fields: F): ParamStruct<F> {
  return new ParamStruct(name, fields);
}

/**
 * A kernel's source composed with the structs it binds (appended, like withWeights, so the kernel's own lines keep
 * their numbers in compiler messages). Each name at most once.
 */
export function withParams(source: string, ...structs: readonly WgslStruct[]): string {
  const names = structs.map((s) => s.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`kernel source: struct ${twice} given twice`);
  return `${source}\n${structs.map((s) => s.wgsl).join('')}`;
}
