// `bench`: decode/prefill speed, steering cost and GPU memory of our engine, raced against onnxruntime-web (WebGPU)
// in the same browser. Prints one JSON document and writes it to bench/results/<date>-<machine>.json.
import { hubOptionsFrom } from './hub-cache.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeRng } from '../src/core/seeded-random.ts';
import { hookName, type HookName } from '../src/model/spec.ts';
import { encodeIntervention } from '../src/steering/intervention-file.ts';
import type { HookMap } from '../src/core/steer-map.ts';
import { randomMap } from '../src/testing/random-maps.ts';
import { num, str, type Flags } from './args.ts';
import { benchModel, BENCH_MODELS } from './bench-models.ts';
import { benchPrompt, runWllamaBench, WLLAMA_VARIANTS, type WllamaRow, type WllamaVariant } from './bench-wllama.ts';
import { modelRef, openBrowserSession, REPO_ROOT } from './browser-session.ts';
import { runEngineGguf } from './bench-gguf.ts';
import { ggufBenchTable, type EngineGgufResult } from './bench-gguf-summary.ts';
import { benchCommand, defaultLengths, parseSections } from './bench-sections.ts';
import { median } from '../src/testing/median.ts';

interface RunRow {
  model: string;
  engine: 'steerscope' | 'onnxruntime-web';
  steered: boolean;
  prefillTokensPerSecond?: number;
  decodeTokensPerSecond?: number;
  /** Runs measured (the fastest is reported). */
  rounds?: number;
  skipped?: string;
}

type Timings = { prefillMs: number; decodeTokensPerSecond: number };

export async function runBench(flags: Flags): Promise<Record<string, unknown>> {
  const models = (str(flags, 'models') ?? BENCH_MODELS.join(',')).split(',').map((m) => m.trim());
  // Alternating unsteered/steered rounds per model: up to --rounds, while they fit in --round-budget seconds.
  const maxRounds = num(flags, 'rounds', 5)!;
  const roundBudgetMs = num(flags, 'round-budget', 60)! * 1000;
  // What to measure: decode/prefill/steering/memory/peer ('decode'), the LinEAS step over forward ratio ('training'),
  // llama.cpp in WebAssembly on the GGUF file --gguf ('wllama'), and our engine on that same file, steered and
  // unsteered, with its GPU bytes against the file ('engine-gguf').
  const gguf = str(flags, 'gguf');
  const sections = parseSections(str(flags, 'sections'), gguf);
  const lengths = defaultLengths(sections);
  const promptTokens = num(flags, 'prompt-tokens', lengths.promptTokens)!;
  const newTokens = num(flags, 'new-tokens', lengths.newTokens)!;
  // onnxruntime-web's WebGPU backend is very slow on SwiftShader: its decode rate may be measured over fewer tokens.
  const peerTokens = num(flags, 'peer-new-tokens', newTokens)!;
  const ggufRounds = num(flags, 'gguf-rounds', 4)!;
  const wllamaVariants = (str(flags, 'wllama-variants') ?? WLLAMA_VARIANTS.join(',')).split(',').map((x) => x.trim()) as WllamaVariant[];
  for (const v of wllamaVariants) if (!WLLAMA_VARIANTS.includes(v)) throw new Error(`--wllama-variants takes ${WLLAMA_VARIANTS.join(', ')}, got "${v}"`);
  const wllamaRounds = num(flags, 'wllama-rounds', 3)!;
  const trainingModels = new Set((str(flags, 'training-models') ?? 'stories260K,smollm2-135m').split(',').map((x) => x.trim()));
  // A LinEAS step on a batch of --train-batch random prompts of --train-tokens tokens, every attn and mlp hook trained.
  const trainBatch = num(flags, 'train-batch', 4)!;
  const trainTokens = num(flags, 'train-tokens', 16)!;
  const trainReps = num(flags, 'train-reps', 3)!;
  const log = (s: string) => process.stderr.write(s + '\n');
  const prepared = [];
  // Our engine's models only when one of its sections is asked for.
  if (sections.has('decode') || sections.has('training')) for (const m of models) prepared.push(await benchModel(m, log));
  const mounts: Record<string, string> = Object.fromEntries(prepared.map((m) => [m.name, m.dir]));
  // The GGUF sections' prompt (benchPrompt): its ids are what our engine prefills, its text what wllama gets.
  const prompt = sections.has('wllama') || sections.has('engine-gguf') ? await benchPrompt(gguf!, promptTokens) : null;
  const ggufRef = sections.has('engine-gguf') ? modelRef(gguf!, mounts) : null;
  const session = await openBrowserSession(mounts, hubOptionsFrom(flags));
  let engineGguf: EngineGgufResult | null = null;
  const runs: RunRow[] = [];
  const memory: Record<string, unknown>[] = [];
  const steering: Record<string, unknown>[] = [];
  const training: Record<string, unknown>[] = [];
  let adapter: Awaited<ReturnType<typeof session.api.adapter>> | null = null;
  try {
    adapter = await session.api.adapter();
    for (const m of prepared) {
      log(`${m.name}: loading …`);
      const loaded = await session.api.load(m.name, { maxContext: promptTokens + newTokens + 16, allowMissingTokenizer: true });
      if (sections.has('training') && trainingModels.has(m.name)) {
        log(`${m.name}: one LinEAS step vs one forward (${trainBatch} prompts × ${trainTokens} tokens, every attn and mlp hook) …`);
        const t = await session.api.lineasStepTiming({ hooks: 'all', batch: trainBatch, promptTokens: trainTokens, steps: trainReps });
        training.push({ model: m.name, stepOverForward: t.stepOverForward, stepMs: t.stepMs, forwardMs: t.forwardMs, prompts: t.prompts, tokens: t.tokens, hooks: t.hooks.length, trainer: 'gpu-f32' });
      }
      if (!sections.has('decode')) continue;
      const rng = makeRng(7);
      const promptIds = [loaded.spec.bosTokenId ?? 1, ...Array.from({ length: promptTokens - 1 }, () => 3 + Math.floor(rng.uniform() * (loaded.spec.vocabSize - 3)))];
      const gen = () => session.api.generate({ promptIds, maxNewTokens: newTokens, greedy: true, ignoreEos: true });
      const warm = () => session.api.generate({ promptIds: promptIds.slice(0, 8), maxNewTokens: 4, greedy: true, ignoreEos: true });
      await warm(); // compile shaders
      const maps = new Map<HookName, HookMap>();
      for (let l = 0; l < loaded.spec.numLayers; l++) {
        for (const k of ['attn', 'mlp'] as const) maps.set(hookName(l, k), randomMap(loaded.spec.hiddenSize, 31 * l + (k === 'mlp' ? 1 : 0), { bScale: 0.01, gate: { scale: 0.01, c: 0 } }));
      }
      const { manifest, tensors } = encodeIntervention({ modelId: m.name, method: 'imported', hooks: maps, strength: 1 });
      const steer = (on: boolean) => session.api.setIntervention(on ? { manifest, tensorsBase64: Buffer.from(tensors).toString('base64') } : null, { strength: 1 });
      // Unsteered and steered runs alternate (the machine's load drifts), as many rounds as fit the time budget (at
      // least one), the order flipping every round (unsteered first, then steered first, …) so that neither always
      // runs right after a rebuild or in the other's wake; each configuration keeps its fastest run.
      const plainRuns: Timings[] = [];
      const steeredRuns: Timings[] = [];
      await steer(true);
      await warm(); // compile the steering shaders
      const t0 = Date.now();
      for (let round = 0; round < maxRounds && (round === 0 || Date.now() - t0 < roundBudgetMs); round++) {
        for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
          log(`${m.name}: ${on ? 'steered, every attn and mlp hook gated' : 'unsteered'} (round ${round + 1}) …`);
          await steer(on);
          (on ? steeredRuns : plainRuns).push((await gen()).timings);
        }
      }
      await steer(false);
      const best = (ts: Timings[]) => ({ prefillMs: Math.min(...ts.map((t) => t.prefillMs)), decodeTokensPerSecond: Math.max(...ts.map((t) => t.decodeTokensPerSecond)) });
      const roundRatios = plainRuns.map((p, i) => p.decodeTokensPerSecond / steeredRuns[i].decodeTokensPerSecond);
      const plain = best(plainRuns);
      const steered = best(steeredRuns);
      runs.push({ model: m.name, engine: 'steerscope', steered: false, prefillTokensPerSecond: (promptTokens * 1000) / plain.prefillMs, decodeTokensPerSecond: plain.decodeTokensPerSecond, rounds: plainRuns.length });
      runs.push({ model: m.name, engine: 'steerscope', steered: true, prefillTokensPerSecond: (promptTokens * 1000) / steered.prefillMs, decodeTokensPerSecond: steered.decodeTokensPerSecond, rounds: steeredRuns.length });
      steering.push({
        model: m.name,
        hooks: maps.size,
        // The median over rounds of steered/unsteered decode time of the two runs of a round (back to back, so they
        // share the machine's load of the moment); the fastest runs of each, which may come from different moments,
        // are in `runs`.
        steeredDecodeTimeOverUnsteered: median(roundRatios),
        roundRatios,
      });
      memory.push({ model: m.name, gpuBytes: loaded.memory.gpuBytes, weightBytes: loaded.memory.weightBytes, kvBytes: loaded.memory.kvBytes, gpuOverWeightsPlusKv: loaded.memory.gpuBytes / (loaded.memory.weightBytes + loaded.memory.kvBytes) });
      if (m.peerSkipped || flags['skip-peer']) {
        runs.push({ model: m.name, engine: 'onnxruntime-web', steered: false, skipped: m.peerSkipped ?? 'skipped with --skip-peer' });
      } else {
        log(`${m.name}: onnxruntime-web (webgpu) …`);
        try {
          const peer = await session.api.onnxDecodeBenchmark(m.name, { promptIds, maxNewTokens: peerTokens, ep: 'webgpu', warmupTokens: 2 });
          runs.push({ model: m.name, engine: 'onnxruntime-web', steered: false, prefillTokensPerSecond: (promptTokens * 1000) / peer.prefillMs, decodeTokensPerSecond: peer.decodeTokensPerSecond });
        } catch (e) {
          runs.push({ model: m.name, engine: 'onnxruntime-web', steered: false, skipped: `onnxruntime-web failed: ${(e as Error).message.split('\n')[0]}` });
        }
        await session.api.onnxRelease(m.name);
      }
    }
    if (ggufRef) engineGguf = await runEngineGguf(session, { ref: ggufRef, gguf: gguf!, promptIds: prompt!.ids, newTokens, rounds: ggufRounds, log });
  } finally {
    await session.close();
  }
  // wllama on the GGUF file, on the prompt both engines share, in the same Chromium (a fresh instance of it, after
  // our engine's has closed, so the two never share the cores).
  let wllama: WllamaRow[] = [];
  if (sections.has('wllama')) wllama = await runWllamaBench({ gguf: gguf!, prompt: prompt!, newTokens, variants: wllamaVariants, rounds: wllamaRounds, log });
  const ggufPrompt = prompt ? { tokens: prompt.ids.length, text: prompt.text } : null;
  if (engineGguf || wllama.length) log(`\n${path.basename(gguf!)}, ${promptTokens} prompt tokens, ${newTokens} new:\n${ggufBenchTable(engineGguf, wllama)}\n`);
  const ratios = prepared.map((m) => {
    const ours = runs.find((r) => r.model === m.name && r.engine === 'steerscope' && !r.steered);
    const peer = runs.find((r) => r.model === m.name && r.engine === 'onnxruntime-web' && !r.skipped);
    return { model: m.name, decodeOursOverPeer: ours && peer ? ours.decodeTokensPerSecond! / peer.decodeTokensPerSecond! : null };
  });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const result = {
    date: new Date().toISOString(),
    command: benchCommand(sections, {
      models: models.join(','),
      gguf: gguf ?? '',
      'prompt-tokens': promptTokens,
      'new-tokens': newTokens,
      'peer-new-tokens': peerTokens,
      rounds: maxRounds,
      'round-budget': roundBudgetMs / 1000,
      'train-batch': trainBatch,
      'train-tokens': trainTokens,
      'train-reps': trainReps,
      'wllama-variants': wllamaVariants.join(','),
      'wllama-rounds': wllamaRounds,
      'gguf-rounds': ggufRounds,
    }),
    machine: { adapter, browser: adapter?.userAgent, cpu, cores: os.cpus().length, memoryBytes: os.totalmem() },
    settings: { promptTokens, newTokens, peerNewTokens: peerTokens, greedy: true, maxRounds, roundBudgetSeconds: roundBudgetMs / 1000, reported: 'runs: fastest run of each configuration; steering: median over rounds of the paired ratio', training: { batch: trainBatch, promptTokens: trainTokens, reps: trainReps, reported: 'median step / median forward after one warm-up' } },
    runs,
    ratios,
    steering,
    training,
    memory,
    ...(sections.has('engine-gguf') ? { engineGguf } : {}),
    ...(sections.has('wllama') ? { wllama } : {}),
    ...(ggufPrompt ? { ggufPrompt } : {}),
  };
  const machineName = `${adapter?.architecture || adapter?.vendor || 'gpu'}-${os.cpus().length}cpu`.replace(/[^\w.-]/g, '_');
  const dir = path.join(REPO_ROOT, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  // --out: somewhere else (trial runs that should not replace the day's results).
  const file = str(flags, 'out') ? path.resolve(str(flags, 'out')!) : path.join(dir, `${result.date.slice(0, 10)}-${machineName}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  log(`written ${path.relative(REPO_ROOT, file)}`);
  return result;
}
