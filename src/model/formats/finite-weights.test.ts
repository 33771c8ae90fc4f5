// NaN/Inf weights are refused at load, naming file, tensor and element: the message on hand-built tensors, the loader's
// weight stream (streamCheckedWeights, what loadModel uploads from) and the CPU reader on stories260K with one value
// broken, and the scan's cost on the default model (printed; the README quotes it).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findNonFinite } from '../../core/non-finite.ts';
import { openCheckpoint } from '../checkpoint.ts';
import { readCpuCheckpoint } from '../cpu/weights-from-files.ts';
import { streamCheckedWeights } from '../load-model.ts';
import { REPO_ROOT } from '../../testing/node-paths.ts';
import { memoryModelFiles } from '../../testing/memory-model-files.ts';
import { storiesFolder, storiesGguf } from '../../testing/fuzz/seeds.ts';
import { nonFiniteMessage } from './finite-weights.ts';
import { readGguf } from './gguf.ts';
import { nodeModelFiles } from './node-model-files.node.ts';
import { parseSafetensorsFile } from './safetensors.ts';
import type { ModelFiles } from './model-files.ts';

const u16s = (...hs: number[]) => new Uint8Array(new Uint16Array(hs).buffer);

async function streamAll(files: ModelFiles): Promise<number> {
  const { source } = await openCheckpoint(files);
  let n = 0;
  await streamCheckedWeights(files, source, source.tensors, () => n++);
  return n;
}

describe('nonFiniteMessage', () => {
  it('names the file, the tensor, the first element and the count', () => {
    const t = { name: 'model.norm.weight', shape: [4], format: 'F16' as const, file: 'model.safetensors', begin: 0, end: 8 };
    expect(nonFiniteMessage(t, u16s(0x3c00, 0x8000, 0x7c00, 0x7e00))).toBe(
      'model.safetensors: tensor "model.norm.weight" (F16) holds 2 non-finite values (NaN or ±Inf); the first is element 2 = +Inf: the checkpoint is broken and was not loaded',
    );
    expect(nonFiniteMessage(t, u16s(0x3c00, 0x8000, 0x0001, 0x03ff))).toBeNull();
  });

  it('names a block scale of a quantized tensor, with the GGUF name beside the Hugging Face one', () => {
    const q = new Uint8Array(40);
    new DataView(q.buffer).setUint16(22, 0xfc00, true); // block 1's m
    const t = { name: 'model.layers.0.mlp.up_proj.weight', fileName: 'blk.0.ffn_up.weight', shape: [1, 64], format: 'Q4_1' as const, file: 'm.gguf', begin: 0, end: 40 };
    expect(nonFiniteMessage(t, q)).toBe(
      'm.gguf: tensor "blk.0.ffn_up.weight" (model.layers.0.mlp.up_proj.weight, Q4_1) holds 1 non-finite block scale (NaN or ±Inf); the first is the m of block 1 (weights 32…63) = -Inf: the checkpoint is broken and was not loaded',
    );
  });
});

describe('loading refuses NaN/Inf weights', () => {
  let stories: Map<string, Uint8Array>;
  let q4: Uint8Array;
  beforeAll(async () => {
    [stories, q4] = await Promise.all([storiesFolder(), storiesGguf('stories260K-q4_0.gguf')]);
  });

  it('streams the clean stories260K (safetensors and Q4_0 GGUF)', async () => {
    expect(await streamAll(memoryModelFiles('stories', stories))).toBeGreaterThan(10);
    expect(await streamAll(memoryModelFiles('q.gguf', new Map([['q.gguf', q4]]), { weightFile: 'q.gguf' }))).toBeGreaterThan(10);
  });

  it('stops at a NaN in a safetensors F32 tensor (loader stream and CPU reader)', async () => {
    const st = stories.get('model.safetensors')!.slice();
    const t = parseSafetensorsFile(st, 'model.safetensors').tensors.get('model.layers.1.self_attn.v_proj.weight')!;
    const view = new DataView(st.buffer);
    view.setFloat32(t.begin + 4 * 77, NaN, true);
    view.setFloat32(t.begin + 4 * 90, -Infinity, true);
    const files = memoryModelFiles('stories', new Map([...stories, ['model.safetensors', st]]));
    const want = 'model.safetensors: tensor "model.layers.1.self_attn.v_proj.weight" (F32) holds 2 non-finite values (NaN or ±Inf); the first is element 77 = NaN';
    await expect(streamAll(files)).rejects.toThrow(want);
    await expect(readCpuCheckpoint(files)).rejects.toThrow(want);
  });

  it('stops at an Inf scale in a GGUF Q4_0 tensor, in the file\'s row order', async () => {
    const g = q4.slice();
    const t = readGguf(g).tensors.find((x) => x.typeName === 'Q4_0' && x.name === 'blk.0.attn_q.weight')!;
    new DataView(g.buffer).setUint16(t.begin + 18 * 5, 0x7c00, true); // block 5's d
    const files = memoryModelFiles('q.gguf', new Map([['q.gguf', g]]), { weightFile: 'q.gguf' });
    await expect(streamAll(files)).rejects.toThrow('q.gguf: tensor "blk.0.attn_q.weight" (model.layers.0.self_attn.q_proj.weight, Q4_0) holds 1 non-finite block scale (NaN or ±Inf); the first is the d of block 5 (weights 160…191) = +Inf');
  });
});

describe('scan cost', () => {
  const dir = path.join(REPO_ROOT, 'models/SmolLM2-135M-Instruct-Q4_1');
  const gguf = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.gguf')) : undefined;

  async function timeScan(files: ModelFiles): Promise<{ ms: number; bytes: number; tensors: number }> {
    const { source } = await openCheckpoint(files);
    const data = new Map<string, Uint8Array>();
    for (const f of source.files) data.set(f.name, (await files.range(f.name, 0, f.size)).bytes);
    const times: number[] = [];
    let bytes = 0;
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      bytes = 0;
      for (const t of source.tensors) {
        expect([t.name, findNonFinite(data.get(t.file)!.subarray(t.begin, t.end), t.format)]).toEqual([t.name, null]);
        bytes += t.end - t.begin;
      }
      times.push(performance.now() - t0);
    }
    return { ms: times.sort((a, b) => a - b)[2], bytes, tensors: source.tensors.length };
  }

  it.runIf(gguf)('on the default model (SmolLM2-135M Q4_1 GGUF) and stories260K, median of 5', async () => {
    const smol = await timeScan(nodeModelFiles(path.join(dir, gguf!)));
    const st = await timeScan(memoryModelFiles('stories', await storiesFolder()));
    const line = (what: string, r: { ms: number; bytes: number; tensors: number }) => `${what}: ${r.tensors} tensors, ${(r.bytes / 2 ** 20).toFixed(1)} MiB scanned in ${r.ms.toFixed(1)} ms`;
    console.log(`non-finite scan\n  ${line('SmolLM2-135M-Instruct Q4_1', smol)}\n  ${line('stories260K F32', st)}`);
    expect(smol.bytes).toBeGreaterThan(80 * 2 ** 20);
  });
});
