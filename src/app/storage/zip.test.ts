import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, readZip, writeZip } from './zip.ts';

describe('zip', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips stored entries with UTF-8 names', async () => {
    const a = new TextEncoder().encode('{"format":"x"}');
    const b = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    const zip = writeZip([
      { name: 'intervention.json', data: a },
      { name: 'dossier/é.safetensors', data: b },
    ]);
    const back = await readZip(zip);
    expect(back.map((e) => e.name)).toEqual(['intervention.json', 'dossier/é.safetensors']);
    expect(back[0].data).toEqual(a);
    expect(back[1].data).toEqual(b);
  });

  it('reads deflated entries', async () => {
    const text = new TextEncoder().encode('hello hello hello hello hello');
    const zip = writeZip([{ name: 'a.txt', data: text }]);
    // Rewrite the archive with the entry deflated (method 8) and sizes patched.
    const deflated = new Uint8Array(deflateRawSync(text));
    const nameLen = 5;
    const local = zip.slice(0, 30 + nameLen);
    const lv = new DataView(local.buffer);
    lv.setUint16(8, 8, true);
    lv.setUint32(18, deflated.length, true);
    const cenStart = 30 + nameLen + text.length;
    const cen = zip.slice(cenStart, cenStart + 46 + nameLen);
    const cv = new DataView(cen.buffer);
    cv.setUint16(10, 8, true);
    cv.setUint32(20, deflated.length, true);
    const end = zip.slice(zip.length - 22);
    const ev = new DataView(end.buffer);
    ev.setUint32(16, local.length + deflated.length, true);
    const rebuilt = new Uint8Array([...local, ...deflated, ...cen, ...end]);
    const back = await readZip(rebuilt);
    expect(new TextDecoder().decode(back[0].data)).toBe('hello hello hello hello hello');
  });

  it('refuses what is not a zip, and corrupt entries', async () => {
    await expect(readZip(new TextEncoder().encode('not a zip at all, just some text here'))).rejects.toThrow('not a zip');
    const zip = writeZip([{ name: 'a', data: new Uint8Array([1, 2, 3]) }]);
    zip[31] ^= 0xff; // the data byte after the 30-byte header and 1-byte name
    await expect(readZip(zip)).rejects.toThrow('checksum');
  });
});
