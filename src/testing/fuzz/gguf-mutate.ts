// Mutations of a GGUF file's structure in place: a scalar metadata value (block_count, embedding_length, head counts,
// token ids, alignment) set to an absurd value of its type, or a tensor info's dimension, ggml type or offset lied about.
import { readGguf, GgufType } from '../../model/formats/gguf.ts';
import { absurdU64, type Fuzzer } from './mutate.ts';

const enc = new TextEncoder();

/** Byte offset just past the gguf_string `s` (u64 length + bytes) at its first occurrence in `bytes`, or -1. */
function afterString(bytes: Uint8Array, s: string): number {
  const body = enc.encode(s);
  const needle = new Uint8Array(8 + body.length);
  new DataView(needle.buffer).setBigUint64(0, BigInt(body.length), true);
  needle.set(body, 8);
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle[k]) continue outer;
    return i + needle.length;
  }
  return -1;
}

export function mutateGgufStructure(f: Fuzzer, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
  const file = readGguf(bytes);
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  if (f.chance(0.6)) {
    const scalars = [...file.kv].filter(([, val]) => val.type !== GgufType.ARRAY && val.type !== GgufType.STRING);
    const [key, val] = f.pick(scalars);
    const at = afterString(out, key) + 4; // past the key and its u32 value type
    const value = f.pick([0, 1, -1, 1e9, 2 ** 31, 2 ** 32 - 1, 3, 7, NaN, Infinity]);
    switch (val.type) {
      case GgufType.UINT32: v.setUint32(at, Number.isFinite(value) ? value >>> 0 : 0xffffffff, true); break;
      case GgufType.INT32: v.setInt32(at, Number.isFinite(value) ? value | 0 : -1, true); break;
      case GgufType.FLOAT32: v.setFloat32(at, value, true); break;
      case GgufType.FLOAT64: v.setFloat64(at, value, true); break;
      case GgufType.UINT64: case GgufType.INT64: v.setBigUint64(at, absurdU64(f, bytes.byteLength), true); break;
      case GgufType.BOOL: v.setUint8(at, f.pick([0, 1, 2, 255])); break;
      default: v.setUint8(at, f.int(256));
    }
    return { bytes: out, what: `metadata ${key} (type ${val.type}) → ${v.getUint32(at, true)} (as u32)` };
  }
  const t = f.pick(file.tensors);
  let at = afterString(out, t.name); // n_dims u32, dims u64 × n, ggml type u32, offset u64
  const field = f.int(4);
  if (field === 0) {
    const k = f.int(t.dims.length);
    const lie = f.pick([absurdU64(f, bytes.byteLength), BigInt(t.dims[k] + 1), BigInt(t.dims[k] * 2), 0n]);
    v.setBigUint64(at + 4 + 8 * k, lie, true);
    return { bytes: out, what: `tensor ${t.name} dim ${k} → ${lie}` };
  }
  at += 4 + 8 * t.dims.length;
  if (field === 1) {
    const type = f.pick([0, 1, 2, 3, 8, 12, 14, 30, 4, 5, 40, 0xffffffff]);
    v.setUint32(at, type, true);
    return { bytes: out, what: `tensor ${t.name} ggml type → ${type}` };
  }
  if (field === 2) {
    v.setUint32(at - 4 - 8 * t.dims.length, f.pick([0, 3, 5, 1e9]), true);
    return { bytes: out, what: `tensor ${t.name} n_dims lied about` };
  }
  const other = f.pick(file.tensors);
  const lie = f.pick([BigInt(other.offset), BigInt(t.offset + file.alignment), BigInt(t.offset + 1), absurdU64(f, bytes.byteLength)]);
  v.setBigUint64(at + 4, lie, true);
  return { bytes: out, what: `tensor ${t.name} offset → ${lie}` };
}
