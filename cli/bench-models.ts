// The benchmark's models: stories260K from ../shared, and seeded random-weight checkpoints (f16) of real configs,
// generated once into .cache/bench-models, each with an ONNX export for the peer when python3-torch is installed
// (with its weights in external files when they exceed protobuf's 2 GiB).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureRandomCheckpoint } from '../src/testing/random-checkpoint.node.ts';
import { ONNX_DATA_MANIFEST, parseOnnxDataManifest } from '../src/reference/onnx-data-manifest.ts';
import { SHARED_DIR, CACHE_DIR, REPO_ROOT } from '../src/testing/node-paths.ts';

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

/**
 * Protobuf's limit on one ONNX file: ../shared/tools/torch_llama.py fails above it (it keeps every weight inside), so
 * larger checkpoints go through tools/onnx-export-external.py (weights in external files).
 */
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

/**
 * Why an export folder (model.onnx, and for an external-data export its manifest and weight files) cannot be what
 * the peer should load (undefined: it looks whole).
 */
export function brokenExport(onnxDir: string, expectedBytes: number): string | undefined {
  const file = path.join(onnxDir, 'model.onnx');
  if (!fs.existsSync(file)) return `${onnxDir} has no model.onnx`;
  const manifestFile = path.join(onnxDir, ONNX_DATA_MANIFEST);
  if (!fs.existsSync(manifestFile)) return brokenOnnx(file, expectedBytes);
  // External data: the .onnx is only the graph; the weights are in the files the manifest lists.
  if (fs.statSync(file).size === 0) return `${file} is empty`;
  const manifest = parseOnnxDataManifest(fs.readFileSync(manifestFile, 'utf8'));
  if (manifest instanceof Error) return `${onnxDir}: ${manifest.message}`;
  for (const f of manifest.files) {
    const p = path.join(onnxDir, f.path);
    const size = fs.existsSync(p) ? fs.statSync(p).size : -1;
    if (size !== f.bytes) return `${p} is ${size < 0 ? 'missing' : `${size} bytes`}, the manifest says ${f.bytes}`;
  }
  if (manifest.bytes < 0.5 * expectedBytes) return `${onnxDir} holds ${manifest.bytes} bytes of weights, expected about ${expectedBytes}`;
  return undefined;
}

/**
 * The python3 command line exporting checkpoint `dir` to `out`: the shared exporter keeps every weight inside the
 * protobuf, so an export over its limit goes through ours (same graph, weights in external files).
 */
export function onnxExportArgs(expectedBytes: number, dir: string, out: string): string[] {
  const tools = path.join(SHARED_DIR, 'tools');
  if (expectedBytes <= ONNX_PROTOBUF_LIMIT) return [path.join(tools, 'torch_llama.py'), 'export', dir, out];
  return [path.join(REPO_ROOT, 'tools/onnx-export-external.py'), dir, out, tools];
}

const gb = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

function exportOnnx(dir: string, config: Record<string, unknown>, log: (s: string) => void): string | undefined {
  const out = path.join(dir, 'onnx');
  const expected = estimatedOnnxBytes(dir, config);
  if (fs.existsSync(out)) {
    const broken = brokenExport(out, expected);
    if (!broken) return undefined;
    // A leftover (an export that failed, an older one over the size limit): not a model.
    log(`removing a broken ONNX export: ${broken}`);
    fs.rmSync(out, { recursive: true, force: true });
  }
  const why = torchAvailable();
  if (why) return why;
  // Export into a scratch folder and move it into place only when it is whole: a failed export leaves nothing.
  const tmp = `${out}.tmp-${process.pid}`;
  const argv = onnxExportArgs(expected, dir, tmp);
  const how = expected > ONNX_PROTOBUF_LIMIT ? ` (${gb(expected)} of f32 weights: external data files)` : '';
  log(`exporting ${dir} to ONNX with ${path.basename(argv[0])}${how} …`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    execFileSync('/usr/bin/python3', argv, {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 30 * 60_000,
      maxBuffer: 64 * 2 ** 20, // torch prints many tracer warnings on stderr
    });
    const broken = brokenExport(tmp, expected);
    if (broken) return `the ONNX export is broken: ${broken}`;
    fs.renameSync(tmp, out);
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
