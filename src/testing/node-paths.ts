// Node-only paths used by unit tests and tools (never imported by browser code).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The read-only shared folder (`../shared` beside the repo unless SHARED_DIR says otherwise). */
export const SHARED_DIR = process.env.SHARED_DIR ? path.resolve(process.env.SHARED_DIR) : path.resolve(REPO_ROOT, '../shared');
export const STORIES260K_DIR = path.join(SHARED_DIR, 'models/stories260K');
export const SAD_TO_HAPPY_PATH = path.join(SHARED_DIR, 'data/prompts/sad_to_happy.json');
/** Ignored scratch folder for generated checkpoints and other test artefacts. */
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');

/** Greedy continuation of "Once upon a time" on stories260K (from ../shared/README.md): BOS + prompt + generated. */
export const STORIES_REFERENCE_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421];
export const STORIES_REFERENCE_TEXT =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';
