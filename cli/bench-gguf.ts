// The bench's engine-gguf section: our engine on a real GGUF file (the one the wllama section decodes, on the same
// prompt ids), prefill and decode unsteered and steered at every hook with gates, and the GPU bytes it holds against
// the file's size plus its KV cache.
import fs from 'node:fs';
import type { HookMap } from '../src/core/steer-map.ts';
import { HOOK_KINDS, hookName, type HookName } from '../src/model/spec.ts';
import { encodeIntervention } from '../src/steering/intervention-file.ts';
import { randomMap } from '../src/testing/random-maps.ts';
import type { BrowserSession } from './browser-session.ts';
import { memoryRow, summarizeEngineGguf, type EngineGgufResult, type MemoryRow, type RunTimings } from './bench-gguf-summary.ts';

export interface EngineGgufOptions {
  /** The model ref the session serves the file under (modelRef). */
  ref: string;
  /** The file itself, for its size. */
  gguf: string;
  promptIds: number[];
  newTokens: number;
  rounds: number;
  log?: (s: string) => void;
}

/**
 * Loads the file twice: at the run's own context (prompt + new tokens + 16), for the memory it holds there, and at
 * the engine's default context (what the app loads), for the memory there and every timed run. Rounds alternate
 * unsteered and steered runs back to back, the order flipping every round (so give an even number), after one warm-up
 * of each.
 */
export async function runEngineGguf(session: BrowserSession, opts: EngineGgufOptions): Promise<EngineGgufResult> {
  const log = opts.log ?? (() => undefined);
  const api = session.api;
  const fileBytes = fs.statSync(opts.gguf).size;
  const promptTokens = opts.promptIds.length;
  const memory: MemoryRow[] = [];

  const smallContext = promptTokens + opts.newTokens + 16;
  log(`${opts.ref}: loading at ${smallContext} positions (memory) …`);
  const small = await api.load(opts.ref, { maxContext: smallContext });
  memory.push(memoryRow('loaded', small.memory, fileBytes, small.maxContext));

  log(`${opts.ref}: loading at the default context …`);
  const loaded = await api.load(opts.ref);
  memory.push(memoryRow('loaded', loaded.memory, fileBytes, loaded.maxContext));

  // A DSAS-gated random map at every hook (attn, mlp and resid of every layer).
  const maps = new Map<HookName, HookMap>();
  for (let l = 0; l < loaded.spec.numLayers; l++) {
    HOOK_KINDS.forEach((k, i) => maps.set(hookName(l, k), randomMap(loaded.spec.hiddenSize, 97 * l + i, { bScale: 0.01, gate: { scale: 0.01, c: 0 } })));
  }
  const { manifest, tensors } = encodeIntervention({ modelId: opts.ref, method: 'imported', hooks: maps, strength: 1 });
  const encoded = { manifest, tensorsBase64: Buffer.from(tensors).toString('base64') };
  const steer = (on: boolean) => api.setIntervention(on ? encoded : null, { strength: 1, useGate: true, checkModel: false });
  let sample = '';
  const gen = async (on: boolean): Promise<RunTimings> => {
    const r = await api.generate({ promptIds: opts.promptIds, maxNewTokens: opts.newTokens, greedy: true, ignoreEos: true });
    if (!on) sample = r.text;
    return r.timings;
  };
  const warm = () => api.generate({ promptIds: opts.promptIds.slice(0, 4), maxNewTokens: 2, greedy: true, ignoreEos: true });

  log(`${opts.ref}: warm-up (shader compilation), unsteered and steered …`);
  await steer(false);
  await warm();
  await steer(true);
  await warm();
  memory.push(memoryRow('steered', await api.memory(), fileBytes, loaded.maxContext));

  const plain: RunTimings[] = [];
  const steered: RunTimings[] = [];
  const plainFirst: boolean[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    plainFirst.push(round % 2 === 0);
    for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
      log(`${opts.ref}: ${on ? `steered, ${maps.size} hooks gated` : 'unsteered'} (round ${round + 1} of ${opts.rounds}) …`);
      await steer(on);
      (on ? steered : plain).push(await gen(on));
    }
  }
  await steer(false);
  return summarizeEngineGguf({ model: opts.gguf.split('/').pop()!, promptTokens, newTokens: opts.newTokens, hooks: maps.size, plain, steered, plainFirst, memory, loadMs: loaded.loadMs, sample: sample.slice(0, 80) });
}
