// Node-only: builds the tiny bag-of-words classifier (tools/tiny_classifier.py) into a folder, and its hand-worked
// probabilities (the same formula the tool's docstring gives, written here independently of the ONNX graph).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { referencePython } from './python-refs.node.ts';
import { REPO_ROOT } from './node-paths.ts';

/** Per weighted word: [NEGATIVE weight, POSITIVE weight]. */
export type TinyWeights = Record<string, [number, number]>;

/** The tool's default words. */
export const TINY_WEIGHTS: TinyWeights = { good: [0, 1], bad: [1, 0], great: [0, 2], terrible: [2, 0] };

/** Writes the model into `dir` (config.json, tokenizer files, onnx/) and returns `dir`. */
export function buildTinyClassifier(dir: string, weights?: TinyWeights): string {
  const args = [path.join(REPO_ROOT, 'tools/tiny_classifier.py'), dir, ...(weights ? [JSON.stringify(weights)] : [])];
  execFileSync(referencePython(), args, { encoding: 'utf8' });
  return dir;
}

/** P(POSITIVE) by hand: logit NEGATIVE = 0.25 + Σ negative weights, POSITIVE = Σ positive weights, over whole lower-cased words. */
export function tinyPositive(text: string, weights: TinyWeights = TINY_WEIGHTS): number {
  let neg = 0.25;
  let pos = 0;
  for (const w of text.toLowerCase().split(/[^a-z0-9]+/)) {
    const k = Object.hasOwn(weights, w) ? weights[w] : undefined;
    if (k) (neg += k[0]), (pos += k[1]);
  }
  return 1 / (1 + Math.exp(neg - pos));
}
