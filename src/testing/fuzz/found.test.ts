// Reader bugs the fuzz tests found, one regression case each (the mutation that found it, seed 1515).
import { describe, expect, it } from 'vitest';
import { loadModelMeta } from '../../model/load-model.ts';
import { parseSafetensorsFile } from '../../model/formats/safetensors.ts';
import { memoryModelFiles } from '../memory-model-files.ts';
import { headerRange } from './safetensors-mutate.ts';
import { storiesFolder } from './seeds.ts';

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
