// Write safetensors files: the header (8-byte length + JSON padded with spaces to 8 bytes), then tensors in order.
import type { WeightDType } from '../spec.ts';
import { BYTES_PER_ELEMENT, encodeFromFloat32 } from './dtype-codec.ts';

export interface TensorLayout {
  name: string;
  dtype: WeightDType;
  shape: number[];
}

export interface EncodedHeader {
  /** The 8-byte little-endian length followed by the padded JSON header. */
  prefix: Uint8Array;
  /** Bytes of tensor data that follow the prefix, tensors back to back in the given order. */
  dataBytes: number;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Header for tensors laid out back to back in the given order. */
export function encodeSafetensorsHeader(tensors: readonly TensorLayout[], metadata?: Record<string, string>): EncodedHeader {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) {
      throw new Error(`cannot write tensor name "${t.name}" twice or as __metadata__`);
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`tensor "${t.name}": shape [${t.shape.join(', ')}] must hold non-negative integers`);
    }
    const bytes = numelOf(t.shape) * BYTES_PER_ELEMENT[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const prefix = new Uint8Array(8 + padded).fill(0x20, 8);
  const view = new DataView(prefix.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  prefix.set(json, 8);
  return { prefix, dataBytes: offset };
}

/** A whole safetensors file with each tensor's f32 data encoded into its dtype. */
export function writeSafetensors(
  tensors: { name: string; dtype: WeightDType; shape: number[]; data: Float32Array }[],
  metadata?: Record<string, string>,
): Uint8Array {
  for (const t of tensors) {
    if (t.data.length !== numelOf(t.shape)) {
      throw new Error(`tensor "${t.name}": ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    }
  }
  const { prefix, dataBytes } = encodeSafetensorsHeader(tensors, metadata);
  const out = new Uint8Array(prefix.byteLength + dataBytes);
  out.set(prefix, 0);
  let at = prefix.byteLength;
  for (const t of tensors) {
    const bytes = encodeFromFloat32(t.data, t.dtype);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}
