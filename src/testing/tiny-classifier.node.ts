// Node-only: builds the tiny bag-of-words classifier (tools/tiny_classifier.py) into a folder, and its hand-worked
// probabilities (the same formula the tool's docstring gives, written here independently of the ONNX graph).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { referencePython } from './python-refs.node.ts';
import { REPO_ROOT } from './node-paths.ts';

/** Writes the model into `dir` (config.json, tokenizer files, onnx/) and returns `dir`. */
export function buildTinyClassifier(dir: string): string {
  execFileSync(referencePython(), [path.join(REPO_ROOT, 'tools/tiny_classifier.py'), dir], { encoding: 'utf8' });
  return dir;
}

/** P(POSITIVE) by hand: logits NEGATIVE = 0.25 + #bad + 2·#terrible, POSITIVE = #good + 2·#great (whole lower-cased words). */
export function tinyPositive(text: string): number {
  const words = text.toLowerCase().split(/[^a-z]+/);
  const n = (w: string) => words.filter((x) => x === w).length;
  const neg = 0.25 + n('bad') + 2 * n('terrible');
  const pos = n('good') + 2 * n('great');
  return 1 / (1 + Math.exp(neg - pos));
}
