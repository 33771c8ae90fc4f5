// Node-only: llama.cpp's answers on a GGUF file (tools/llama-cpp-reference.ts through node-llama-cpp), read from
// .cache/references/<file>.llama-cpp.json, running the tool first when that file is missing or was made by another
// version of the tool or from another file of the same name.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, REPO_ROOT } from './node-paths.ts';

export const LLAMA_CPP_REFERENCE_SCRIPT = path.join(REPO_ROOT, 'tools/llama-cpp-reference.ts');

/** One text as llama.cpp tokenizes it: special tokens parsed, nothing added (no BOS/EOS). */
export interface TokenizationCase {
  text: string;
  ids: number[];
}

/** One greedy step: the chosen token and the two most likely tokens of the distribution it was chosen from. */
export interface Step {
  id: number;
  top2: [number, number];
  /** Natural-log probabilities of top2 (softmax over the whole vocabulary). */
  top2LogProbs: [number, number];
  /** top2LogProbs[0] − top2LogProbs[1], which equals the difference of the two logits. */
  logitGap: number;
}

export interface ContinuationCase {
  kind: 'chat' | 'raw';
  /** The user message (chat) or the text itself (raw). */
  prompt: string;
  /** The text that was tokenized (chat: rendered with the file's chat template, generation prompt added). */
  text: string;
  /** The ids fed to the model, BOS included when the file asks for it. */
  promptIds: number[];
  /** newTokens greedy steps, EOS not stopping them. */
  steps: Step[];
}

export interface LlamaCppReferenceFile {
  model: string;
  fileSize: number;
  scriptSha256: string;
  /** node-llama-cpp version, binary kind and llama.cpp release. */
  llamaCpp: string;
  addBos: boolean;
  bos: number | null;
  eos: number | null;
  newTokens: number;
  tokenization: TokenizationCase[];
  continuations: ContinuationCase[];
  /** How long the tool took (load, tokenization, all continuations). */
  seconds: number;
}

export function llamaCppReferencePath(ggufPath: string): string {
  return path.join(CACHE_DIR, 'references', `${path.basename(ggufPath)}.llama-cpp.json`);
}

/** llama.cpp's tokenization and greedy continuations for `ggufPath` (cached; the first call takes seconds to a minute). */
export function llamaCppReference(ggufPath: string): LlamaCppReferenceFile {
  const file = llamaCppReferencePath(ggufPath);
  const sha = createHash('sha256').update(fs.readFileSync(LLAMA_CPP_REFERENCE_SCRIPT)).digest('hex');
  const fresh = (r: LlamaCppReferenceFile) => r.scriptSha256 === sha && r.model === path.resolve(ggufPath) && r.fileSize === fs.statSync(ggufPath).size;
  if (fs.existsSync(file)) {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as LlamaCppReferenceFile;
    if (fresh(cached)) return cached;
  }
  const tsx = path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
  execFileSync(process.execPath, [tsx, LLAMA_CPP_REFERENCE_SCRIPT, ggufPath, '--out', file], { stdio: ['ignore', 'inherit', 'inherit'], cwd: REPO_ROOT });
  const made = JSON.parse(fs.readFileSync(file, 'utf8')) as LlamaCppReferenceFile;
  if (!fresh(made)) throw new Error(`${file} does not describe ${ggufPath} as made by the current ${path.relative(REPO_ROOT, LLAMA_CPP_REFERENCE_SCRIPT)}`);
  return made;
}
