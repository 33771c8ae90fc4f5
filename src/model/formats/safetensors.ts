// Read and validate the header of a safetensors file: u64 LE header length, JSON header, then raw tensor bytes.
import type { WeightDType } from '../spec.ts';
import { BYTES_PER_ELEMENT, isWeightDType } from './dtype-codec.ts';

export {
  decodeToFloat32,
  encodeFromFloat32,
  f32ToF16Bits,
  f16BitsToF32,
  f32ToBf16Bits,
  bf16BitsToF32,
  BYTES_PER_ELEMENT,
} from './dtype-codec.ts';
export { writeSafetensors, encodeSafetensorsHeader } from './safetensors-writer.ts';

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

export interface TensorEntry {
  name: string;
  dtype: WeightDType;
  shape: number[];
  /** Absolute byte offset of the first byte in the file. */
  begin: number;
  /** Absolute byte offset one past the last byte in the file. */
  end: number;
}

export interface SafetensorsHeader {
  headerLength: number;
  /** Absolute offset of the data section (8 + headerLength). */
  dataStart: number;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

/** The same limit as the reference implementation (huggingface/safetensors). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Header length from the first 8 bytes of a file of `fileSize` bytes. */
export function readHeaderLength(first8: Uint8Array, fileSize: number, fileName: string): number {
  if (fileSize === 0) throw new SafetensorsError(`${fileName} is empty (0 bytes)`);
  if (first8.byteLength < 8 || fileSize < 8) {
    throw new SafetensorsError(`${fileName}: too short to be a safetensors file (${Math.min(first8.byteLength, fileSize)} bytes)`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const length = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32; // exact below 2^53, and anything larger is refused
  if (length === 0) {
    throw new SafetensorsError(`${fileName}: header length is 0 (the first 8 bytes are zero); a safetensors header is a JSON object of at least 2 bytes`);
  }
  if (length > MAX_HEADER_BYTES) {
    throw new SafetensorsError(`${fileName}: header length ${view.getBigUint64(0, true)} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (length > fileSize - 8) {
    throw new SafetensorsError(`${fileName}: header length ${length} runs past the end of the file (${fileSize} bytes)`);
  }
  return length;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseJsonObject(headerBytes: Uint8Array, fileName: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`${fileName}: header is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${fileName}: header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw new SafetensorsError(`${fileName}: header must be a JSON object`);
  return json;
}

function parseMetadata(v: unknown, fileName: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v)) throw new SafetensorsError(`${fileName}: "__metadata__" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new SafetensorsError(`${fileName}: "__metadata__.${k}" must be a string`);
    out[k] = val;
  }
  return out;
}

/** A header value for messages: JSON, or "missing". */
function shown(v: unknown): string {
  return v === undefined ? 'missing' : JSON.stringify(v);
}

function parseEntry(name: string, v: unknown, dataStart: number, fileSize: number, fileName: string): TensorEntry {
  const where = `${fileName}: tensor "${name}"`;
  if (!isObject(v)) throw new SafetensorsError(`${where}: entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = v;
  if (!isWeightDType(dtype)) {
    throw new SafetensorsError(`${where}: dtype ${shown(dtype)} is not supported (F32, F16, BF16)`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    throw new SafetensorsError(`${where}: shape ${shown(shape)} must be a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(`${where}: data_offsets ${shown(offsets)} must be [begin, end] with 0 <= begin <= end`);
  }
  const [a, b] = offsets as [number, number];
  const numel = shape.reduce((p: number, d: number) => p * d, 1);
  const expectedBytes = numel * BYTES_PER_ELEMENT[dtype];
  if (b - a !== expectedBytes) {
    throw new SafetensorsError(
      `${where}: data_offsets [${a}, ${b}] hold ${b - a} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expectedBytes}`,
    );
  }
  const begin = dataStart + a;
  const end = dataStart + b;
  if (end > fileSize) {
    throw new SafetensorsError(`${where}: data ends at byte ${end}, past the end of the file (${fileSize} bytes)`);
  }
  return { name, dtype, shape: [...shape], begin, end };
}

function refuseOverlaps(entries: TensorEntry[], fileName: string): void {
  const sorted = [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.begin < prev.end) {
      throw new SafetensorsError(
        `${fileName}: tensors "${prev.name}" [${prev.begin}, ${prev.end}) and "${cur.name}" [${cur.begin}, ${cur.end}) overlap`,
      );
    }
  }
}

/** Parse and validate the JSON header (`headerBytes` = exactly the header bytes after the 8-byte length). */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, fileName: string): SafetensorsHeader {
  const headerLength = headerBytes.byteLength;
  const dataStart = 8 + headerLength;
  if (dataStart > fileSize) {
    throw new SafetensorsError(`${fileName}: header of ${headerLength} bytes runs past the end of the file (${fileSize} bytes)`);
  }
  const json = parseJsonObject(headerBytes, fileName);
  const metadata = parseMetadata(json.__metadata__, fileName);
  const tensors = new Map<string, TensorEntry>();
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') continue;
    tensors.set(name, parseEntry(name, v, dataStart, fileSize, fileName));
  }
  refuseOverlaps([...tensors.values()], fileName);
  return { headerLength, dataStart, tensors, metadata };
}

/** Parse the header of a whole file held in memory. */
export function parseSafetensorsFile(file: Uint8Array, fileName: string): SafetensorsHeader {
  const headerLength = readHeaderLength(file.subarray(0, 8), file.byteLength, fileName);
  return parseSafetensorsHeader(file.subarray(8, 8 + headerLength), file.byteLength, fileName);
}
