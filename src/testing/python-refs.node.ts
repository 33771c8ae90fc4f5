// Node-only: the independent Python references (scripts/ensure-python-refs.sh makes a pinned venv once).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './node-paths.ts';

let pythonPath: string | null = null;

/** The venv's python, with the pinned gguf, numpy and vaderSentiment packages. */
export function referencePython(): string {
  pythonPath ??= execFileSync('bash', [path.join(REPO_ROOT, 'scripts/ensure-python-refs.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  return pythonPath;
}

/** Runs tools/<script> with JSON on stdin and parses the JSON it prints. */
export function runPythonJson<T>(script: string, input: unknown): T {
  const out = execFileSync(referencePython(), [path.join(REPO_ROOT, 'tools', script)], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  return JSON.parse(out) as T;
}
