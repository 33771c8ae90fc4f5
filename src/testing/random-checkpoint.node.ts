// Node-only: write a random checkpoint into a folder once (tests and benchmarks share it through a `.complete` stamp).
import fs from 'node:fs';
import path from 'node:path';
import { STORIES260K_DIR } from './node-paths.ts';
import { writeRandomCheckpointFiles, type RandomCheckpointOptions } from './random-checkpoint.ts';

const COMPLETE_MARKER = '.complete';
/** Bump when the values written for a (config, seed) change, so cached checkpoints are rewritten. */
const GENERATOR_VERSION = 1;
/** Vocabulary size of stories260K: configs of that size get its tokenizer so tiny test models can encode text. */
const STORIES_VOCAB_SIZE = 512;
const STORIES_TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];

function stampOf(config: Record<string, unknown>, opts: RandomCheckpointOptions): string {
  return JSON.stringify({ generator: GENERATOR_VERSION, config, dtype: opts.dtype, seed: opts.seed, shards: opts.shards ?? 1 });
}

function isComplete(dir: string, stamp: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, COMPLETE_MARKER), 'utf8') === stamp;
  } catch {
    return false;
  }
}

function writeFilesInto(dir: string, config: Record<string, unknown>, opts: RandomCheckpointOptions): void {
  let openFile: string | null = null;
  let fd = -1;
  try {
    writeRandomCheckpointFiles(config, opts, (file, chunk) => {
      if (file !== openFile) {
        if (fd >= 0) fs.closeSync(fd);
        fd = fs.openSync(path.join(dir, file), 'w');
        openFile = file;
      }
      fs.writeSync(fd, chunk);
    });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  if (config.vocab_size === STORIES_VOCAB_SIZE) {
    for (const f of STORIES_TOKENIZER_FILES) fs.copyFileSync(path.join(STORIES260K_DIR, f), path.join(dir, f));
  }
}

/**
 * Make sure `dir` holds the random checkpoint for (config, opts); write it only when absent or made with other settings.
 * Written into a temporary sibling folder and renamed, so concurrent test processes never see a half-written one.
 */
export async function ensureRandomCheckpoint(
  config: Record<string, unknown>,
  opts: RandomCheckpointOptions,
  dir: string,
): Promise<string> {
  const stamp = stampOf(config, opts);
  if (isComplete(dir, stamp)) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await fs.promises.mkdir(tmp, { recursive: true });
  try {
    writeFilesInto(tmp, config, opts);
    await fs.promises.writeFile(path.join(tmp, COMPLETE_MARKER), stamp);
    if (isComplete(dir, stamp)) return dir; // another process finished first
    await fs.promises.rm(dir, { recursive: true, force: true }); // stale or half-written
    try {
      await fs.promises.rename(tmp, dir);
    } catch (e) {
      if (!isComplete(dir, stamp)) throw e;
    }
    return dir;
  } finally {
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }
}
