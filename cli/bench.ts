// `bench`: decode/prefill speed, steering cost and GPU memory of our engine, raced against onnxruntime-web (WebGPU)
// in the same browser. Prints one JSON document and writes it to bench/results/<date>-<machine>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeRng } from '../src/model/seeded-random.ts';
import { hookName, type HookName } from '../src/model/spec.ts';
import { encodeIntervention } from '../src/steering/intervention-file.ts';
import type { HookMap } from '../src/steering/intervention.ts';
import { randomMap } from '../src/testing/random-maps.ts';
import { num, str, type Flags } from './args.ts';
import { benchModel, BENCH_MODELS } from './bench-models.ts';
import { openBrowserSession, REPO_ROOT } from './browser-session.ts';

interface RunRow {
  model: string;
  engine: 'steerscope' | 'onnxruntime-web';
  steered: boolean;
  prefillTokensPerSecond?: number;
  decodeTokensPerSecond?: number;
  skipped?: string;
}

export async function runBench(flags: Flags): Promise<Record<string, unknown>> {
  const models = (str(flags, 'models') ?? BENCH_MODELS.join(',')).split(',').map((m) => m.trim());
  const promptTokens = num(flags, 'prompt-tokens', 128)!;
  const newTokens = num(flags, 'new-tokens', 128)!;
  // onnxruntime-web's WebGPU backend is very slow on SwiftShader: its decode rate may be measured over fewer tokens.
  const peerTokens = num(flags, 'peer-new-tokens', newTokens)!;
  const log = (s: string) => process.stderr.write(s + '\n');
  const prepared = [];
  for (const m of models) prepared.push(await benchModel(m, log));
  const mounts = Object.fromEntries(prepared.map((m) => [m.name, m.dir]));
  const session = await openBrowserSession(mounts);
  const runs: RunRow[] = [];
  const memory: Record<string, unknown>[] = [];
  const steering: Record<string, unknown>[] = [];
  let adapter: Awaited<ReturnType<typeof session.api.adapter>> | null = null;
  try {
    adapter = await session.api.adapter();
    for (const m of prepared) {
      log(`${m.name}: loading …`);
      const loaded = await session.api.load(m.name, { maxContext: promptTokens + newTokens + 16, allowMissingTokenizer: true });
      const rng = makeRng(7);
      const promptIds = [loaded.spec.bosTokenId ?? 1, ...Array.from({ length: promptTokens - 1 }, () => 3 + Math.floor(rng.uniform() * (loaded.spec.vocabSize - 3)))];
      const gen = () => session.api.generate({ promptIds, maxNewTokens: newTokens, greedy: true, ignoreEos: true });
      await session.api.generate({ promptIds: promptIds.slice(0, 8), maxNewTokens: 4, greedy: true, ignoreEos: true }); // compile shaders
      log(`${m.name}: unsteered …`);
      const plain = await gen();
      runs.push({ model: m.name, engine: 'steerscope', steered: false, prefillTokensPerSecond: (promptTokens * 1000) / plain.timings.prefillMs, decodeTokensPerSecond: plain.timings.decodeTokensPerSecond });
      const maps = new Map<HookName, HookMap>();
      for (let l = 0; l < loaded.spec.numLayers; l++) {
        for (const k of ['attn', 'mlp'] as const) maps.set(hookName(l, k), randomMap(loaded.spec.hiddenSize, 31 * l + (k === 'mlp' ? 1 : 0), { bScale: 0.01, gate: { scale: 0.01, c: 0 } }));
      }
      const { manifest, tensors } = encodeIntervention({ modelId: m.name, method: 'imported', hooks: maps, strength: 1 });
      await session.api.setIntervention({ manifest, tensorsBase64: Buffer.from(tensors).toString('base64') }, { strength: 1 });
      log(`${m.name}: steered (every attn and mlp hook, gated) …`);
      const steered = await gen();
      await session.api.setIntervention(null);
      runs.push({ model: m.name, engine: 'steerscope', steered: true, prefillTokensPerSecond: (promptTokens * 1000) / steered.timings.prefillMs, decodeTokensPerSecond: steered.timings.decodeTokensPerSecond });
      steering.push({ model: m.name, hooks: maps.size, steeredDecodeTimeOverUnsteered: plain.timings.decodeTokensPerSecond / steered.timings.decodeTokensPerSecond });
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
  } finally {
    await session.close();
  }
  const ratios = prepared.map((m) => {
    const ours = runs.find((r) => r.model === m.name && r.engine === 'steerscope' && !r.steered);
    const peer = runs.find((r) => r.model === m.name && r.engine === 'onnxruntime-web' && !r.skipped);
    return { model: m.name, decodeOursOverPeer: ours && peer ? ours.decodeTokensPerSecond! / peer.decodeTokensPerSecond! : null };
  });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const result = {
    date: new Date().toISOString(),
    command: `npm run bench -- --models ${models.join(',')} --prompt-tokens ${promptTokens} --new-tokens ${newTokens} --peer-new-tokens ${peerTokens}`,
    machine: { adapter, browser: adapter?.userAgent, cpu, cores: os.cpus().length, memoryBytes: os.totalmem() },
    settings: { promptTokens, newTokens, peerNewTokens: peerTokens, greedy: true },
    runs,
    ratios,
    steering,
    training: [] as Record<string, unknown>[],
    trainingSkipped: 'LinEAS training is not implemented in the engine yet',
    memory,
  };
  const machineName = `${adapter?.architecture || adapter?.vendor || 'gpu'}-${os.cpus().length}cpu`.replace(/[^\w.-]/g, '_');
  const dir = path.join(REPO_ROOT, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.date.slice(0, 10)}-${machineName}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  log(`written ${path.relative(REPO_ROOT, file)}`);
  return result;
}
