/**
 * A tiny zip: write "stored" (uncompressed) archives, read stored or deflated ones (deflate through the browser's
 * DecompressionStream, so archives re-zipped by the user's tools open too). No zip64, no encryption.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export class ZipError extends Error {
  override name = 'ZipError';
}

/** MS-DOS time and date of a Date (local time, 2-second resolution). */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** A stored (uncompressed) zip archive of the entries, names in UTF-8. */
export function writeZip(entries: ZipEntry[], when = new Date()): Uint8Array {
  const enc = new TextEncoder();
  const { time, date } = dosDateTime(when);
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, time, true);
    lv.setUint16(12, date, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cen = new Uint8Array(46 + name.length);
    const cv = new DataView(cen.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, time, true);
    cv.setUint16(14, date, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cen.set(name, 46);
    parts.push(local, e.data);
    central.push(cen);
    offset += local.length + e.data.length;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + end.length);
  let p = 0;
  for (const part of [...parts, ...central, end]) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/**
 * Most bytes one entry, and all entries together, may unpack to. An intervention file is at most a few hundred MB
 * (48 hooks × 896² float32 full maps are ~150 MB); a library export holds a few of them. Beyond that it is a zip bomb
 * or not ours, and unpacking it would exhaust the tab.
 */
export interface ZipLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
}

export const ZIP_LIMITS: ZipLimits = { maxEntryBytes: 256 * 2 ** 20, maxTotalBytes: 512 * 2 ** 20 };

function mb(n: number): string {
  return `${Math.round((n / 2 ** 20) * 10) / 10} MB`;
}

/** Inflates `data`, stopping (and refusing the entry) as soon as more than `limit` bytes come out. */
async function inflateRaw(data: Uint8Array, limit: number, tooBig: () => ZipError): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') throw new ZipError('this browser cannot unpack compressed zip entries; unzip the archive and pick the files');
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooBig();
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ZipError) throw e;
    throw new ZipError(`a compressed entry is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/**
 * Reads a zip archive's files (directories skipped). Refuses an entry that unpacks to more than
 * limits.maxEntryBytes, or entries that together unpack to more than limits.maxTotalBytes, before or while unpacking
 * (a declared size is not trusted: inflation stops at the limit).
 */
export async function readZip(bytes: Uint8Array, limits: ZipLimits = ZIP_LIMITS): Promise<ZipEntry[]> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('it is not a zip archive');
  const count = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const dec = new TextDecoder();
  const out: ZipEntry[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || v.getUint32(p, true) !== 0x02014b50) throw new ZipError('its table of contents is damaged');
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    const compressed = v.getUint32(p + 20, true);
    const declared = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const localAt = v.getUint32(p + 42, true);
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (localAt + 30 > bytes.length || v.getUint32(localAt, true) !== 0x04034b50) throw new ZipError(`the entry ${name} is damaged`);
    const start = localAt + 30 + v.getUint16(localAt + 26, true) + v.getUint16(localAt + 28, true);
    const raw = bytes.subarray(start, start + compressed);
    if (raw.length !== compressed) throw new ZipError(`the entry ${name} is cut short`);
    const room = Math.min(limits.maxEntryBytes, limits.maxTotalBytes - total);
    const tooBig = () =>
      new ZipError(
        room < limits.maxEntryBytes
          ? `its files unpack to more than ${mb(limits.maxTotalBytes)} together (the limit), at ${name}`
          : `the entry ${name} unpacks to more than ${mb(limits.maxEntryBytes)} (the limit for one file)`,
      );
    if (Math.max(declared, method === 0 ? compressed : 0) > room) throw tooBig();
    let data: Uint8Array;
    if (method === 0) data = raw.slice();
    else if (method === 8) data = await inflateRaw(raw, room, tooBig);
    else throw new ZipError(`the entry ${name} uses a compression this page cannot read (method ${method})`);
    if (data.length !== declared) throw new ZipError(`the entry ${name} is corrupt (it unpacks to ${data.length} bytes, not the ${declared} it declares)`);
    if (crc32(data) !== crc) throw new ZipError(`the entry ${name} is corrupt (checksum mismatch)`);
    total += data.length;
    out.push({ name, data });
  }
  return out;
}
