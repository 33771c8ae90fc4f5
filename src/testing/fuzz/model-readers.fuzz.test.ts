// Seeded fuzz of the model readers (issue #15.1): safetensors, shard index, config, tokenizer and the GGUF model
// reader, each fed mutated copies of valid files through the loader's entry points (loadModelMeta: every check that
// runs before an upload, then streamCheckedWeights: the tensor bytes as loadModel streams them, each scanned for
// NaN/±Inf). Every case must end accepted or in a clean error, promptly, without absurd allocations.
import { appendFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelMeta, streamCheckedWeights } from '../../model/load-model.ts';
import { parseSafetensorsFile } from '../../model/formats/safetensors.ts';
import { readGguf } from '../../model/formats/gguf.ts';
import { memoryModelFiles } from '../memory-model-files.ts';
import { makeFuzzer, mutateBytes, mutateJson, absurdU64, writeU64, type Fuzzer } from './mutate.ts';
import { mutateGgufStructure } from './gguf-mutate.ts';
import { headerRange, mutateSafetensorsHeader } from './safetensors-mutate.ts';
import { newTally, record, report, runCase, type ReaderTally } from './harness.ts';
import { randomFolder, storiesFolder, storiesGguf } from './seeds.ts';

/** Cases per reader (FUZZ_CASES to run more). */
const CASES = Number(process.env.FUZZ_CASES ?? 240);
const SEED = Number(process.env.FUZZ_SEED ?? 1515);
const dec = new TextDecoder();
const enc = new TextEncoder();

const bytesOf = (files: Map<string, Uint8Array>) => [...files.values()].reduce((n, b) => n + b.byteLength, 0);

/** Loads the folder's config, headers and tokenizer; an accepted tokenizer must also encode text into ids in range. */
async function load(files: Map<string, Uint8Array>, weightFile?: string): Promise<void> {
  const id = weightFile ?? 'fuzz-model';
  const source = memoryModelFiles(id, files, weightFile ? { weightFile } : {});
  const meta = await loadModelMeta(source);
  const ids = meta.tokenizer.encode('Once upon a time, a cat.');
  if (!ids.every((t) => Number.isSafeInteger(t) && t >= 0 && t < meta.spec.vocabSize)) {
    throw new TypeError(`accepted, but the tokenizer encodes to ids outside 0…${meta.spec.vocabSize - 1}: [${ids.slice(0, 8).join(', ')}]`);
  }
  // The weights, as loadModel streams them to the GPU (here to nowhere), each refused when it holds NaN or ±Inf.
  const { tensors } = meta.checkpoint.source;
  await streamCheckedWeights(source, meta.checkpoint.source, tensors, () => undefined);
}

const tallies: ReaderTally[] = [];

async function fuzz(reader: string, make: (f: Fuzzer, i: number) => { input: Map<string, Uint8Array>; what: string; run: () => unknown }): Promise<ReaderTally> {
  const t = newTally(reader);
  const f = makeFuzzer(SEED + tallies.length * 7919);
  for (let i = 0; i < CASES; i++) {
    const c = make(f, i);
    if (process.env.FUZZ_TRACE) appendFileSync(process.env.FUZZ_TRACE, `${reader} #${i}: ${c.what}\n`);
    record(t, await runCase(bytesOf(c.input), c.run), c.what);
  }
  tallies.push(t);
  return t;
}

function withFile(files: Map<string, Uint8Array>, name: string, bytes: Uint8Array): Map<string, Uint8Array> {
  return new Map([...files, [name, bytes]]);
}

describe('fuzz: model readers', () => {
  let stories: Map<string, Uint8Array>;
  let random: Map<string, Uint8Array>;
  let sharded: Map<string, Uint8Array>;
  let gguf: Uint8Array;
  let ggufQ4: Uint8Array;

  beforeAll(async () => {
    [stories, random, sharded, gguf, ggufQ4] = await Promise.all([storiesFolder(), randomFolder(), randomFolder(3), storiesGguf('stories260K-f32.gguf'), storiesGguf('stories260K-q4_0.gguf')]);
    // The seeds themselves load.
    await load(stories);
    await load(random);
    await load(sharded);
    await load(new Map([['s.gguf', gguf]]), 's.gguf');
  });

  it('safetensors (header JSON, length prefix, bytes, NaN/Inf weights)', async () => {
    const t = await fuzz('safetensors', (f, i) => {
      const seed = i % 2 === 0 ? random : stories;
      const st = seed.get('model.safetensors')!;
      const m = f.chance(0.55) ? mutateSafetensorsHeader(f, st) : mutateBytes(f, st, f.chance(0.8) ? headerRange(st) : { start: 0, end: st.byteLength });
      const files = withFile(seed, 'model.safetensors', m.bytes);
      // Half through the loader, half straight into the header parser (faster, same checks).
      return { input: files, what: m.what, run: () => (i % 4 < 2 ? load(files) : parseSafetensorsFile(m.bytes, 'model.safetensors')) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('shard index', async () => {
    const t = await fuzz('shard index', (f) => {
      const name = 'model.safetensors.index.json';
      const m = mutateJson(f, dec.decode(sharded.get(name)!));
      const files = withFile(sharded, name, enc.encode(m.text));
      return { input: files, what: m.what, run: () => load(files) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('config.json', async () => {
    const t = await fuzz('config', (f, i) => {
      const seed = i % 2 === 0 ? random : stories;
      const m = mutateJson(f, dec.decode(seed.get('config.json')!));
      const files = withFile(seed, 'config.json', enc.encode(m.text));
      return { input: files, what: m.what, run: () => load(files) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('tokenizer.json and tokenizer_config.json', async () => {
    const t = await fuzz('tokenizer', (f) => {
      const name = f.chance(0.75) ? 'tokenizer.json' : 'tokenizer_config.json';
      const m = mutateJson(f, dec.decode(stories.get(name)!));
      const files = withFile(stories, name, enc.encode(m.text));
      return { input: files, what: `${name} ${m.what}`, run: () => load(files) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('GGUF model (metadata values, tensor infos, header bytes, lying counts and lengths, tensor data)', async () => {
    const t = await fuzz('GGUF model', (f, i) => {
      const seed = i % 3 === 2 ? ggufQ4 : gguf;
      const dataStart = readGguf(seed).dataStart;
      let m: { bytes: Uint8Array; what: string };
      if (f.chance(0.4)) m = mutateGgufStructure(f, seed);
      else if (f.chance(0.3)) {
        // The counts and the first key's length: tensor_count @8, kv_count @16, key length @24 (2^63, 10^9, …).
        const bytes = seed.slice();
        const at = f.pick([8, 16, 24]);
        const v = absurdU64(f, bytes.byteLength);
        writeU64(bytes, at, v);
        m = { bytes, what: `u64 ${v} at ${at}` };
      } else m = mutateBytes(f, seed, f.chance(0.85) ? { start: 0, end: dataStart } : { start: dataStart, end: seed.byteLength });
      const files = new Map([['m.gguf', m.bytes]]);
      return { input: files, what: m.what, run: () => (i % 2 === 0 ? load(files, 'm.gguf') : readGguf(m.bytes, 'm.gguf')) };
    });
    expect(t.other, report([t])).toBe(0);
  });

  it('prints the counts', () => {
    console.log(`fuzz (seed ${SEED}, ${CASES} cases per reader)\n${report(tallies)}`);
    expect(tallies.reduce((n, t) => n + t.tried, 0)).toBeGreaterThanOrEqual(5 * CASES);
  });
});
