/**
 * A small GGUF v3 writer (string / u32 metadata, F32 tensors), enough for llama.cpp control vectors; reading goes
 * through the one GGUF reader (gguf.ts), re-exported here.
 * Layout (ggml docs/gguf.md):
 *   u32 magic "GGUF" (bytes 47 47 55 46) · u32 version · u64 tensor_count · u64 kv_count
 *   kv_count × { gguf_string key · u32 value_type · value }
 *   tensor_count × { gguf_string name · u32 n_dims · u64 dims[n_dims] · u32 ggml_type · u64 offset }
 *   zero padding to `general.alignment` (default 32) · tensor data, each tensor at `offset` bytes from
 *   the aligned data start (offsets multiples of the alignment; each tensor padded to it).
 * gguf_string = u64 byte length + UTF-8 bytes (no terminator). dims[0] is the fastest-varying axis.
 */
import { GGML_TYPE_F32, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufError, GgufType, type GgufFile, type GgufTensorInfo } from './gguf.ts';

export { GGML_TYPE_F32, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufError, GgufType, readGguf } from './gguf.ts';
export type { GgufFile, GgufScalar, GgufTensorInfo, GgufValue } from './gguf.ts';

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

/** The float32 values of an F32 tensor of a parsed file. */
export function ggufTensorF32(bytes: Uint8Array, _file: GgufFile, t: GgufTensorInfo): Float32Array {
  if (t.ggmlType !== GGML_TYPE_F32) throw new GgufError(`tensor ${t.name} has ggml type ${t.ggmlType}, not F32 (0)`);
  const n = t.dims.reduce((p, d) => p * d, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + t.begin, 4 * n);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = view.getFloat32(4 * j, true);
  return out;
}

function padTo(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
