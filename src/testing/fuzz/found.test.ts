// Reader bugs the fuzz tests found, one regression case each (the mutation that found it, seed 1515).
import { describe, expect, it } from 'vitest';
import { loadModelMeta } from '../../model/load-model.ts';
import { parseSafetensorsFile } from '../../model/formats/safetensors.ts';
import { memoryModelFiles } from '../memory-model-files.ts';
import { headerRange } from './safetensors-mutate.ts';
import { sampleControlVector, sampleIntervention, storiesFolder } from './seeds.ts';
import { decodeIntervention, encodeIntervention } from '../../steering/intervention-file.ts';
import { readGguf } from '../../model/formats/gguf.ts';
import { writeU64 } from './mutate.ts';

const dec = new TextDecoder();
const enc = new TextEncoder();

async function refusal(files: Map<string, Uint8Array>): Promise<Error> {
  const r = await loadModelMeta(memoryModelFiles('m', files)).then(() => null, (e: unknown) => e as Error);
  if (!r) throw new Error('accepted, but it should have been refused');
  return r;
}

/** stories260K with one JSON file edited. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of a JSON fixture
async function editJson(name: string, edit: (j: any) => void): Promise<Map<string, Uint8Array>> {
  const files = await storiesFolder();
  const j = JSON.parse(dec.decode(files.get(name))) as Record<string, unknown>;
  edit(j);
  files.set(name, enc.encode(JSON.stringify(j)));
  return files;
}

function editHeader(st: Uint8Array, edit: (h: Record<string, Record<string, unknown>>) => void): Uint8Array {
  const { end } = headerRange(st);
  const h = JSON.parse(dec.decode(st.subarray(8, end))) as Record<string, Record<string, unknown>>;
  edit(h);
  const header = enc.encode(JSON.stringify(h));
  const out = new Uint8Array(8 + header.byteLength + st.byteLength - end);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  out.set(header, 8);
  out.set(st.subarray(end), 8 + header.byteLength);
  return out;
}

describe('found by the fuzz: safetensors', () => {
  it('a tensor entry without dtype or data_offsets says "missing", not "undefined"', async () => {
    const st = (await storiesFolder()).get('model.safetensors')!;
    const noDtype = editHeader(st, (h) => void delete h['model.embed_tokens.weight'].dtype);
    expect(() => parseSafetensorsFile(noDtype, 'model.safetensors')).toThrow('model.safetensors: tensor "model.embed_tokens.weight": dtype missing is not supported (F32, F16, BF16)');
    const noOffsets = editHeader(st, (h) => void delete h['model.norm.weight'].data_offsets);
    expect(() => parseSafetensorsFile(noOffsets, 'model.safetensors')).toThrow('tensor "model.norm.weight": data_offsets missing must be [begin, end]');
  });
});

describe('found by the fuzz: tokenizer.json / tokenizer_config.json', () => {
  it('a vocabulary id of 10⁹ is refused at once (the library built a 10⁹-long array: 214 s, then out of memory)', async () => {
    const files = await editJson('tokenizer.json', (j) => void (j.model.vocab['<0x23>'] = 1e9));
    const t0 = performance.now();
    const e = await refusal(files);
    console.log(`vocabulary id 1e9 refused in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(e.message).toBe('tokenizer.json: "model.vocab" gives token "<0x23>" the id 1000000000; an id must be an integer from 0 to 511 (vocab_size 512)');
  });

  it('an added token with id -1 is refused (it was accepted and encoded "<s>" as -1)', async () => {
    const files = await editJson('tokenizer.json', (j) => void (j.added_tokens[1].id = -1));
    expect((await refusal(files)).message).toBe('tokenizer.json: "added_tokens"[1] ("<s>") has the id -1; an id must be an integer from 0 to 511 (vocab_size 512)');
  });

  it('a post-processor item that is a number is refused by field (was a TypeError from inside the library)', async () => {
    const files = await editJson('tokenizer.json', (j) => void (j.post_processor.single[1] = 0.5));
    expect((await refusal(files)).message).toMatch(/^tokenizer\.json: "post_processor"\.single must be a list of \{"SpecialToken": …\} or \{"Sequence": …\} items/);
  });

  it('a normalizer without "type", or a decoder step that is a number, is named (was "Unknown … type: undefined")', async () => {
    const noType = await editJson('tokenizer.json', (j) => void delete j.normalizer.type);
    expect((await refusal(noType)).message).toMatch(/^tokenizer\.json: "normalizer" must be null or an object with a "type" string/);
    const numberStep = await editJson('tokenizer.json', (j) => void (j.decoder.decoders[1] = -1));
    expect((await refusal(numberStep)).message).toMatch(/^tokenizer\.json: "decoder"\.decoders\[1\] must be null or an object with a "type" string, found -1/);
  });

  it('a special token that is an object without "content" is refused (was "Unknown token: [object Object]")', async () => {
    const files = await editJson('tokenizer_config.json', (j) => void (j.pad_token = {}));
    expect((await refusal(files)).message).toBe('tokenizer_config.json: "pad_token" must be a token string, null or {"content": "…"}, found {}');
  });
});

describe('found by the fuzz: intervention manifest', () => {
  it('a manifest without "format", "version" or "method" says which is missing (it said "undefined")', () => {
    const { manifest, tensors } = encodeIntervention(sampleIntervention());
    const without = (key: string) => JSON.stringify({ ...(JSON.parse(manifest) as Record<string, unknown>), [key]: undefined });
    expect(() => decodeIntervention(without('format'), tensors)).toThrow('cannot load intervention: "format" is missing (expected "steerscope-intervention")');
    expect(() => decodeIntervention(without('version'), tensors)).toThrow('cannot load intervention: "version" is missing (this build reads version 1)');
    expect(() => decodeIntervention(without('method'), tensors)).toThrow('cannot load intervention: "method" is missing');
  });
});

describe('lying sizes are refused before anything is allocated', () => {
  /** The sample control vector (GGUF) with a u64 overwritten: 8 = tensor count, 16 = metadata count, 24 = first key's length. */
  const lie = (at: number, v: bigint) => {
    const b = sampleControlVector().slice();
    writeU64(b, at, v);
    return b;
  };
  it('GGUF: 10⁹ tensors, 2^63 metadata entries, a string length of 2^63', () => {
    expect(() => readGguf(lie(8, 10n ** 9n), 'cv.gguf')).toThrow(/^cv\.gguf: the tensor count at byte 8: tensor count 1000000000 runs past the end of the file/);
    expect(() => readGguf(lie(16, 2n ** 63n), 'cv.gguf')).toThrow(/^cv\.gguf: the metadata count at byte 16: metadata entry count 9223372036854775808 runs past the end/);
    expect(() => readGguf(lie(24, 2n ** 63n), 'cv.gguf')).toThrow(/^cv\.gguf: metadata entry #0's key at byte 24: string length 9223372036854775808 runs past the end of the file/);
  });
  it('safetensors: a header length of 2^63, shown exactly', () => {
    const b = encodeIntervention(sampleIntervention()).tensors.slice();
    writeU64(b, 0, 2n ** 63n);
    expect(() => parseSafetensorsFile(b, 'x.safetensors')).toThrow('x.safetensors: header length 9223372036854775808 exceeds the 100000000-byte limit');
  });
  it('safetensors: a shape of 10⁹ × 10⁹ elements is refused by its byte count, not allocated', () => {
    const st = encodeIntervention(sampleIntervention()).tensors;
    const b = editHeader(st, (h) => void (h['1.resid.b'].shape = [1e9, 1e9]));
    expect(() => parseSafetensorsFile(b, 'x.safetensors')).toThrow(/tensor "1\.resid\.b": data_offsets \[\d+, \d+\] hold 64 bytes but shape \[1000000000, 1000000000\] of F32 needs 4000000000000000000/);
  });
});
