// The config is checked against the checkpoint's header before anything is built or uploaded (issue #16.2), and
// empty or headerless weight files say what is wrong with them (#16.3). Random-weight checkpoints held in memory.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelMeta } from './load-model.ts';
import { openCheckpoint } from './checkpoint.ts';
import { makeRandomCheckpoint } from '../testing/random-checkpoint.ts';
import { memoryModelFiles } from '../testing/memory-model-files.ts';
import { SHARED_DIR, STORIES260K_DIR } from '../testing/node-paths.ts';
import { tinyLlamaGqa } from '../testing/test-configs.ts';
import { parseSafetensorsFile, writeSafetensors } from './formats/safetensors.ts';
import { decodeToFloat32 } from './formats/dtype-codec.ts';
import { urlModelFiles } from './formats/model-files.ts';

const enc = new TextEncoder();
const FIVE_LAYERS = { ...tinyLlamaGqa, num_hidden_layers: 5 };

async function storiesTokenizer(): Promise<Map<string, Uint8Array>> {
  return new Map(await Promise.all(['tokenizer.json', 'tokenizer_config.json'].map(async (f) => [f, new Uint8Array(await readFile(path.join(STORIES260K_DIR, f)))] as const)));
}

/** A random checkpoint of `config` with the stories260K tokenizer, then `edit` applied to its files. */
async function folder(config: Record<string, unknown>, edit: (files: Map<string, Uint8Array>) => void = () => undefined): Promise<Map<string, Uint8Array>> {
  const files = makeRandomCheckpoint(config, { dtype: 'F32', seed: 3 });
  for (const [k, v] of await storiesTokenizer()) files.set(k, v);
  edit(files);
  return files;
}

const setConfig = (files: Map<string, Uint8Array>, patch: Record<string, unknown>) => {
  const c = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Record<string, unknown>;
  files.set('config.json', enc.encode(JSON.stringify({ ...c, ...patch })));
};

/** The safetensors file rewritten with `add` tensors appended (values 0). */
function withExtraTensors(file: Uint8Array, add: { name: string; shape: number[] }[]): Uint8Array {
  const h = parseSafetensorsFile(file, 'model.safetensors');
  const kept = [...h.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: decodeToFloat32(file.subarray(t.begin, t.end), t.dtype) }));
  const extra = add.map((t) => ({ ...t, dtype: 'F32' as const, data: new Float32Array(t.shape.reduce((p, d) => p * d, 1)) }));
  return writeSafetensors([...kept, ...extra]);
}

async function rejection(files: Map<string, Uint8Array>): Promise<string> {
  const r = await loadModelMeta(memoryModelFiles('m', files)).then(
    () => null,
    (e: unknown) => e,
  );
  if (r === null) throw new Error('loaded, but it should have been refused');
  expect(r).toBeInstanceOf(Error);
  return (r as Error).message;
}

describe('config against checkpoint, before anything is built', () => {
  it('a valid 5-layer checkpoint loads (the checks below refuse only what is wrong)', async () => {
    const meta = await loadModelMeta(memoryModelFiles('m', await folder(FIVE_LAYERS)));
    expect(meta.spec.numLayers).toBe(5);
  });

  it('num_hidden_layers 1e9 on a 5-layer file: refused from the tensor names, naming both counts', async () => {
    const msg = await rejection(await folder(FIVE_LAYERS, (f) => setConfig(f, { num_hidden_layers: 1e9 })));
    expect(msg).toMatch(/"num_hidden_layers" is 1000000000 but the checkpoint has 5 layers \(model\.layers\.0…4\)/);
  });

  it('num_hidden_layers 3 on a 5-layer file is refused (two layers would be dropped silently)', async () => {
    const msg = await rejection(await folder(FIVE_LAYERS, (f) => setConfig(f, { num_hidden_layers: 3 })));
    expect(msg).toMatch(/"num_hidden_layers" is 3 but the checkpoint has 5 layers/);
  });

  it('a layer missing in the middle is named', async () => {
    const files = await folder(FIVE_LAYERS, (f) => {
      const st = f.get('model.safetensors')!;
      const h = parseSafetensorsFile(st, 'model.safetensors');
      const kept = [...h.tensors.values()].filter((t) => !t.name.startsWith('model.layers.2.'));
      f.set('model.safetensors', writeSafetensors(kept.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: decodeToFloat32(st.subarray(t.begin, t.end), t.dtype) }))));
    });
    expect(await rejection(files)).toMatch(/tensors of layers up to model\.layers\.4 but none of layer 2 \(4 layers are present\)/);
  });

  it('tensors the model does not use are refused, named and counted', async () => {
    const files = await folder(tinyLlamaGqa, (f) =>
      f.set('model.safetensors', withExtraTensors(f.get('model.safetensors')!, [{ name: 'model.layers.0.mlp.extra.weight', shape: [4] }, { name: 'vision_tower.weight', shape: [2] }])),
    );
    expect(await rejection(files)).toMatch(/2 tensors the config does not use.*"model\.layers\.0\.mlp\.extra\.weight", "vision_tower\.weight"/);
  });

  it('rotary inv_freq buffers and an lm_head of a tied checkpoint are not refused', async () => {
    const files = await folder({ ...tinyLlamaGqa, tie_word_embeddings: true }, (f) =>
      f.set('model.safetensors', withExtraTensors(f.get('model.safetensors')!, [{ name: 'model.layers.0.self_attn.rotary_emb.inv_freq', shape: [4] }, { name: 'lm_head.weight', shape: [512, 64] }])),
    );
    await expect(loadModelMeta(memoryModelFiles('m', files))).resolves.toBeTruthy();
  });

  it('an empty tokenizer vocabulary is refused, with vocab_size', async () => {
    const files = await folder(tinyLlamaGqa, (f) => {
      const tok = JSON.parse(new TextDecoder().decode(f.get('tokenizer.json'))) as { model: Record<string, unknown>; added_tokens: unknown[] };
      tok.model.vocab = {};
      tok.model.merges = [];
      tok.added_tokens = [];
      f.set('tokenizer.json', enc.encode(JSON.stringify(tok)));
    });
    expect(await rejection(files)).toMatch(/tokenizer\.json: has an empty vocabulary \(0 tokens in "model\.vocab"\); the model's vocab_size is 512/);
  });

  it('a tokenizer with more tokens than vocab_size is refused, naming both', async () => {
    const files = await folder({ ...tinyLlamaGqa, vocab_size: 256 });
    expect(await rejection(files)).toMatch(/tokenizer\.json: "model\.vocab" gives token "[^"]+" the id (25[6-9]|2[6-9]\d|[34]\d\d|50\d|51[01]); an id must be an integer from 0 to 255 \(vocab_size 256\)/);
  });
});

describe('empty and headerless weight files say what is wrong', () => {
  it('a 0-byte model.safetensors', async () => {
    const files = await folder(tinyLlamaGqa, (f) => f.set('model.safetensors', new Uint8Array(0)));
    expect(await rejection(files)).toMatch(/model\.safetensors is empty \(0 bytes\)/);
  });

  it('a safetensors header length of 0', async () => {
    const files = await folder(tinyLlamaGqa, (f) => f.set('model.safetensors', f.get('model.safetensors')!.slice().fill(0, 0, 8)));
    expect(await rejection(files)).toMatch(/model\.safetensors: header length is 0 \(the first 8 bytes are zero\); a safetensors header is a JSON object/);
  });

  it('a 0-byte .gguf', async () => {
    const r = await openCheckpoint(memoryModelFiles('m.gguf', new Map([['m.gguf', new Uint8Array(0)]]), { weightFile: 'm.gguf' })).catch((e: unknown) => e);
    expect((r as Error).message).toMatch(/m\.gguf is empty \(0 bytes\)/);
  });

  it('stories260K GGUF still opens (the seed of the GGUF cases)', async () => {
    const name = 'stories260K-f32.gguf';
    const bytes = new Uint8Array(await readFile(path.join(SHARED_DIR, 'models/stories260K-gguf', name)));
    const ckpt = await openCheckpoint(memoryModelFiles(name, new Map([[name, bytes]]), { weightFile: name }));
    expect(ckpt.spec.numLayers).toBe(5);
  });
});

describe('a server that answers 416 to ranges of an empty file', () => {
  /** fetch over a file map, with the dev server's range handling (server/models-plugin.ts): 416 past the end. */
  function serve(files: Map<string, Uint8Array>): typeof fetch {
    return (async (input: RequestInfo | URL, init?: RequestInit) => {
      const name = decodeURIComponent(String(input).replace(/^http:\/\/x\//, ''));
      const file = files.get(name);
      if (!file) return new Response(null, { status: 404 });
      const range = /^bytes=(\d+)-(\d*)$/.exec(new Headers(init?.headers).get('Range') ?? '');
      if (!range) return new Response(file.slice(), { status: 200, headers: { 'Content-Length': String(file.byteLength) } });
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), file.byteLength - 1) : file.byteLength - 1;
      if (start >= file.byteLength || end < start) return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${file.byteLength}` } });
      return new Response(file.slice(start, end + 1), { status: 206, headers: { 'Content-Range': `bytes ${start}-${end}/${file.byteLength}` } });
    }) as typeof fetch;
  }

  it('reports the empty file, not "HTTP 416"', async () => {
    const files = await folder(tinyLlamaGqa, (f) => f.set('model.safetensors', new Uint8Array(0)));
    const saved = globalThis.fetch;
    globalThis.fetch = serve(files);
    try {
      const e = await openCheckpoint(urlModelFiles('m', 'http://x/')).catch((err: unknown) => err as Error);
      expect((e as Error).message).toBe('model.safetensors is empty (0 bytes)');
      const g = await openCheckpoint(urlModelFiles('m.gguf', 'http://x/')).catch((err: unknown) => err as Error);
      expect((g as Error).message).toBe('m.gguf has no weights: m.gguf is missing');
      files.set('m.gguf', new Uint8Array(0));
      const empty = await openCheckpoint(urlModelFiles('m.gguf', 'http://x/')).catch((err: unknown) => err as Error);
      expect((empty as Error).message).toBe('m.gguf is empty (0 bytes)');
    } finally {
      globalThis.fetch = saved;
    }
  });
});
