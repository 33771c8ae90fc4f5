import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokenOnnx, estimatedOnnxBytes, ONNX_PROTOBUF_LIMIT } from './bench-models.ts';

const dirs: string[] = [];
function folder(files: Record<string, number>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-models-'));
  dirs.push(dir);
  for (const [name, size] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), Buffer.alloc(size));
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the ONNX export checks of the benchmark', () => {
  it('estimates the f32 export: safetensors (f16) doubled, plus a tied embedding written again as the LM head', () => {
    const dir = folder({ 'model.safetensors': 1000, 'config.json': 10 });
    expect(estimatedOnnxBytes(dir, { tie_word_embeddings: false, vocab_size: 10, hidden_size: 4 })).toBe(2000);
    expect(estimatedOnnxBytes(dir, { tie_word_embeddings: true, vocab_size: 10, hidden_size: 4 })).toBe(2160);
  });

  it('qwen2.5-0.5b (988 MB of f16, tied 151936 × 896) is over the 2 GiB protobuf limit; smollm2-135m is not', () => {
    const qwen = 2 * 988_097_536 + 151_936 * 896 * 4;
    const smollm = 2 * 269_060_272 + 49_152 * 576 * 4;
    expect(qwen).toBeGreaterThan(ONNX_PROTOBUF_LIMIT);
    expect(smollm).toBeLessThan(ONNX_PROTOBUF_LIMIT);
  });

  it('flags an empty or truncated model.onnx, accepts a whole one', () => {
    const dir = folder({ 'empty.onnx': 0, 'short.onnx': 400_000, 'whole.onnx': 650_000 });
    expect(brokenOnnx(path.join(dir, 'empty.onnx'), 651_000)).toMatch(/0 bytes/);
    expect(brokenOnnx(path.join(dir, 'short.onnx'), 1_000_000)).toMatch(/truncated/);
    expect(brokenOnnx(path.join(dir, 'whole.onnx'), 651_000)).toBeUndefined();
  });
});
