import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../model/config.ts';
import { makeRandomCheckpoint, shardFileName, writeRandomCheckpointFiles } from './random-checkpoint.ts';
import { ensureRandomCheckpoint } from './random-checkpoint.node.ts';
import {
  decodeToFloat32,
  f16BitsToF32,
  f32ToF16Bits,
  parseSafetensorsFile,
  parseSafetensorsHeader,
  readHeaderLength,
  type SafetensorsHeader,
} from '../model/formats/safetensors.ts';
import { parseShardIndex } from '../model/formats/shard-index.ts';
import { checkTensors, expectedTensorShapes } from '../model/formats/weight-names.ts';
import { CACHE_DIR } from './node-paths.ts';
import { tinyLlamaGqa, tinyQwen2 } from './test-configs.ts';

interface LoadedTensor {
  shape: number[];
  values: Float32Array;
}

/** All tensors of a checkpoint (single file or sharded), decoded, read back through the parsers. */
function loadTensors(files: Map<string, Uint8Array>): Map<string, LoadedTensor> {
  const out = new Map<string, LoadedTensor>();
  const indexBytes = files.get('model.safetensors.index.json');
  const names = indexBytes ? parseShardIndex(JSON.parse(new TextDecoder().decode(indexBytes))).files : ['model.safetensors'];
  for (const name of names) {
    const file = files.get(name)!;
    const header: SafetensorsHeader = parseSafetensorsFile(file, name);
    for (const t of header.tensors.values()) {
      out.set(t.name, { shape: t.shape, values: decodeToFloat32(file.subarray(t.begin, t.end), t.dtype) });
    }
  }
  return out;
}

function stats(v: Float32Array): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('makeRandomCheckpoint', () => {
  it('writes config.json and a model.safetensors that passes checkTensors', () => {
    const files = makeRandomCheckpoint(tinyLlamaGqa, { dtype: 'F32', seed: 1 });
    expect([...files.keys()].sort()).toEqual(['config.json', 'model.safetensors']);
    const config: unknown = JSON.parse(new TextDecoder().decode(files.get('config.json')));
    expect(config).toEqual(tinyLlamaGqa);
    const spec = parseModelConfig(config);
    const header = parseSafetensorsFile(files.get('model.safetensors')!, 'model.safetensors');
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(() => checkTensors(spec, header.tensors)).not.toThrow();
    expect(header.tensors.size).toBe(expectedTensorShapes(spec).size);
  });

  it('initialises like torch_llama.random_checkpoint: norms 1+0.1N, biases 0.02N, matrices N/sqrt(fan_in)', () => {
    const t = loadTensors(makeRandomCheckpoint(tinyQwen2, { dtype: 'F32', seed: 2 }));
    const norms = new Float32Array([0, 1].flatMap((i) => [
      ...t.get(`model.layers.${i}.input_layernorm.weight`)!.values,
      ...t.get(`model.layers.${i}.post_attention_layernorm.weight`)!.values,
    ]));
    const n = stats(norms);
    expect(Math.abs(n.mean - 1)).toBeLessThan(0.03);
    expect(n.std).toBeGreaterThan(0.08);
    expect(n.std).toBeLessThan(0.12);
    const bias = stats(new Float32Array([0, 1].flatMap((i) => [...t.get(`model.layers.${i}.self_attn.q_proj.bias`)!.values])));
    expect(bias.std).toBeGreaterThan(0.015);
    expect(bias.std).toBeLessThan(0.025);
    const down = stats(t.get('model.layers.0.mlp.down_proj.weight')!.values); // fan_in = intermediate 128
    expect(Math.abs(down.std * Math.sqrt(128) - 1)).toBeLessThan(0.05);
    const embed = stats(t.get('model.embed_tokens.weight')!.values); // fan_in = hidden 64
    expect(Math.abs(embed.std * 8 - 1)).toBeLessThan(0.05);
    expect(Math.abs(embed.mean)).toBeLessThan(0.01);
  });

  it('is deterministic in the seed', () => {
    const a = makeRandomCheckpoint(tinyQwen2, { dtype: 'F16', seed: 5 }).get('model.safetensors')!;
    const b = makeRandomCheckpoint(tinyQwen2, { dtype: 'F16', seed: 5 }).get('model.safetensors')!;
    const c = makeRandomCheckpoint(tinyQwen2, { dtype: 'F16', seed: 6 }).get('model.safetensors')!;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('F16 and BF16 checkpoints hold the F32 values rounded to that dtype', () => {
    const f32 = loadTensors(makeRandomCheckpoint(tinyLlamaGqa, { dtype: 'F32', seed: 9 }));
    const f16 = loadTensors(makeRandomCheckpoint(tinyLlamaGqa, { dtype: 'F16', seed: 9 }));
    const bf16 = loadTensors(makeRandomCheckpoint(tinyLlamaGqa, { dtype: 'BF16', seed: 9 }));
    const name = 'model.layers.1.self_attn.o_proj.weight';
    const exact = f32.get(name)!.values;
    const half = f16.get(name)!.values;
    const brain = bf16.get(name)!.values;
    for (let i = 0; i < exact.length; i++) {
      expect(half[i]).toBe(f16BitsToF32(f32ToF16Bits(exact[i])));
      expect(Math.abs(brain[i] - exact[i])).toBeLessThanOrEqual(Math.abs(exact[i]) * 2 ** -8);
    }
  });

  it('a sharded checkpoint holds the same tensors as an unsharded one with the same seed', () => {
    const single = makeRandomCheckpoint(tinyQwen2, { dtype: 'BF16', seed: 3 });
    const sharded = makeRandomCheckpoint(tinyQwen2, { dtype: 'BF16', seed: 3, shards: 3 });
    const shardNames = [1, 2, 3].map((k) => shardFileName(k, 3));
    expect(shardNames[0]).toBe('model-00001-of-00003.safetensors');
    expect([...sharded.keys()].sort()).toEqual(['config.json', 'model.safetensors.index.json', ...shardNames].sort());

    const indexJson = JSON.parse(new TextDecoder().decode(sharded.get('model.safetensors.index.json')));
    const index = parseShardIndex(indexJson);
    expect(index.files).toEqual(shardNames);
    const dataBytes = shardNames.reduce((n, f) => {
      const h = parseSafetensorsFile(sharded.get(f)!, f);
      for (const name of h.tensors.keys()) expect(index.fileOf.get(name)).toBe(f);
      expect(h.tensors.size).toBeGreaterThan(0);
      return n + sharded.get(f)!.byteLength - h.dataStart;
    }, 0);
    expect(indexJson.metadata.total_size).toBe(dataBytes);

    const a = loadTensors(single);
    const b = loadTensors(sharded);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, t] of a) {
      expect(b.get(name)!.shape).toEqual(t.shape);
      expect(Buffer.from(b.get(name)!.values.buffer).equals(Buffer.from(t.values.buffer))).toBe(true);
    }
  });

  it('refuses bad options and bad configs', () => {
    expect(() => makeRandomCheckpoint(tinyLlamaGqa, { dtype: 'F32', seed: 1, shards: 0 })).toThrow(/shards/);
    expect(() => makeRandomCheckpoint(tinyLlamaGqa, { dtype: 'F32', seed: 1, shards: 1000 })).toThrow(/shards/);
    expect(() => makeRandomCheckpoint({ ...tinyLlamaGqa, model_type: 'gpt2' }, { dtype: 'F32', seed: 1 })).toThrow(/model_type/);
  });
});

describe('writeRandomCheckpointFiles', () => {
  it('streams big tensors in bounded chunks, file by file, and the byte counts match the headers', () => {
    // Embedding of 151936 × 64 = 9.7 M values: far more than one chunk.
    const config = { ...tinyLlamaGqa, vocab_size: 151936, num_hidden_layers: 1 };
    const sizes = new Map<string, number>();
    const prefixes = new Map<string, Uint8Array>();
    const order: string[] = [];
    let largest = 0;
    writeRandomCheckpointFiles(config, { dtype: 'F16', seed: 4, shards: 2 }, (file, chunk) => {
      if (order[order.length - 1] !== file) {
        expect(order).not.toContain(file); // each file's chunks arrive together
        order.push(file);
        prefixes.set(file, chunk.slice());
      }
      sizes.set(file, (sizes.get(file) ?? 0) + chunk.byteLength);
      largest = Math.max(largest, chunk.byteLength);
    });
    expect(order).toEqual([shardFileName(1, 2), shardFileName(2, 2), 'model.safetensors.index.json', 'config.json']);
    expect(largest).toBeLessThanOrEqual(4 << 20);
    let tensorCount = 0;
    for (const file of [shardFileName(1, 2), shardFileName(2, 2)]) {
      const prefix = prefixes.get(file)!;
      const size = sizes.get(file)!;
      const length = readHeaderLength(prefix, size, file);
      expect(prefix.byteLength).toBe(8 + length); // the first chunk is exactly the header
      const h = parseSafetensorsHeader(prefix.subarray(8), size, file);
      expect(Math.max(...[...h.tensors.values()].map((t) => t.end))).toBe(size);
      tensorCount += h.tensors.size;
    }
    expect(tensorCount).toBe(3 + 9);
  });
});

describe('ensureRandomCheckpoint', () => {
  const dir = path.join(CACHE_DIR, 'test-model-layer', 'ensure-random-checkpoint');

  it('writes once (with the stories tokenizer for vocab 512), reuses, and rewrites for other settings', async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    expect(await ensureRandomCheckpoint(tinyQwen2, { dtype: 'F16', seed: 1 }, dir)).toBe(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['.complete', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors')));
    expect(Buffer.from(bytes).equals(Buffer.from(makeRandomCheckpoint(tinyQwen2, { dtype: 'F16', seed: 1 }).get('model.safetensors')!))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')).model).toBeDefined();

    const marker = path.join(dir, 'model.safetensors');
    fs.appendFileSync(marker, 'x'); // a reuse must not rewrite: the edit survives
    await ensureRandomCheckpoint(tinyQwen2, { dtype: 'F16', seed: 1 }, dir);
    expect(fs.statSync(marker).size).toBe(bytes.byteLength + 1);

    await ensureRandomCheckpoint(tinyQwen2, { dtype: 'F16', seed: 1, shards: 2 }, dir);
    expect(fs.readdirSync(dir)).toContain('model.safetensors.index.json');
    expect(fs.readdirSync(dir)).not.toContain('model.safetensors');
    expect(fs.readdirSync(path.dirname(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('copies no tokenizer for other vocab sizes', async () => {
    const other = `${dir}-vocab-600`;
    await ensureRandomCheckpoint({ ...tinyLlamaGqa, vocab_size: 600 }, { dtype: 'F32', seed: 1 }, other);
    expect(fs.readdirSync(other).sort()).toEqual(['.complete', 'config.json', 'model.safetensors']);
  });
});
