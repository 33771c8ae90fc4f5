/**
 * The one GGUF reader (v2 and v3, little-endian): metadata of every value type (nested arrays too), `general.alignment`,
 * and tensor infos, every count, length and offset checked against the file's size before anything is allocated.
 * Layout (ggml docs/gguf.md):
 *   u32 magic "GGUF" · u32 version · u64 tensor_count · u64 kv_count
 *   kv_count × { string key · u32 value_type · value }          (array = u32 item type · u64 count · items)
 *   tensor_count × { string name · u32 n_dims · u64 dims[n_dims] (innermost first) · u32 ggml_type · u64 offset }
 *   padding to `general.alignment` (default 32) · tensor data, each tensor at `offset` from the data start.
 * string = u64 byte length + UTF-8 bytes.
 *
 * `parseGgufHeader` works on a prefix of the file (the header only: models' tokenizers make it megabytes, the weights
 * are not read); `readGgufHeader` fetches that prefix with range reads, growing it until the header fits.
 */
import type { ModelFiles } from './model-files.ts';

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

const TYPE_NAMES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'];
/** Smallest encoded size of a value of each type (a string: its length; an array: item type and count). */
const MIN_VALUE_BYTES = [1, 1, 2, 2, 4, 4, 4, 1, 8, 12, 8, 8, 8];
/** Deeper nesting is refused (each level costs 12 bytes, so a small file could otherwise exhaust the stack). */
const MAX_ARRAY_DEPTH = 8;
/** ggml's GGML_MAX_DIMS. */
const MAX_DIMS = 4;
/** Smallest tensor info: empty name (8), n_dims (4), type (4), offset (8). */
const MIN_TENSOR_INFO_BYTES = 24;
/** Smallest metadata entry: empty key (8), type (4), one-byte value. */
const MIN_KV_BYTES = 13;

/** ggml tensor types: number → name and block layout (weights per block, bytes per block). */
export const GGML_TYPES: ReadonlyMap<number, { name: string; blockWeights: number; blockBytes: number }> = new Map(
  (
    [
      [0, 'F32', 1, 4], [1, 'F16', 1, 2], [2, 'Q4_0', 32, 18], [3, 'Q4_1', 32, 20], [6, 'Q5_0', 32, 22], [7, 'Q5_1', 32, 24],
      [8, 'Q8_0', 32, 34], [9, 'Q8_1', 32, 40], [10, 'Q2_K', 256, 84], [11, 'Q3_K', 256, 110], [12, 'Q4_K', 256, 144],
      [13, 'Q5_K', 256, 176], [14, 'Q6_K', 256, 210], [15, 'Q8_K', 256, 292], [16, 'IQ2_XXS', 256, 66], [17, 'IQ2_XS', 256, 74],
      [18, 'IQ3_XXS', 256, 98], [19, 'IQ1_S', 256, 50], [20, 'IQ4_NL', 32, 18], [21, 'IQ3_S', 256, 110], [22, 'IQ2_S', 256, 82],
      [23, 'IQ4_XS', 256, 136], [24, 'I8', 1, 1], [25, 'I16', 1, 2], [26, 'I32', 1, 4], [27, 'I64', 1, 8], [28, 'F64', 1, 8],
      [29, 'IQ1_M', 256, 56], [30, 'BF16', 1, 2], [34, 'TQ1_0', 256, 54], [35, 'TQ2_0', 256, 66], [39, 'MXFP4', 32, 17],
    ] as const
  ).map(([id, name, blockWeights, blockBytes]) => [id, { name, blockWeights, blockBytes }]),
);

/** ggml tensor type of float32 data. */
export const GGML_TYPE_F32 = 0;

export type GgufScalar = number | bigint | boolean | string;
/** An array value's items: scalars, or (nested arrays) arrays with their own item type. */
export type GgufItem = GgufScalar | GgufArray;
export interface GgufArray {
  itemType: number;
  items: GgufItem[];
}
export type GgufValue = { type: number; value: GgufScalar } | { type: typeof GgufType.ARRAY; itemType: number; value: GgufItem[] };

export interface GgufTensorInfo {
  name: string;
  /** As stored: dims[0] is the innermost (fastest-varying) axis, the length of a row. */
  dims: number[];
  ggmlType: number;
  /** The ggml type's name (`F32`, `Q4_1`, …). */
  typeName: string;
  /** Relative to the data start. */
  offset: number;
  /** Absolute byte range of the tensor's data in the file. */
  begin: number;
  end: number;
}

export interface GgufFile {
  version: number;
  alignment: number;
  kv: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Absolute offset of the (aligned) data section. */
  dataStart: number;
  fileSize: number;
}

export class GgufError extends Error {
  override name = 'GgufError';
}

/** Thrown by parseGgufHeader when the prefix it was given ends before the header does (the file itself is longer). */
export class GgufNeedsMoreBytes extends Error {
  override name = 'GgufNeedsMoreBytes';
  constructor(readonly needed: number) {
    super(`the GGUF header needs the file's first ${needed} bytes`);
  }
}

const utf8 = new TextDecoder('utf-8');

function padTo(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/**
 * Parses the header of a GGUF file of `fileSize` bytes from `bytes`, its first bytes (the whole file, or a prefix:
 * GgufNeedsMoreBytes says how long a prefix is needed). Every error names the file and the problem.
 */
export function parseGgufHeader(bytes: Uint8Array, fileSize: number, fileName = 'file.gguf'): GgufFile {
  if (fileSize === 0) throw new GgufError(`${fileName} is empty (0 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  /** What is being read, for truncation messages. */
  let what = 'the header';
  const fail = (msg: string): never => {
    throw new GgufError(`${fileName}: ${msg}`);
  };
  const need = (n: number): void => {
    if (at + n > fileSize) fail(`truncated: ${what} at byte ${at} needs ${n} bytes, but the file ends at byte ${fileSize}`);
    if (at + n > bytes.byteLength) throw new GgufNeedsMoreBytes(at + n);
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  /** A u64 count or length that must fit in the rest of the file at `perItem` bytes each. */
  const count = (noun: string, perItem: number): number => {
    need(8);
    const v = view.getBigUint64(at, true);
    const left = fileSize - at - 8;
    if (v * BigInt(perItem) > BigInt(left)) {
      fail(`${what} at byte ${at}: ${noun} ${v} runs past the end of the file (truncated, or a wrong length): ${left} bytes are left and each needs at least ${perItem}`);
    }
    at += 8;
    return Number(v);
  };
  const u64 = (noun: string): number => {
    need(8);
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} at byte ${at}: ${noun} ${v} is too large`);
    at += 8;
    return Number(v);
  };
  const str = (): string => {
    const n = count('string length', 1);
    need(n);
    const s = utf8.decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
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
      case GgufType.BOOL: {
        const b = take(1, (o) => view.getUint8(o));
        if (b > 1) fail(`${what} at byte ${at - 1}: bool value ${b} is neither 0 nor 1`);
        return b === 1;
      }
      case GgufType.STRING: return str();
      case GgufType.UINT64: return take(8, (o) => view.getBigUint64(o, true));
      case GgufType.INT64: return take(8, (o) => view.getBigInt64(o, true));
      case GgufType.FLOAT64: return take(8, (o) => view.getFloat64(o, true));
      default: return fail(`${what} at byte ${at}: unknown metadata value type ${type} (known: 0…12)`);
    }
  };
  const valueType = (): number => {
    const t = u32();
    if (t >= TYPE_NAMES.length) fail(`${what} at byte ${at - 4}: unknown metadata value type ${t} (known: 0…12)`);
    return t;
  };
  const array = (depth: number): GgufArray => {
    if (depth > MAX_ARRAY_DEPTH) fail(`${what}: arrays nested deeper than ${MAX_ARRAY_DEPTH} levels`);
    const itemType = valueType();
    const n = count(`array length (of ${TYPE_NAMES[itemType]})`, MIN_VALUE_BYTES[itemType]);
    const items: GgufItem[] = new Array<GgufItem>(n);
    for (let k = 0; k < n; k++) items[k] = itemType === GgufType.ARRAY ? array(depth + 1) : scalar(itemType);
    return { itemType, items };
  };

  need(4);
  if (view.getUint32(0, true) !== GGUF_MAGIC) fail('not a GGUF file (its first 4 bytes are not "GGUF")');
  at = 4;
  const version = u32();
  if (version !== 2 && version !== 3) {
    const swapped = (((version & 0xff) << 24) | (((version >>> 8) & 0xff) << 16) | (((version >>> 16) & 0xff) << 8) | (version >>> 24)) >>> 0;
    if (swapped === 2 || swapped === 3) fail('big-endian GGUF files are not supported');
    fail(`GGUF version ${version} is not supported (2 or 3)`);
  }
  what = 'the tensor count';
  const nTensors = count('tensor count', MIN_TENSOR_INFO_BYTES);
  what = 'the metadata count';
  const nKv = count('metadata entry count', MIN_KV_BYTES);
  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    what = `metadata entry #${i}'s key`;
    const key = str();
    what = `metadata "${key}"`;
    if (kv.has(key)) fail(`duplicate metadata key "${key}"`);
    const type = valueType();
    if (type === GgufType.ARRAY) {
      const a = array(1);
      kv.set(key, { type: GgufType.ARRAY, itemType: a.itemType, value: a.items });
    } else {
      kv.set(key, { type, value: scalar(type) });
    }
  }
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const alignKv = kv.get('general.alignment');
  if (alignKv) {
    const a = alignKv.value;
    if (alignKv.type !== GgufType.UINT32 || typeof a !== 'number' || a === 0 || (a & (a - 1)) !== 0) {
      fail(`general.alignment must be a u32 power of two, found ${TYPE_NAMES[alignKv.type] ?? alignKv.type} ${String(a)}`);
    }
    alignment = a as number;
  }
  const infos: { name: string; dims: number[]; ggmlType: number; offset: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    what = `tensor info #${i}'s name`;
    const name = str();
    what = `tensor info "${name}"`;
    if (names.has(name)) fail(`duplicate tensor name "${name}"`);
    names.add(name);
    const nDims = u32();
    if (nDims > MAX_DIMS) fail(`tensor "${name}" has ${nDims} dimensions (ggml allows at most ${MAX_DIMS})`);
    const dims: number[] = [];
    for (let k = 0; k < nDims; k++) dims.push(u64(`dimension ${k}`));
    const ggmlType = u32();
    const offset = u64('offset');
    infos.push({ name, dims, ggmlType, offset });
  }
  const dataStart = padTo(at, alignment);
  const tensors: GgufTensorInfo[] = infos.map(({ name, dims, ggmlType, offset }) => {
    const type = GGML_TYPES.get(ggmlType);
    if (!type) fail(`tensor "${name}" has unknown ggml type ${ggmlType}`);
    const { name: typeName, blockWeights, blockBytes } = type!;
    const numel = dims.reduce((p, d) => p * d, 1);
    if (!Number.isSafeInteger(numel)) fail(`tensor "${name}" dims [${dims.join(', ')}] hold too many elements`);
    const rowLength = dims.length > 0 ? dims[0] : 1;
    if (rowLength % blockWeights !== 0) fail(`tensor "${name}" is ${typeName}, whose rows need a multiple of ${blockWeights} weights, but its rows have ${rowLength}`);
    if (offset % alignment !== 0) fail(`tensor "${name}" offset ${offset} is not a multiple of the alignment ${alignment}`);
    const begin = dataStart + offset;
    const end = begin + (numel / blockWeights) * blockBytes;
    if (end > fileSize) fail(`tensor "${name}" data [${begin}, ${end}) runs past the end of the file (${fileSize} bytes)`);
    return { name, dims, ggmlType, typeName, offset, begin, end };
  });
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1];
    const c = sorted[i];
    if (c.begin < p.end) fail(`tensors "${p.name}" [${p.begin}, ${p.end}) and "${c.name}" [${c.begin}, ${c.end}) overlap`);
  }
  return { version, alignment, kv, tensors, dataStart, fileSize };
}

/** Parses a whole GGUF file held in memory (control vectors). */
export function readGguf(bytes: Uint8Array, fileName = 'file.gguf'): GgufFile {
  return parseGgufHeader(bytes, bytes.byteLength, fileName);
}

/** First read of a header; it grows (at least doubling) until the header fits. */
const FIRST_READ_BYTES = 1 << 20;

/** Reads the header of `name` with range reads of the file's first bytes only (never its tensor data). */
export async function readGgufHeader(files: ModelFiles, name: string): Promise<GgufFile> {
  const first = await files.range(name, 0, FIRST_READ_BYTES);
  const size = first.size;
  let have = first.bytes.byteLength >= size ? first.bytes.subarray(0, size) : first.bytes;
  for (;;) {
    try {
      return parseGgufHeader(have, size, name);
    } catch (e) {
      if (!(e instanceof GgufNeedsMoreBytes)) throw e;
      const want = Math.min(size, Math.max(e.needed, 2 * have.byteLength));
      const more = await files.range(name, have.byteLength, want);
      if (more.bytes.byteLength === 0) throw new GgufError(`${name}: reading bytes ${have.byteLength}…${want} gave nothing (the file is shorter than its size ${size}?)`);
      const grown = new Uint8Array(have.byteLength + more.bytes.byteLength);
      grown.set(have);
      grown.set(more.bytes, have.byteLength);
      have = grown;
    }
  }
}

/** A metadata value as a plain JS value (arrays as arrays, nested ones too). */
export function ggufPlain(v: GgufValue | undefined): unknown {
  if (!v) return undefined;
  if (v.type !== GgufType.ARRAY) return v.value;
  const plain = (items: GgufItem[]): unknown[] => items.map((x) => (typeof x === 'object' && x !== null && 'items' in x ? plain(x.items) : x));
  return plain(v.value as GgufItem[]);
}
