import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ONNX_DATA_MANIFEST, parseOnnxDataManifest } from '../src/reference/onnx-data-manifest.ts';
import { brokenExport, brokenOnnx, estimatedOnnxBytes, ONNX_PROTOBUF_LIMIT, onnxExportArgs } from './bench-models.ts';

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

  it('exports over the limit with our external-data exporter, the rest with the shared torch_llama.py', () => {
    const small = onnxExportArgs(ONNX_PROTOBUF_LIMIT, '/m', '/o');
    expect(path.basename(small[0])).toBe('torch_llama.py');
    expect(small.slice(1)).toEqual(['export', '/m', '/o']);
    const big = onnxExportArgs(ONNX_PROTOBUF_LIMIT + 1, '/m', '/o');
    expect(path.relative(path.dirname(big[0]), big[0])).toBe('onnx-export-external.py');
    expect(path.basename(path.dirname(big[0]))).toBe('tools');
    expect(big.slice(1, 3)).toEqual(['/m', '/o']);
    expect(path.basename(big[3])).toBe('tools'); // where torch_llama.py is imported from
  });

  it('checks an external-data export against its manifest: every listed file, at its size, and enough weight bytes', () => {
    const manifest = (files: [string, number][]) => JSON.stringify({ files: files.map(([p, bytes]) => ({ path: p, bytes })), bytes: files.reduce((n, [, b]) => n + b, 0) });
    const dir = folder({ 'model.onnx': 500, 'model.onnx_data': 3000, 'model.onnx_data_1': 2000 });
    fs.writeFileSync(path.join(dir, ONNX_DATA_MANIFEST), manifest([['model.onnx_data', 3000], ['model.onnx_data_1', 2000]]));
    // The 500-byte graph file is no sign of truncation here: the weights are in the listed files.
    expect(brokenExport(dir, 5200)).toBeUndefined();
    expect(brokenExport(dir, 20_000)).toMatch(/expected about 20000/);
    fs.writeFileSync(path.join(dir, 'model.onnx_data_1'), Buffer.alloc(10));
    expect(brokenExport(dir, 5200)).toMatch(/model.onnx_data_1 is 10 bytes, the manifest says 2000/);
    fs.rmSync(path.join(dir, 'model.onnx_data_1'));
    expect(brokenExport(dir, 5200)).toMatch(/missing/);
    fs.writeFileSync(path.join(dir, ONNX_DATA_MANIFEST), '{');
    expect(brokenExport(dir, 5200)).toMatch(/not JSON/);
  });

  it('checks an export without a manifest as one self-contained model.onnx', () => {
    const dir = folder({ 'model.onnx': 650_000 });
    expect(brokenExport(dir, 651_000)).toBeUndefined();
    expect(brokenExport(dir, 2_000_000)).toMatch(/truncated/);
    expect(brokenExport(folder({}), 100)).toMatch(/no model.onnx/);
  });

  it('reads the manifest strictly: plain file names inside the folder, positive sizes', () => {
    const ok = parseOnnxDataManifest(JSON.stringify({ files: [{ path: 'model.onnx_data', bytes: 10 }], bytes: 10 }));
    expect(ok).toEqual({ files: [{ path: 'model.onnx_data', bytes: 10 }], bytes: 10 });
    expect(parseOnnxDataManifest(JSON.stringify({ files: [], bytes: 0 }))).toBeInstanceOf(Error);
    expect(parseOnnxDataManifest(JSON.stringify({ files: [{ path: '../x', bytes: 1 }], bytes: 1 }))).toBeInstanceOf(Error);
    expect(parseOnnxDataManifest(JSON.stringify({ files: [{ path: 'a/b', bytes: 1 }], bytes: 1 }))).toBeInstanceOf(Error);
    expect(parseOnnxDataManifest(JSON.stringify({ files: [{ path: 'x', bytes: -1 }], bytes: 1 }))).toBeInstanceOf(Error);
    expect(parseOnnxDataManifest(JSON.stringify({ files: [{ path: 'x', bytes: 1 }] }))).toBeInstanceOf(Error);
  });
});
