// Zip bombs: an entry or an archive that unpacks past the limits is refused with a clear ZipError, and inflation
// stops at the limit even when the declared size lies.
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZipError, ZIP_LIMITS, crc32, readZip, writeZip } from './zip.ts';

const MiB = 2 ** 20;

/** A raw deflate stream of `mib` MiB of zeros, built from one flushed 1-MiB chunk repeated (no big buffer needed). */
function zerosDeflated(mib: number): Uint8Array {
  const chunk = deflateRawSync(Buffer.alloc(MiB), { finishFlush: constants.Z_SYNC_FLUSH });
  const out = new Uint8Array(chunk.length * mib + 2);
  for (let i = 0; i < mib; i++) out.set(chunk, i * chunk.length);
  out.set([0x03, 0x00], chunk.length * mib); // a final empty block
  return out;
}

/** An archive of deflated entries with the given declared unpacked sizes (and CRCs, which are not checked first). */
function deflatedZip(entries: { name: string; deflated: Uint8Array; declared: number; crc?: number }[]): Uint8Array {
  const stored = writeZip(entries.map((e) => ({ name: e.name, data: e.deflated })));
  const v = new DataView(stored.buffer);
  // Patch every local and central header: method 8, declared size, CRC.
  let p = 0;
  for (const e of entries) {
    v.setUint16(p + 8, 8, true);
    v.setUint32(p + 14, e.crc ?? 0, true);
    v.setUint32(p + 22, e.declared, true);
    p += 30 + new TextEncoder().encode(e.name).length + e.deflated.length;
  }
  for (const e of entries) {
    v.setUint16(p + 10, 8, true);
    v.setUint32(p + 16, e.crc ?? 0, true);
    v.setUint32(p + 24, e.declared, true);
    p += 46 + new TextEncoder().encode(e.name).length;
  }
  return stored;
}

async function zipError(p: Promise<unknown>): Promise<ZipError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ZipError);
  return e as ZipError;
}

describe('zip limits', () => {
  it('a bomb that declares its size is refused before unpacking (default limits)', async () => {
    const bomb = deflatedZip([{ name: 'intervention.safetensors', deflated: zerosDeflated(4), declared: 0xffff_fff0 }]);
    const e = await zipError(readZip(bomb));
    expect(e.message).toBe('the entry intervention.safetensors unpacks to more than 256 MB (the limit for one file)');
    expect(ZIP_LIMITS.maxTotalBytes).toBe(512 * MiB);
  });

  it('a bomb that lies about its size is stopped at the limit while unpacking', async () => {
    const bomb = deflatedZip([{ name: 'a.safetensors', deflated: zerosDeflated(64), declared: 100 }]);
    const e = await zipError(readZip(bomb, { maxEntryBytes: 4 * MiB, maxTotalBytes: 8 * MiB }));
    expect(e.message).toBe('the entry a.safetensors unpacks to more than 4 MB (the limit for one file)');
  });

  it('entries that are fine alone but too big together are refused', async () => {
    const zeros = new Uint8Array(3 * MiB);
    const crc = crc32(zeros);
    const zip = deflatedZip([1, 2, 3].map((i) => ({ name: `f${i}.bin`, deflated: zerosDeflated(3), declared: 3 * MiB, crc })));
    const e = await zipError(readZip(zip, { maxEntryBytes: 4 * MiB, maxTotalBytes: 8 * MiB }));
    expect(e.message).toBe('its files unpack to more than 8 MB together (the limit), at f3.bin');
    // Within the limits the same archive reads.
    const back = await readZip(zip, { maxEntryBytes: 4 * MiB, maxTotalBytes: 9 * MiB });
    expect(back.map((x) => x.data.length)).toEqual([3 * MiB, 3 * MiB, 3 * MiB]);
  });

  it('a stored entry over the limit, and a size that does not match, are refused', async () => {
    const zip = writeZip([{ name: 'big', data: new Uint8Array(2 * MiB) }]);
    expect((await zipError(readZip(zip, { maxEntryBytes: MiB, maxTotalBytes: 8 * MiB }))).message).toMatch(/big unpacks to more than 1 MB/);
    const lying = deflatedZip([{ name: 'x', deflated: zerosDeflated(1), declared: 10 }]);
    expect((await zipError(readZip(lying))).message).toMatch(/x is corrupt \(it unpacks to 1048576 bytes, not the 10 it declares\)/);
  });

  it('a damaged deflate stream is a ZipError', async () => {
    const zip = deflatedZip([{ name: 'x', deflated: new Uint8Array([0xff, 0xff, 0xff, 0xff]), declared: 4 }]);
    expect((await zipError(readZip(zip))).message).toMatch(/damaged/);
  });
});
