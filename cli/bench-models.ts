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

function exportOnnx(dir: string, log: (s: string) => void): string | undefined {
  const out = path.join(dir, 'onnx');
  if (fs.existsSync(path.join(out, 'model.onnx'))) return undefined;
  const why = torchAvailable();
  if (why) return why;
  log(`exporting ${dir} to ONNX with ../shared/tools/torch_llama.py …`);
  try {
    execFileSync('/usr/bin/python3', [path.join(SHARED_DIR, 'tools/torch_llama.py'), 'export', dir, out], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30 * 60_000 });
    return fs.existsSync(path.join(out, 'model.onnx')) ? undefined : 'the ONNX export wrote no model.onnx';
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? String(e);
    return `the ONNX export failed: ${stderr.trim().split('\n').slice(-1)[0]}`;
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
  return { name, dir, peerSkipped: exportOnnx(dir, log) };
}
