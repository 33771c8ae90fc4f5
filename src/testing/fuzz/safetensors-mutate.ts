// Mutations of a safetensors file's JSON header (offsets overlapping or out of order, absurd shapes, wrong dtypes),
// the file rebuilt around it with a matching length prefix; or (rarely) a lying length prefix.
import { mutateJson, type Fuzzer } from './mutate.ts';

export function headerRange(bytes: Uint8Array): { start: number; end: number } {
  if (bytes.byteLength < 8) return { start: 0, end: bytes.byteLength };
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { start: 0, end: Math.min(bytes.byteLength, 8 + len) };
}

export function mutateSafetensorsHeader(f: Fuzzer, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
  const { end } = headerRange(bytes);
  const text = new TextDecoder().decode(bytes.subarray(8, end));
  let m: { text: string; what: string };
  if (f.chance(0.3)) {
    // Two tensors' offsets swapped, or one tensor's moved onto another's: overlapping or unordered offsets.
    const h = JSON.parse(text) as Record<string, { data_offsets?: number[] }>;
    const names = Object.keys(h).filter((k) => k !== '__metadata__');
    const a = f.pick(names);
    const b = f.pick(names);
    const swap = f.chance(0.5);
    const ao = h[a].data_offsets!;
    const bo = h[b].data_offsets!;
    if (swap) [h[a].data_offsets, h[b].data_offsets] = [bo, ao];
    else h[a].data_offsets = [bo[0] + f.int(8), bo[0] + f.int(8) + (ao[1] - ao[0])];
    m = { text: JSON.stringify(h), what: `${swap ? 'offsets of' : 'moved onto'} ${a} / ${b}` };
  } else m = mutateJson(f, text);
  const header = new TextEncoder().encode(m.text);
  const out = new Uint8Array(8 + header.byteLength + bytes.byteLength - end);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  out.set(header, 8);
  out.set(bytes.subarray(end), 8 + header.byteLength);
  return { bytes: out, what: `header: ${m.what}` };
}
