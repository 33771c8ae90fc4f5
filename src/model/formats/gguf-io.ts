/**
 * A small GGUF (v3, little-endian) reader and writer, enough for llama.cpp control vectors.
 * Layout (ggml docs/gguf.md):
 *   u32 magic "GGUF" (bytes 47 47 55 46) · u32 version · u64 tensor_count · u64 kv_count
 *   kv_count × { gguf_string key · u32 value_type · value }
 *   tensor_count × { gguf_string name · u32 n_dims · u64 dims[n_dims] · u32 ggml_type · u64 offset }
 *   zero padding to `general.alignment` (default 32) · tensor data, each tensor at `offset` bytes from
 *   the aligned data start (offsets multiples of the alignment; each tensor padded to it).
 * gguf_string = u64 byte length + UTF-8 bytes (no terminator). dims[0] is the fastest-varying axis.
 */
export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types. */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** ggml tensor type of float32 data. */
export const GGML_TYPE_F32 = 0;

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = { type: number; value: GgufScalar } | { type: typeof GgufType.ARRAY; itemType: number; value: GgufScalar[] };

export interface GgufTensorInfo {
  name: string;
  /** As stored: dims[0] fastest-varying. */
  dims: number[];
  ggmlType: number;
  /** Relative to the data start. */
  offset: number;
}

export interface GgufFile {
  version: number;
  alignment: number;
  kv: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Absolute offset of the (aligned) data section. */
  dataStart: number;
}

export class GgufError extends Error {
  override name = 'GgufError';
}

const textEncoder = new TextEncoder();

/** Writes a GGUF v3 file with string / u32 metadata and float32 tensors, 32-byte aligned. */
export function writeGguf(
  kv: { key: string; type: typeof GgufType.STRING | typeof GgufType.UINT32; value: string | number }[],
  tensors: { name: string; dims: number[]; data: Float32Array }[],
): Uint8Array {
  const align = GGUF_DEFAULT_ALIGNMENT;
  const parts: Uint8Array[] = [];
  const u32 = (v: number): void => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    parts.push(b);
  };
  const u64 = (v: number): void => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    parts.push(b);
  };
  const str = (s: string): void => {
    const bytes = textEncoder.encode(s);
    u64(bytes.byteLength);
    parts.push(bytes);
  };
  u32(GGUF_MAGIC);
  u32(3);
  u64(tensors.length);
  u64(kv.length);
  for (const { key, type, value } of kv) {
    str(key);
    u32(type);
    if (type === GgufType.STRING) str(String(value));
    else {
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffffffff) throw new GgufError(`${key}: ${value} is not a u32`);
      u32(value as number);
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const numel = t.dims.reduce((p, d) => p * d, 1);
    if (numel !== t.data.length) throw new GgufError(`tensor ${t.name}: ${t.data.length} values for dims [${t.dims.join(', ')}]`);
    str(t.name);
    u32(t.dims.length);
    for (const d of t.dims) u64(d);
    u32(GGML_TYPE_F32);
    u64(offset);
    offsets.push(offset);
    offset += padTo(t.data.byteLength, align);
  }
  const headerBytes = parts.reduce((n, p) => n + p.byteLength, 0);
  const dataStart = padTo(headerBytes, align);
  const out = new Uint8Array(dataStart + offset);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  const view = new DataView(out.buffer);
  tensors.forEach((t, i) => {
    const base = dataStart + offsets[i];
    for (let j = 0; j < t.data.length; j++) view.setFloat32(base + 4 * j, t.data[j], true);
  });
  return out;
}

/** Parses a GGUF v2/v3 little-endian header (metadata and tensor infos) and checks tensor placement for F32 tensors. */
export function readGguf(bytes: Uint8Array, fileName = 'file.gguf'): GgufFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const fail = (msg: string): never => {
    throw new GgufError(`${fileName}: ${msg}`);
  };
  const need = (n: number): void => {
    if (at + n > bytes.byteLength) fail(`truncated at byte ${at} (needs ${n} more bytes, file has ${bytes.byteLength})`);
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(at, true);
    at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`64-bit value ${v} at byte ${at - 8} is too large`);
    return Number(v);
  };
  const str = (): string => {
    const n = u64();
    need(n);
    const s = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
  /** Reads n bytes at the cursor with `get` (offset → value) and advances. */
  const take = <T>(n: number, get: (offset: number) => T): T => {
    need(n);
    const v = get(at);
    at += n;
    return v;
  };
  const scalar = (type: number): GgufScalar => {
    switch (type) {
      case GgufType.UINT8: return take(1, (o) => view.getUint8(o));
      case GgufType.INT8: return take(1, (o) => view.getInt8(o));
      case GgufType.UINT16: return take(2, (o) => view.getUint16(o, true));
      case GgufType.INT16: return take(2, (o) => view.getInt16(o, true));
      case GgufType.UINT32: return take(4, (o) => view.getUint32(o, true));
      case GgufType.INT32: return take(4, (o) => view.getInt32(o, true));
      case GgufType.FLOAT32: return take(4, (o) => view.getFloat32(o, true));
      case GgufType.BOOL: return take(1, (o) => view.getUint8(o) !== 0);
      case GgufType.STRING: return str();
      case GgufType.UINT64: return take(8, (o) => view.getBigUint64(o, true));
      case GgufType.INT64: return take(8, (o) => view.getBigInt64(o, true));
      case GgufType.FLOAT64: return take(8, (o) => view.getFloat64(o, true));
      default: return fail(`unknown metadata value type ${type}`);
    }
  };

  if (bytes.byteLength < 4 || u32() !== GGUF_MAGIC) fail('not a GGUF file (magic is not "GGUF")');
  const version = u32();
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version >>> 8 & 0xff) << 16) | ((version >>> 16 & 0xff) << 8) | (version >>> 24);
    if (swapped === 2 || swapped === 3) fail('big-endian GGUF files are not supported');
    fail(`GGUF version ${version} is not supported (2 or 3)`);
  }
  const nTensors = u64();
  const nKv = u64();
  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    if (kv.has(key)) fail(`duplicate metadata key "${key}"`);
    if (type === GgufType.ARRAY) {
      const itemType = u32();
      const n = u64();
      if (itemType === GgufType.ARRAY) fail(`nested arrays in "${key}" are not supported`);
      const items: GgufScalar[] = [];
      for (let k = 0; k < n; k++) items.push(scalar(itemType));
      kv.set(key, { type: GgufType.ARRAY, itemType, value: items });
    } else {
      kv.set(key, { type, value: scalar(type) });
    }
  }
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const alignKv = kv.get('general.alignment');
  if (alignKv) {
    const a = alignKv.value;
    if (alignKv.type !== GgufType.UINT32 || typeof a !== 'number' || a === 0 || (a & (a - 1)) !== 0) {
      fail('general.alignment must be a u32 power of two');
    }
    alignment = a as number;
  }
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    if (names.has(name)) fail(`duplicate tensor name "${name}"`);
    names.add(name);
    const nDims = u32();
    if (nDims > 4) fail(`tensor ${name} has ${nDims} dimensions (ggml allows at most 4)`);
    const dims: number[] = [];
    for (let k = 0; k < nDims; k++) dims.push(u64());
    const ggmlType = u32();
    const offset = u64();
    if (offset % alignment !== 0) fail(`tensor ${name} offset ${offset} is not a multiple of the alignment ${alignment}`);
    tensors.push({ name, dims, ggmlType, offset });
  }
  const dataStart = padTo(at, alignment);
  for (const t of tensors) {
    if (t.ggmlType !== GGML_TYPE_F32) continue; // sizes of other (block-quantised) types are not needed here
    const end = dataStart + t.offset + 4 * t.dims.reduce((p, d) => p * d, 1);
    if (end > bytes.byteLength) fail(`tensor ${t.name} data runs past the end of the file (${end} > ${bytes.byteLength})`);
  }
  return { version, alignment, kv, tensors, dataStart };
}

/** The float32 values of an F32 tensor of a parsed file. */
export function ggufTensorF32(bytes: Uint8Array, file: GgufFile, t: GgufTensorInfo): Float32Array {
  if (t.ggmlType !== GGML_TYPE_F32) throw new GgufError(`tensor ${t.name} has ggml type ${t.ggmlType}, not F32 (0)`);
  const n = t.dims.reduce((p, d) => p * d, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + file.dataStart + t.offset, 4 * n);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = view.getFloat32(4 * j, true);
  return out;
}

function padTo(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
