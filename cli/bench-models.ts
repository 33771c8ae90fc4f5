// The benchmark's models: stories260K from ../shared, and seeded random-weight checkpoints (f16) of real configs,
// generated once into .cache/bench-models, each with an ONNX export for the peer when python3-torch is installed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureRandomCheckpoint } from '../src/model/random-checkpoint.node.ts';
import { SHARED_DIR, CACHE_DIR } from '../src/testing/node-paths.ts';

export interface BenchModel {
  name: string;
  dir: string;
  /** Why the onnxruntime-web peer cannot run on this model (undefined: it can). */
  peerSkipped?: string;
}

export const BENCH_MODELS = ['stories260K', 'smollm2-135m', 'qwen2.5-0.5b'] as const;

function torchAvailable(): string | undefined {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return "Debian's python3-torch / python3-onnx are not installed, so no ONNX export of the random checkpoint";
  }
}

/** Protobuf's limit on one ONNX file: torch.onnx.export fails above it (the export keeps every weight inside). */
export const ONNX_PROTOBUF_LIMIT = 2 ** 31;

/**
 * Bytes the f32 ONNX export of a checkpoint folder needs: its (f16) safetensors as f32, plus a second copy of a
 * tied embedding (the export writes the LM head as its own initializer).
 */
export function estimatedOnnxBytes(dir: string, config: Record<string, unknown>): number {
  const safetensorBytes = fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  const tied = config.tie_word_embeddings === true;
  const lmHead = tied ? Number(config.vocab_size) * Number(config.hidden_size) * 4 : 0;
  return 2 * safetensorBytes + lmHead;
}

/** Why an existing export cannot be what the peer should load (undefined: it looks whole). */
export function brokenOnnx(file: string, expectedBytes: number): string | undefined {
  const size = fs.statSync(file).size;
  // The weights dominate the file: much less than them is a truncated or failed write.
  if (size < Math.min(1024, expectedBytes) || size < 0.5 * expectedBytes) return `${file} is ${size} bytes, expected about ${expectedBytes} (a failed or truncated export)`;
  return undefined;
}

const gb = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

function exportOnnx(dir: string, config: Record<string, unknown>, log: (s: string) => void): string | undefined {
  const out = path.join(dir, 'onnx');
  const file = path.join(out, 'model.onnx');
  const expected = estimatedOnnxBytes(dir, config);
  if (expected > ONNX_PROTOBUF_LIMIT) {
    // A leftover from an export that failed on the size limit is not a model: remove it.
    if (fs.existsSync(file)) fs.rmSync(file);
    return `the f32 ONNX export would be ${gb(expected)}, above protobuf's 2 GiB limit for one file, so torch_llama.py cannot export it`;
  }
  if (fs.existsSync(file)) {
    const broken = brokenOnnx(file, expected);
    if (!broken) return undefined;
    log(`removing a broken ONNX export: ${broken}`);
    fs.rmSync(file);
  }
  const why = torchAvailable();
  if (why) return why;
  log(`exporting ${dir} to ONNX with ../shared/tools/torch_llama.py …`);
  // Export into a scratch folder and move the file into place only when it is whole: a failed export leaves nothing.
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    execFileSync('/usr/bin/python3', [path.join(SHARED_DIR, 'tools/torch_llama.py'), 'export', dir, tmp], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30 * 60_000 });
    const written = path.join(tmp, 'model.onnx');
    if (!fs.existsSync(written)) return 'the ONNX export wrote no model.onnx';
    const broken = brokenOnnx(written, expected);
    if (broken) return `the ONNX export is broken: ${broken}`;
    fs.mkdirSync(out, { recursive: true });
    fs.renameSync(written, file);
    return undefined;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    return `the ONNX export failed: ${stderr.trim().split('\n').slice(-1)[0]}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function benchModel(name: string, log: (s: string) => void): Promise<BenchModel> {
  if (name === 'stories260K') return { name, dir: path.join(SHARED_DIR, 'models/stories260K') };
  const configFile = path.join(SHARED_DIR, 'models/configs', `${name}.json`);
  if (!fs.existsSync(configFile)) throw new Error(`no config ${configFile}; models: ${BENCH_MODELS.join(', ')}`);
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const dir = path.join(CACHE_DIR, 'bench-models', `${name}-f16`);
  if (!fs.existsSync(path.join(dir, '.complete'))) log(`writing a random f16 checkpoint of ${name} to ${dir} …`);
  await ensureRandomCheckpoint(config, { dtype: 'F16', seed: 1 }, dir);
  return { name, dir, peerSkipped: exportOnnx(dir, config, log) };
}
