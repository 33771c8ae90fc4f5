/**
 * Hand-built GGUF bytes for tests, written field by field from the format description (not with the reader's code):
 * any value type, v2 or v3, any alignment, and deliberately wrong counts, lengths and offsets.
 */
export class GgufBytes {
  private parts: number[] = [];

  get length(): number {
    return this.parts.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i] & 0xff);
    return this;
  }
  u8(v: number): this {
    return this.raw([v]);
  }
  u16(v: number): this {
    return this.raw([v, v >> 8]);
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.raw(b);
  }
  i32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    return this.raw(b);
  }
  u64(v: number | bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    return this.raw(b);
  }
  i64(v: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v, true);
    return this.raw(b);
  }
  f32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.raw(b);
  }
  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.raw(b);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u64(b.length).raw(b);
  }
  /** Zero bytes up to the next multiple of `align`. */
  pad(align: number): this {
    while (this.parts.length % align !== 0) this.parts.push(0);
    return this;
  }
  header(version: number, tensors: number | bigint, kvs: number | bigint): this {
    return this.raw([0x47, 0x47, 0x55, 0x46]).u32(version).u64(tensors).u64(kvs);
  }
  tensorInfo(name: string, dims: number[], ggmlType: number, offset: number): this {
    this.str(name).u32(dims.length);
    for (const d of dims) this.u64(d);
    return this.u32(ggmlType).u64(offset);
  }
}

/**
 * A small valid GGUF: `kvs` written by the caller, then F32 tensors (dims innermost first) with the given data,
 * each at the next aligned offset.
 */
export function ggufWithTensors(
  version: number,
  writeKvs: (b: GgufBytes) => number,
  tensors: { name: string; dims: number[]; data: Float32Array }[],
  alignment = 32,
): Uint8Array {
  const b = new GgufBytes();
  const kvPart = new GgufBytes();
  const nKv = writeKvs(kvPart);
  b.header(version, tensors.length, nKv).raw(kvPart.bytes());
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    b.tensorInfo(t.name, t.dims, 0, offset);
    offsets.push(offset);
    offset += Math.ceil((t.data.length * 4) / alignment) * alignment;
  }
  b.pad(alignment);
  const start = b.length;
  tensors.forEach((t, i) => {
    while (b.length < start + offsets[i]) b.u8(0);
    for (const v of t.data) b.f32(v);
  });
  b.pad(alignment);
  return b.bytes();
}
