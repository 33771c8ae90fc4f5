// Node-only: runs tools/gguf_forward.py (a float64 numpy forward pass on the weights as the `gguf` Python package
// dequantizes them) and returns its answer. Results are cached under .cache/references/, keyed by the script's
// text, the model file (path, size, mtime) and the request, so a test re-runs Python only when something changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, REPO_ROOT } from './node-paths.ts';

export const GGUF_FORWARD_SCRIPT = path.join(REPO_ROOT, 'tools/gguf_forward.py');

export interface Top2 {
  /** The two most likely next tokens, most likely first. */
  top2: [number, number];
  top2Logits: [number, number];
}

export interface GgufForwardResult {
  nVocab: number;
  ids: number[];
  config: Record<string, number | string>;
  /**
   * One per input position: the prediction of the token after it; nextLogit is the logit of the id that follows in
   * the input (absent at the last position), for scoring another engine's choices by teacher forcing.
   */
  positions: (Top2 & { argmax: number; nextLogit?: number })[];
  /** Greedy steps after the prompt: the chosen id and the top two of the distribution it was chosen from. */
  greedy: (Top2 & { id: number })[];
  /** Prompt logits, row-major (all: ids.length × nVocab rows; last: one row), or absent with logits 'none'. */
  logits?: Float32Array;
}

export interface GgufForwardRequest {
  ids: number[];
  /** Greedy tokens to generate after the prompt (default 0). */
  greedy?: number;
  /** Which prompt rows of logits to return (default 'all'). */
  logits?: 'all' | 'last' | 'none';
}

/** Whether a python3 exists to build the reference venv from. */
export function hasPython3(): boolean {
  return spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
}

let pythonPath: string | null = null;
/** The venv's python with the pinned `gguf` and `numpy` (made once by scripts/ensure-python-refs.sh). */
export function referencePython(): string {
  pythonPath ??= execFileSync('bash', [path.join(REPO_ROOT, 'scripts/ensure-python-refs.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return pythonPath;
}

interface RawResult {
  n_vocab: number;
  ids: number[];
  config: Record<string, number | string>;
  positions: { argmax: number; top2: [number, number]; top2_logits: [number, number]; next_logit?: number }[];
  greedy: { id: number; top2: [number, number]; top2_logits: [number, number] }[];
  logits_f32_base64?: string;
}

/** Runs the script on `request` (JSON on its stdin) unless an answer for the same script, file and request is cached. */
function cachedAnswer(ggufPath: string, request: object): string {
  const stat = fs.statSync(ggufPath);
  const key = createHash('sha256')
    .update(fs.readFileSync(GGUF_FORWARD_SCRIPT))
    .update(JSON.stringify([path.resolve(ggufPath), stat.size, stat.mtimeMs, request]))
    .digest('hex')
    .slice(0, 24);
  const dir = path.join(CACHE_DIR, 'references');
  const file = path.join(dir, `${path.basename(ggufPath)}.forward-${key}.json`);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  const text = execFileSync(referencePython(), [GGUF_FORWARD_SCRIPT, ggufPath], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file + '.part', text);
  fs.renameSync(file + '.part', file);
  return text;
}

function fromRaw(raw: RawResult): GgufForwardResult {
  const top2 = (t: { top2: [number, number]; top2_logits: [number, number] }): Top2 => ({ top2: t.top2, top2Logits: t.top2_logits });
  let logits: Float32Array | undefined;
  if (raw.logits_f32_base64) {
    const bytes = Buffer.from(raw.logits_f32_base64, 'base64');
    logits = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  return {
    nVocab: raw.n_vocab,
    ids: raw.ids,
    config: raw.config,
    positions: raw.positions.map((p) => ({ argmax: p.argmax, ...top2(p), ...(p.next_logit !== undefined ? { nextLogit: p.next_logit } : {}) })),
    greedy: raw.greedy.map((g) => ({ id: g.id, ...top2(g) })),
    logits,
  };
}

/** The reference forward pass of a `llama`/`qwen2` GGUF file on `req.ids` (cached; Python runs on a cache miss). */
export function ggufForward(ggufPath: string, req: GgufForwardRequest): GgufForwardResult {
  const request = { ids: req.ids, greedy: req.greedy ?? 0, logits: req.logits ?? 'all' };
  return fromRaw(JSON.parse(cachedAnswer(ggufPath, request)) as RawResult);
}

/** Several sequences in one run of the script (the weights are read and dequantized once). */
export function ggufForwardMany(ggufPath: string, sequences: number[][], opts: Omit<GgufForwardRequest, 'ids'> = {}): GgufForwardResult[] {
  const request = { sequences, greedy: opts.greedy ?? 0, logits: opts.logits ?? 'none' };
  return (JSON.parse(cachedAnswer(ggufPath, request)) as { results: RawResult[] }).results.map(fromRaw);
}
