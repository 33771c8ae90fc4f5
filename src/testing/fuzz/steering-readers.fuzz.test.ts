// Seeded fuzz of the steering-file readers (issue #15.1): prompt datasets (JSON, CSV, text), the intervention format
// (manifest + safetensors), llama.cpp control vectors (GGUF) and the library zip (stored and deflated), each through
// the entry point the app and the CLI use. Every case must end accepted or in a clean error.
import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../steering/dataset.ts';
import { decodeIntervention, encodeIntervention, MANIFEST_FILE_NAME, TENSORS_FILE_NAME } from '../../steering/intervention-file.ts';
import { decodeControlVector } from '../../steering/gguf-control-vector.ts';
import { readZip, type ZipEntry } from '../../app/storage/zip.ts';
import { readGguf } from '../../model/formats/gguf.ts';
import { makeFuzzer, mutateBytes, mutateJson, absurdU64, writeU64, type Fuzzer } from './mutate.ts';
import { headerRange, mutateSafetensorsHeader } from './safetensors-mutate.ts';
import { newTally, record, report, runCase, type ReaderTally } from './harness.ts';
import { HIDDEN, LAYERS, SAMPLE_CSV, SAMPLE_DATASET, SAMPLE_TEXT, sampleControlVector, sampleDeflatedZip, sampleIntervention, sampleLibraryZip } from './seeds.ts';

/** Cases per reader (these readers are fast: more cases than the model readers get). */
const CASES = Number(process.env.FUZZ_CASES ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 1515);
const enc = new TextEncoder();
const dec = new TextDecoder();
const EXPECT = { hiddenSize: HIDDEN, numLayers: LAYERS };

const tallies: ReaderTally[] = [];

async function fuzz(reader: string, make: (f: Fuzzer, i: number) => { inputBytes: number; what: string; run: () => unknown }): Promise<ReaderTally> {
  const t = newTally(reader);
  const f = makeFuzzer(SEED + 104729 + tallies.length * 7919);
  for (let i = 0; i < CASES; i++) {
    const c = make(f, i);
    if (process.env.FUZZ_TRACE) appendFileSync(process.env.FUZZ_TRACE, `${reader} #${i}: ${c.what}\n`);
    record(t, await runCase(c.inputBytes, c.run), c.what);
  }
  tallies.push(t);
  return t;
}

/** A UTF-8 text mutated as bytes (invalid UTF-8, control bytes, cuts), decoded as the page's File.text() would. */
function mutateText(f: Fuzzer, text: string): { text: string; what: string } {
  const m = mutateBytes(f, enc.encode(text));
  return { text: dec.decode(m.bytes), what: m.what };
}

/** As the library's import does: the manifest and tensors among the zip's entries, then the intervention reader. */
function importEntries(entries: ZipEntry[]): unknown {
  const base = (n: string) => n.replace(/^.*\//, '');
  const manifest = entries.find((e) => base(e.name) === MANIFEST_FILE_NAME);
  const tensors = entries.find((e) => base(e.name) === TENSORS_FILE_NAME);
  if (!manifest || !tensors) throw new Error(`the archive lacks ${!manifest ? MANIFEST_FILE_NAME : TENSORS_FILE_NAME}`);
  return decodeIntervention(dec.decode(manifest.data), tensors.data, EXPECT);
}

describe('fuzz: steering readers', () => {
  it('prompt dataset (JSON, CSV, plain text)', async () => {
    const t = await fuzz('dataset', (f, i) => {
      const kind = i % 3;
      const name = ['sad.json', 'sad.csv', 'sad.txt'][kind];
      const m = kind === 0 && f.chance(0.7) ? mutateJson(f, SAMPLE_DATASET) : mutateText(f, [SAMPLE_DATASET, SAMPLE_CSV, SAMPLE_TEXT][kind]);
      return { inputBytes: m.text.length * 3, what: `${name} ${m.what}`, run: () => parseDataset(m.text, name) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('intervention (manifest JSON, safetensors header and bytes, NaN/Inf values)', async () => {
    const { manifest, tensors } = encodeIntervention(sampleIntervention());
    expect(() => decodeIntervention(manifest, tensors, EXPECT)).not.toThrow();
    const t = await fuzz('intervention', (f) => {
      const which = f.int(3);
      let man = manifest;
      let ten = tensors;
      let what: string;
      if (which === 0) {
        const m = mutateJson(f, manifest);
        [man, what] = [m.text, `manifest ${m.what}`];
      } else if (which === 1) {
        const m = mutateSafetensorsHeader(f, tensors);
        [ten, what] = [m.bytes, `tensors ${m.what}`];
      } else {
        const m = mutateBytes(f, tensors, f.chance(0.5) ? headerRange(tensors) : { start: headerRange(tensors).end, end: tensors.byteLength });
        [ten, what] = [m.bytes, `tensors ${m.what}`];
      }
      return { inputBytes: man.length * 3 + ten.byteLength, what, run: () => decodeIntervention(man, ten, EXPECT) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('llama.cpp control vector (GGUF: lying counts and lengths, bytes, NaN/Inf)', async () => {
    const cv = sampleControlVector();
    expect(decodeControlVector(cv, 'm', EXPECT).hooks.size).toBe(2);
    const dataStart = readGguf(cv).dataStart;
    const t = await fuzz('control vector', (f) => {
      let m: { bytes: Uint8Array; what: string };
      if (f.chance(0.25)) {
        const bytes = cv.slice();
        const at = f.pick([8, 16, 24]);
        const v = absurdU64(f, bytes.byteLength);
        writeU64(bytes, at, v);
        m = { bytes, what: `u64 ${v} at ${at}` };
      } else m = mutateBytes(f, cv, f.chance(0.7) ? { start: 0, end: dataStart } : { start: dataStart, end: cv.byteLength });
      return { inputBytes: m.bytes.byteLength, what: m.what, run: () => decodeControlVector(m.bytes, 'm', EXPECT, 'cv.gguf') };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('library zip (stored and deflated; central directory, local headers, data)', async () => {
    const stored = sampleLibraryZip();
    const deflated = sampleDeflatedZip();
    for (const z of [stored, deflated]) expect(importEntries(await readZip(z))).toBeTruthy();
    const t = await fuzz('library zip', (f, i) => {
      const z = i % 2 === 0 ? stored : deflated;
      // Half the mutations aim at the central directory and end record (the last ~170 bytes).
      const m = mutateBytes(f, z, f.chance(0.5) ? { start: Math.max(0, z.byteLength - 170), end: z.byteLength } : { start: 0, end: z.byteLength });
      return { inputBytes: m.bytes.byteLength, what: `${i % 2 === 0 ? 'stored' : 'deflated'} ${m.what}`, run: async () => importEntries(await readZip(m.bytes)) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('prints the counts', () => {
    console.log(`fuzz (seed ${SEED}, ${CASES} cases per reader)\n${report(tallies)}`);
    expect(tallies.reduce((n, t) => n + t.tried, 0)).toBeGreaterThanOrEqual(4 * CASES);
  });
});
