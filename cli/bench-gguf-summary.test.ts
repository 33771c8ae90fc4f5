import { describe, expect, it } from 'vitest';
import { balancedRatio, ggufBenchTable, memoryRow, summarizeEngineGguf, type GpuMemory } from './bench-gguf-summary.ts';
import type { WllamaRow } from './bench-wllama.ts';

const mem = (gpuBytes: number, kvBytes: number): GpuMemory => ({ gpuBytes, weightBytes: 90, kvBytes, scratchBytes: gpuBytes - 90 - kvBytes, steeringBytes: 0 });

describe('the engine-gguf summary', () => {
  it('holds GPU bytes to 1.15 × (file + KV): 115 of 100 + 0 holds, 116 fails, 126.5 of 100 + 10 holds', () => {
    expect(memoryRow('loaded', mem(115, 0), 100, 8)).toMatchObject({ gpuOverFilePlusKv: 1.15, weightsOverFile: 0.9, holds: true });
    expect(memoryRow('loaded', mem(116, 0), 100, 8).holds).toBe(false);
    const r = memoryRow('steered', mem(126.5, 10), 100, 8);
    expect(r.gpuOverFilePlusKv).toBeCloseTo(1.15, 12);
    expect(r.state).toBe('steered');
    expect(() => memoryRow('loaded', mem(1, 0), 0, 8)).toThrow(/positive/);
  });

  it('takes medians of rates and the steering cost as steered over unsteered decode time, paired by round', () => {
    // 16 prompt tokens: prefill 8000 ms → 2 tok/s, 4000 → 4, 2000 → 8; medians 4 and (steered) 2.
    const plain = [
      { prefillMs: 8000, decodeTokensPerSecond: 1 },
      { prefillMs: 4000, decodeTokensPerSecond: 2 },
      { prefillMs: 2000, decodeTokensPerSecond: 4 },
    ];
    // Round ratios: 1 / 0.5 = 2, 2 / 2 = 1, 4 / 4.2 ≈ 0.952 → median 1.
    const steered = [
      { prefillMs: 8000, decodeTokensPerSecond: 0.5 },
      { prefillMs: 16000, decodeTokensPerSecond: 2 },
      { prefillMs: 8000, decodeTokensPerSecond: 4.2 },
    ];
    const r = summarizeEngineGguf({ model: 'm.gguf', promptTokens: 16, newTokens: 8, hooks: 90, plain, steered, plainFirst: [true, false, true], memory: [], loadMs: 1 });
    expect(r.unsteered).toMatchObject({ prefillTokensPerSecond: 4, decodeTokensPerSecond: 2, runs: 3 });
    expect(r.steered).toMatchObject({ prefillTokensPerSecond: 2, decodeTokensPerSecond: 2, runs: 3 });
    expect(r.steering.roundRatios[0]).toBe(2);
    expect(r.steering.roundRatios[2]).toBeCloseTo(4 / 4.2, 12);
    expect(r.steering.medianRoundRatio).toBe(1);
    // The two orders alike: unsteered first √(2 · 4/4.2) = 1.3801…, steered first 1, balanced √1.3801 = 1.1748…
    expect(r.steering.unsteeredFirst).toBeCloseTo(Math.sqrt(8 / 4.2), 12);
    expect(r.steering.steeredFirst).toBe(1);
    expect(r.steering.steeredDecodeTimeOverUnsteered).toBeCloseTo((8 / 4.2) ** 0.25, 12);
    expect(r.steering.holds).toBe(false);
    expect(r.unsteered.perRun[0]).toEqual({ prefillTokensPerSecond: 2, decodeTokensPerSecond: 1 });
    const slow = summarizeEngineGguf({ model: 'm.gguf', promptTokens: 16, newTokens: 8, hooks: 90, plain: [plain[0]], steered: [{ prefillMs: 1, decodeTokensPerSecond: 0.9 }], plainFirst: [true], memory: [], loadMs: 1 });
    expect(slow.steering.steeredDecodeTimeOverUnsteered).toBeCloseTo(1 / 0.9, 12);
    expect(slow.steering.holds).toBe(false);
  });

  it('weights the two run orders alike, so a factor that favours the second run of a pair cancels', () => {
    // A true cost of 1.02 and a pair's second run 1.2× faster: unsteered first 1.02 / 1.2, steered first 1.02 · 1.2.
    const r = balancedRatio([1.02 / 1.2, 1.02 * 1.2, 1.02 / 1.2], [true, false, true]);
    expect(r.balanced).toBeCloseTo(1.02, 12);
    expect(r.unsteeredFirst).toBeCloseTo(0.85, 12);
    expect(r.steeredFirst).toBeCloseTo(1.224, 12);
    // The plain median of those three rounds would say 0.85.
    expect(balancedRatio([1.1, 1.2], [false, false])).toEqual({ balanced: Math.sqrt(1.32), unsteeredFirst: null, steeredFirst: Math.sqrt(1.32) });
    expect(() => balancedRatio([1], [])).toThrow(/one order per round/);
  });

  it('refuses unpaired runs', () => {
    expect(() => summarizeEngineGguf({ model: 'm', promptTokens: 1, newTokens: 1, hooks: 1, plain: [{ prefillMs: 1, decodeTokensPerSecond: 1 }], steered: [], plainFirst: [true], memory: [], loadMs: 0 })).toThrow(/as many/);
  });

  it('tables our rows beside wllama, with the targets and which wllama variant beats us at what', () => {
    const ours = summarizeEngineGguf({
      model: 'm.gguf',
      promptTokens: 16,
      newTokens: 8,
      hooks: 90,
      plain: [{ prefillMs: 10_000, decodeTokensPerSecond: 0.5 }],
      steered: [{ prefillMs: 10_000, decodeTokensPerSecond: 0.49 }],
      plainFirst: [false],
      memory: [memoryRow('loaded', mem(2_000_000, 1_000_000), 99_000_000, 40)],
      loadMs: 1,
    });
    const wllama: WllamaRow[] = [
      { model: 'm.gguf', engine: 'wllama', variant: 'wasm-1t', threads: 1, prefillTokensPerSecond: 4.8, decodeTokensPerSecond: 3 },
      { model: 'm.gguf', engine: 'wllama', variant: 'wasm-mt', threads: 2, prefillTokensPerSecond: 1, decodeTokensPerSecond: 0.25 },
      { model: 'm.gguf', engine: 'wllama', variant: 'webgpu', skipped: 'wllama webgpu failed: no' },
    ];
    const t = ggufBenchTable(ours, wllama).split('\n');
    expect(t[2]).toBe('| steerscope (WebGPU) | no | 1.60 | 0.50 |');
    expect(t[3]).toBe('| steerscope (WebGPU) | yes, 90 hooks gated | 1.60 | 0.49 |');
    expect(t[4]).toBe('| wllama wasm-1t (1 thread) | no | 4.80 | 3.00 |');
    expect(t[5]).toBe('| wllama wasm-mt (2 threads) | no | 1.00 | 0.25 |');
    expect(t[6]).toBe('| wllama webgpu | no | wllama webgpu failed: no | – |');
    // 0.5 / 0.49 = 1.0204…
    expect(t[7]).toBe('steering cost: steered / unsteered decode time 1.020 (unsteered first –, steered first 1.020; rounds 1.020s); target ≤ 1.05: holds');
    // 2 MB / (99 MB + 1 MB) = 0.02
    expect(t[8]).toMatch(/^GPU memory loaded, 40 positions: 2\.0 MB held .* = 0\.020; target ≤ 1\.15: holds$/);
    expect(t[9]).toBe('wllama wasm-1t beats our engine: prefill 3.0×, decode 6.0×');
    expect(t[10]).toBe('wllama wasm-mt does not beat our engine');
    expect(t).toHaveLength(11);
    const withText = ggufBenchTable({ ...ours, sample: ' a "b"' }, [{ ...wllama[0], sample: ' a' }, wllama[2]]).split('\n');
    expect(withText[withText.length - 1]).toBe('greedy continuations: steerscope " a \\"b\\""; wllama wasm-1t " a"');
  });
});
