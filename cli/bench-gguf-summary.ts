// The engine-gguf section's numbers from its raw runs (medians, the steering cost, GPU bytes against the file), the
// targets they are held to, and the human table that puts them beside wllama's on the same file.
import { median } from '../src/testing/median.ts';
import type { WllamaRow } from './bench-wllama.ts';

/** GPU memory held: at most this × (the GGUF file's bytes + the KV cache's). */
export const MEMORY_TARGET = 1.15;
/** Steering every hook with gates: decode time at most this × unsteered. */
export const STEERING_TARGET = 1.05;

export interface RunTimings {
  prefillMs: number;
  decodeTokensPerSecond: number;
}

export interface GpuMemory {
  gpuBytes: number;
  weightBytes: number;
  kvBytes: number;
  scratchBytes: number;
  steeringBytes: number;
}

export interface MemoryRow extends GpuMemory {
  /** What was held: right after loading, or once a steered run built the steering buffers. */
  state: 'loaded' | 'steered';
  contextLength: number;
  fileBytes: number;
  /** gpuBytes / (fileBytes + kvBytes): the target's ratio. */
  gpuOverFilePlusKv: number;
  /** weightBytes / fileBytes: the weights on the GPU against the file holding them. */
  weightsOverFile: number;
  holds: boolean;
}

export interface SpeedRow {
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  runs: number;
  perRun: { prefillTokensPerSecond: number; decodeTokensPerSecond: number }[];
}

export interface EngineGgufResult {
  model: string;
  engine: 'steerscope';
  promptTokens: number;
  newTokens: number;
  unsteered: SpeedRow;
  steered: SpeedRow;
  steering: {
    hooks: number;
    gated: boolean;
    /** Steered / unsteered decode time, the two orders weighted alike (balancedRatio): the target's number. */
    steeredDecodeTimeOverUnsteered: number;
    /** Geometric means of the round ratios of each order (null: no round of that order). */
    unsteeredFirst: number | null;
    steeredFirst: number | null;
    medianRoundRatio: number;
    /** Each round's steered / unsteered decode time of its two back-to-back runs, and which ran first. */
    roundRatios: number[];
    plainFirst: boolean[];
    target: number;
    holds: boolean;
  };
  memory: MemoryRow[];
  memoryTarget: number;
  loadMs: number;
  /** The start of the unsteered greedy continuation (wllama's rows have theirs: the same file and prompt). */
  sample?: string;
}

export function memoryRow(state: MemoryRow['state'], m: GpuMemory, fileBytes: number, contextLength: number): MemoryRow {
  if (!(fileBytes > 0)) throw new Error(`the GGUF file's size must be positive, got ${fileBytes}`);
  const gpuOverFilePlusKv = m.gpuBytes / (fileBytes + m.kvBytes);
  return { state, contextLength, fileBytes, ...m, gpuOverFilePlusKv, weightsOverFile: m.weightBytes / fileBytes, holds: gpuOverFilePlusKv <= MEMORY_TARGET };
}

const geomean = (xs: readonly number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

/**
 * The steering cost from paired rounds whose order alternates. If the second run of a pair is faster than the first
 * whatever it is (one 5-round run on the real file under load: ratios 0.90–0.95 with unsteered first, 1.27–1.28 with
 * steered first; a later 6-round run did not repeat it cleanly), that is a factor f one way and 1/f the other. So each
 * order's rounds are averaged (geometric mean) and the two orders weighted alike: √(unsteered-first · steered-first),
 * in which f cancels; with rounds of one order only, their geometric mean. A plain median over an odd number of rounds
 * leans towards the order that ran more.
 */
export function balancedRatio(ratios: readonly number[], plainFirst: readonly boolean[]): { balanced: number; unsteeredFirst: number | null; steeredFirst: number | null } {
  if (ratios.length === 0 || ratios.length !== plainFirst.length) throw new Error(`need one order per round ratio (≥ 1), got ${ratios.length} and ${plainFirst.length}`);
  const a = ratios.filter((_, i) => plainFirst[i]);
  const b = ratios.filter((_, i) => !plainFirst[i]);
  const unsteeredFirst = a.length ? geomean(a) : null;
  const steeredFirst = b.length ? geomean(b) : null;
  const balanced = unsteeredFirst !== null && steeredFirst !== null ? Math.sqrt(unsteeredFirst * steeredFirst) : geomean(ratios);
  return { balanced, unsteeredFirst, steeredFirst };
}

function speed(runs: readonly RunTimings[], promptTokens: number): SpeedRow {
  return {
    prefillTokensPerSecond: median(runs.map((r) => (promptTokens * 1000) / r.prefillMs)),
    decodeTokensPerSecond: median(runs.map((r) => r.decodeTokensPerSecond)),
    runs: runs.length,
    perRun: runs.map((r) => ({ prefillTokensPerSecond: (promptTokens * 1000) / r.prefillMs, decodeTokensPerSecond: r.decodeTokensPerSecond })),
  };
}

export interface EngineGgufInput {
  model: string;
  promptTokens: number;
  newTokens: number;
  hooks: number;
  /** Round i's unsteered and steered runs ran back to back (paired by index). */
  plain: readonly RunTimings[];
  steered: readonly RunTimings[];
  /** Whether round i ran its unsteered run first. */
  plainFirst: readonly boolean[];
  memory: MemoryRow[];
  loadMs: number;
  sample?: string;
}

export function summarizeEngineGguf(x: EngineGgufInput): EngineGgufResult {
  if (x.plain.length === 0 || x.plain.length !== x.steered.length || x.plainFirst.length !== x.plain.length) {
    throw new Error(`need as many unsteered as steered runs and round orders (≥ 1), got ${x.plain.length}, ${x.steered.length} and ${x.plainFirst.length}`);
  }
  // Decode time per token is 1 / rate, so steered time over unsteered time is the unsteered rate over the steered.
  const roundRatios = x.plain.map((p, i) => p.decodeTokensPerSecond / x.steered[i].decodeTokensPerSecond);
  const ratio = balancedRatio(roundRatios, x.plainFirst);
  return {
    model: x.model,
    engine: 'steerscope',
    promptTokens: x.promptTokens,
    newTokens: x.newTokens,
    unsteered: speed(x.plain, x.promptTokens),
    steered: speed(x.steered, x.promptTokens),
    steering: {
      hooks: x.hooks,
      gated: true,
      steeredDecodeTimeOverUnsteered: ratio.balanced,
      unsteeredFirst: ratio.unsteeredFirst,
      steeredFirst: ratio.steeredFirst,
      medianRoundRatio: median(roundRatios),
      roundRatios,
      plainFirst: [...x.plainFirst],
      target: STEERING_TARGET,
      holds: ratio.balanced <= STEERING_TARGET,
    },
    memory: x.memory,
    memoryTarget: MEMORY_TARGET,
    loadMs: x.loadMs,
    sample: x.sample,
  };
}

const rate = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * A Markdown table (readable as text too): our engine unsteered and steered beside every wllama variant, then the
 * steering cost and GPU memory lines with their targets, then which wllama variants beat our engine and by how much.
 */
export function ggufBenchTable(ours: EngineGgufResult | null, wllama: readonly WllamaRow[]): string {
  const lines = ['| engine | steered | prefill tok/s | decode tok/s |', '|---|---|---|---|'];
  if (ours) {
    lines.push(`| steerscope (WebGPU) | no | ${rate(ours.unsteered.prefillTokensPerSecond)} | ${rate(ours.unsteered.decodeTokensPerSecond)} |`);
    lines.push(`| steerscope (WebGPU) | yes, ${ours.steering.hooks} hooks gated | ${rate(ours.steered.prefillTokensPerSecond)} | ${rate(ours.steered.decodeTokensPerSecond)} |`);
  }
  for (const w of wllama) {
    const name = `wllama ${w.variant}${w.threads ? ` (${w.threads} thread${w.threads > 1 ? 's' : ''})` : ''}`;
    lines.push(w.skipped ? `| ${name} | no | ${w.skipped} | – |` : `| ${name} | no | ${rate(w.prefillTokensPerSecond)} | ${rate(w.decodeTokensPerSecond)} |`);
  }
  const out = [lines.join('\n')];
  if (ours) {
    const s = ours.steering;
    const order = (r: number | null) => (r === null ? '–' : r.toFixed(3));
    out.push(
      `steering cost: steered / unsteered decode time ${s.steeredDecodeTimeOverUnsteered.toFixed(3)} (unsteered first ${order(s.unsteeredFirst)}, steered first ${order(s.steeredFirst)}; rounds ${s.roundRatios.map((r, i) => `${r.toFixed(3)}${s.plainFirst[i] ? 'u' : 's'}`).join(', ')}); target ≤ ${s.target.toFixed(2)}: ${s.holds ? 'holds' : 'fails'}`,
    );
    for (const m of ours.memory) {
      out.push(
        `GPU memory ${m.state}, ${m.contextLength} positions: ${mb(m.gpuBytes)} held (weights ${mb(m.weightBytes)}, KV ${mb(m.kvBytes)}, scratch ${mb(m.scratchBytes)}, steering ${mb(m.steeringBytes)}) / (file ${mb(m.fileBytes)} + KV) = ${m.gpuOverFilePlusKv.toFixed(3)}; target ≤ ${MEMORY_TARGET}: ${m.holds ? 'holds' : 'fails'}`,
      );
    }
    for (const w of wllama) {
      if (w.skipped || w.decodeTokensPerSecond === undefined || w.prefillTokensPerSecond === undefined) continue;
      const beats = [
        w.prefillTokensPerSecond > ours.unsteered.prefillTokensPerSecond ? `prefill ${(w.prefillTokensPerSecond / ours.unsteered.prefillTokensPerSecond).toFixed(1)}×` : '',
        w.decodeTokensPerSecond > ours.unsteered.decodeTokensPerSecond ? `decode ${(w.decodeTokensPerSecond / ours.unsteered.decodeTokensPerSecond).toFixed(1)}×` : '',
      ].filter(Boolean);
      out.push(`wllama ${w.variant} ${beats.length ? `beats our engine: ${beats.join(', ')}` : 'does not beat our engine'}`);
    }
    // Same file, same prompt ids, greedy: the continuations should agree (up to float rounding on near-ties).
    if (ours.sample !== undefined) {
      out.push(`greedy continuations: steerscope ${JSON.stringify(ours.sample)}${wllama.filter((w) => w.sample !== undefined).map((w) => `; wllama ${w.variant} ${JSON.stringify(w.sample)}`).join('')}`);
    }
  }
  return out.join('\n');
}
