// Node-only helpers shared by the LinEAS tests: models, tokenizer, prompts, random maps, finite differences.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { loadCpuWeights } from '../../model/cpu/weights-from-disk.node.ts';
import type { CpuWeights } from '../../model/cpu/weights.ts';
import { ensureRandomCheckpoint } from '../../testing/random-checkpoint.node.ts';
import { makeRng } from '../../core/seeded-random.ts';
import type { HookName, ModelSpec } from '../../model/spec.ts';
import { tinyQwen2 } from '../../testing/test-configs.ts';
import { CACHE_DIR, SAD_TO_HAPPY_PATH, SHARED_DIR, STORIES260K_DIR } from '../../testing/node-paths.ts';
import { MAX_PROMPT_TOKENS } from '../collect-activations.ts';
import { parseDataset, type PromptDataset } from '../dataset.ts';
import type { ParamMaps } from './params.ts';

export async function loadStories(): Promise<{ spec: ModelSpec; weights: CpuWeights }> {
  return loadCpuWeights(STORIES260K_DIR);
}

export async function loadTinyQwen2(): Promise<{ spec: ModelSpec; weights: CpuWeights }> {
  return loadCpuWeights(await ensureRandomCheckpoint(tinyQwen2, { dtype: 'F32', seed: 11 }, path.join(CACHE_DIR, 'lineas-tiny-qwen2')));
}

/** Encodes with the stories260K tokenizer (BOS added), truncated to 128 tokens as spec section 3 says. */
export async function storiesEncoder(): Promise<(text: string) => number[]> {
  env.localModelPath = path.join(SHARED_DIR, 'models') + path.sep;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const tok = await AutoTokenizer.from_pretrained('stories260K');
  return (text) => tok.encode(text).slice(0, MAX_PROMPT_TOKENS);
}

export async function sadToHappy(): Promise<PromptDataset> {
  return parseDataset(await readFile(SAD_TO_HAPPY_PATH, 'utf8'), path.basename(SAD_TO_HAPPY_PATH));
}

/** Non-identity maps: w ∈ [0.5, 1.5), b ∈ [−0.3, 0.3); with gates, a ∈ [−g, g)/√d·… and c ∈ [−0.5, 0.5). */
export function randomParams(hooks: readonly HookName[], d: number, seed: number, gateScale = 0): ParamMaps {
  const rng = makeRng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
  const out: ParamMaps = new Map();
  for (const h of hooks) {
    const w = Float64Array.from({ length: d }, () => u(0.5, 1.5));
    const b = Float64Array.from({ length: d }, () => u(-0.3, 0.3));
    out.set(h, gateScale > 0 ? { w, b, gate: { a: Float64Array.from({ length: d }, () => u(-gateScale, gateScale)), c: u(-0.5, 0.5) } } : { w, b });
  }
  return out;
}

export function allAttnMlpHooks(numLayers: number): HookName[] {
  const out: HookName[] = [];
  for (let l = 0; l < numLayers; l++) out.push(`${l}.attn`, `${l}.mlp`);
  return out;
}
