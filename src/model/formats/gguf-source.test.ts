import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCpuWeights } from '../cpu/weights-from-disk.node.ts';
import { expectedTensors } from './weight-names.ts';
import { parseModelConfig } from '../config.ts';
import { SHARED_DIR, STORIES260K_DIR } from '../../testing/node-paths.ts';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { nodeModelFiles } from './node-model-files.node.ts';
import { openWeightSource } from './weight-sources.ts';
import { openCheckpoint } from '../checkpoint.ts';
import { unpermuteRows } from './gguf-model.ts';

const GGUF_DIR = path.join(SHARED_DIR, 'models/stories260K-gguf');
const F32 = path.join(GGUF_DIR, 'stories260K-f32.gguf');

describe('GGUF weight source (stories260K)', () => {
  it('maps the metadata to the same spec as the Hugging Face config.json', async () => {
    const { spec } = await openCheckpoint(nodeModelFiles(F32));
    const hf = parseModelConfig(JSON.parse(await readFile(path.join(STORIES260K_DIR, 'config.json'), 'utf8')));
    expect({ ...spec, rmsNormEps: Math.fround(spec.rmsNormEps) }).toEqual({ ...hf, rmsNormEps: Math.fround(hf.rmsNormEps) });
  });

  it('gives every tensor of the safetensors checkpoint, bit for bit (q/k rows un-permuted)', async () => {
    const gguf = await loadCpuWeights(F32);
    const st = await loadCpuWeights(STORIES260K_DIR);
    const names = expectedTensors(st.spec).map((t) => t.name);
    expect(names.length).toBeGreaterThan(40);
    for (const n of names) expect(Buffer.from(gguf.weights.get(n).buffer).equals(Buffer.from(st.weights.get(n).buffer)), n).toBe(true);
    // The file's own q rows are permuted: without the un-permutation they differ.
    const src = await openWeightSource(nodeModelFiles(F32));
    const q = src.tensors.find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')!;
    const { bytes } = await nodeModelFiles(F32).range(q.file, q.begin, q.end);
    expect(Buffer.from(bytes).equals(Buffer.from(st.weights.get(q.name).buffer))).toBe(false);
  });

  it('lists quantized tensors in their file formats with [rows, cols] shapes', async () => {
    const src = await openWeightSource(nodeModelFiles(path.join(GGUF_DIR, 'stories260K-q4_1.gguf')));
    const byName = new Map(src.tensors.map((t) => [t.name, t]));
    expect(byName.get('model.embed_tokens.weight')).toMatchObject({ shape: [512, 64], format: 'Q4_1' });
    expect(byName.get('model.layers.0.mlp.down_proj.weight')).toMatchObject({ shape: [64, 172], format: 'F32' });
    expect(byName.has('lm_head.weight')).toBe(false);
    expect(src.config).toMatchObject({ tie_word_embeddings: true, vocab_size: 512, eos_token_id: 2, bos_token_id: 1 });
  });
});

describe('q/k un-permutation', () => {
  it('moves whole rows of any width back to Hugging Face order', () => {
    // 2 heads of 4 rows, 3-byte rows: file row 2i + j of a head holds HF row j·2 + i.
    const rows = 8;
    const file = new Uint8Array(rows * 3);
    const hfRowOfFileRow = [0, 2, 1, 3, 4, 6, 5, 7];
    hfRowOfFileRow.forEach((hf, r) => file.fill(hf + 1, r * 3, r * 3 + 3));
    const out = unpermuteRows(file, rows, 3, 2);
    expect([...out]).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8]);
  });
});

describe('the default real model (scripts/fetch-model.sh)', () => {
  const file = path.resolve('models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf');
  it.skipIf(!existsSync(file))('SmolLM2-135M-Instruct Q4_1 opens: config, tensor formats and tokenizer from the file', async () => {
    // Facts as the gguf Python package's GGUFReader reads the same file: 272 tensors, the embedding Q8_0, the rest of
    // the matrices Q4_1, 49152 tokens, llama architecture with 9 heads / 3 kv heads, tied embeddings.
    const { spec, source } = await openCheckpoint(nodeModelFiles(file));
    expect(spec).toMatchObject({ modelType: 'llama', hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKvHeads: 3, headDim: 64, vocabSize: 49152, maxPositions: 8192, ropeTheta: 100000, tiedEmbeddings: true, qkvBias: false, bosTokenId: 1 });
    expect(spec.eosTokenIds).toContain(2);
    expect(source.tensors).toHaveLength(272);
    const formats = new Set(source.tensors.filter((t) => t.shape.length === 2).map((t) => t.format));
    expect([...formats].sort()).toEqual(['Q4_1', 'Q8_0']);
    expect(source.tensors.find((t) => t.name === 'model.embed_tokens.weight')).toMatchObject({ shape: [49152, 576], format: 'Q8_0' });
    const { createTokenizer } = await import('../tokenizer.ts');
    const tok = await createTokenizer(source.tokenizer!.json, source.tokenizer!.config);
    const chat = tok.encodeChat([{ role: 'user', content: 'Hi' }]);
    expect(chat[0]).toBe(1); // <|im_start|>
    expect(tok.decode(chat)).toContain('user\nHi\nassistant\n');
    expect(tok.encode('1234')).toHaveLength(4); // smollm pre-tokenizer: digits one by one
  });
});

describe('q/k un-permutation of quantized rows (stories260K Q8_0)', () => {
  it('puts Q8_0 rows back in Hugging Face order: each block scale is max|w|/127 of the safetensors row', async () => {
    const { f32ToF16Bits } = await import('./dtype-codec.ts');
    const st = await loadCpuWeights(STORIES260K_DIR);
    const file = path.join(GGUF_DIR, 'stories260K-q8_0.gguf');
    const src = await openWeightSource(nodeModelFiles(file));
    let checked = 0;
    for (const name of ['model.layers.0.self_attn.q_proj.weight', 'model.layers.3.self_attn.k_proj.weight', 'model.layers.1.self_attn.v_proj.weight']) {
      const t = src.tensors.find((x) => x.name === name)!;
      expect(t.format).toBe('Q8_0');
      const { bytes } = await nodeModelFiles(file).range(t.file, t.begin, t.end);
      const rows = src.prepare(t, bytes);
      const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
      const hf = st.weights.get(name);
      const [nRows, cols] = t.shape;
      let mismatches = 0;
      for (let r = 0; r < nRows; r++) {
        for (let b = 0; b < cols / 32; b++) {
          let amax = 0;
          for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(hf[r * cols + b * 32 + j]));
          const want = f32ToF16Bits(Math.fround(amax / 127));
          const got = view.getUint16((r * (cols / 32) + b) * 34, true);
          if (Math.abs(got - want) > 1) mismatches++; // one f16 step: f32 vs f64 division before rounding
          checked++;
        }
      }
      expect(mismatches, name).toBe(0);
    }
    expect(checked).toBeGreaterThan(200);
  });
});
