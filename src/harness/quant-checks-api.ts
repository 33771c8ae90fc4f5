/**
 * Harness functions for quantized models without any file reader: a random-weight model whose matrices are put in
 * the asked formats on the CPU (testing/quant-blocks.ts), uploaded through the loader's GpuWeightUploader (with an
 * optional small binding limit, so matrices split into segments), and checked against the float64 CPU forward on the
 * dequantized weights: prompt logits (prefill), a decode step, both steered with gated maps at every hook (the fused
 * matmul-steer path where it applies), and LinEAS gradients through the frozen quantized weights. Plain JSON in and
 * out; small on purpose.
 */
import { dequantize } from '../core/dequantize.ts';
import { makeRng } from '../core/seeded-random.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { WeightFormat } from '../core/weight-format.ts';
import { BufferPool } from '../gpu/buffers.ts';
import { cpuForward } from '../model/cpu/forward.ts';
import { cpuWeightsFromTensors } from '../model/cpu/weights.ts';
import { parseModelConfig } from '../model/config.ts';
import { expectedTensors } from '../model/formats/weight-names.ts';
import { GpuModel } from '../model/gpu/gpu-model.ts';
import { GpuWeightUploader } from '../model/gpu/gpu-weights.ts';
import { estimateGpuMemoryFor } from '../model/gpu/memory-estimate.ts';
import { hookName, type HookName } from '../model/spec.ts';
import { CpuLineasModel } from '../steering/lineas/cpu-backward.ts';
import { makeCpuGradientFn } from '../steering/lineas/cpu-gradient.ts';
import { makeGpuGradientFn } from '../steering/lineas/gpu-gradient.ts';
import { quantizeRows } from '../testing/quant-blocks.ts';
import { compareGrads, randomMaps, type TensorError } from './lineas-api.ts';
import { gpu } from './session.ts';

export interface QuantModelRequest {
  /** A Hugging Face config.json object (the test configs). */
  config: Record<string, unknown>;
  /** Matrix formats: the first [pattern, format] whose pattern matches the tensor name, else `matrices`. */
  matrices: WeightFormat;
  overrides?: [string, WeightFormat][];
  seed?: number;
  prompt: number[];
  /** Smaller storage-binding limit than the device's (bytes), so matrices split into row segments. */
  maxBinding?: number;
  /** Also LinEAS gradients (GPU vs CPU) on a few random prompts. */
  lineas?: boolean;
}

export interface LogitsDiff {
  /** Largest |gpu − cpu| over the compared logits, and the largest |cpu|. */
  maxAbsDiff: number;
  maxAbs: number;
  /** Positions where the argmax agrees, of all compared. */
  argmaxAgree: number;
  positions: number;
}

export interface QuantModelResult {
  formats: string;
  /** Row segments of all matrices (more than the matrix count: mixed formats or split bindings). */
  segments: number;
  matrices: number;
  prefill: LogitsDiff;
  decode: LogitsDiff;
  steeredPrefill: LogitsDiff;
  steeredDecode: LogitsDiff;
  /** GPU weight bytes held, and what the memory estimate for these formats says. */
  weightBytes: number;
  estimatedWeightBytes: number;
  /** What the engine holds in all (scratch included) and the estimate's total, same context. */
  gpuBytes: number;
  estimatedTotalBytes: number;
  lineas: { lossRel: number; worst: TensorError | null } | null;
}

function compare(gpuRows: Float32Array[], cpuRows: Float32Array[]): LogitsDiff {
  let maxAbsDiff = 0;
  let maxAbs = 0;
  let argmaxAgree = 0;
  const argmax = (v: Float32Array) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
  cpuRows.forEach((c, t) => {
    const g = gpuRows[t];
    for (let i = 0; i < c.length; i++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(g[i] - c[i]));
      maxAbs = Math.max(maxAbs, Math.abs(c[i]));
    }
    if (argmax(g) === argmax(c)) argmaxAgree++;
  });
  return { maxAbsDiff, maxAbs, argmaxAgree, positions: cpuRows.length };
}

export const quantChecksApi = {
  async quantModelCheck(req: QuantModelRequest): Promise<QuantModelResult> {
    const spec = parseModelConfig(req.config);
    const rng = makeRng(req.seed ?? 1);
    const formatOf = (name: string): WeightFormat => req.overrides?.find(([p]) => new RegExp(p).test(name))?.[1] ?? req.matrices;
    const files = new Map<string, { format: WeightFormat; bytes: Uint8Array }>();
    const cpuTensors = new Map<string, Float32Array>();
    for (const t of expectedTensors(spec)) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      const isNorm = t.name.endsWith('norm.weight');
      const scale = isNorm ? 0.1 : t.name.endsWith('.bias') ? 0.02 : 1 / Math.sqrt(t.shape[t.shape.length - 1]);
      const values = Float32Array.from({ length: n }, () => (isNorm ? 1 : 0) + scale * rng.normal());
      const format = t.shape.length === 2 ? formatOf(t.name) : 'F32';
      const bytes = quantizeRows(values, format, t.shape[0], t.shape[t.shape.length - 1], rng, scale);
      files.set(t.name, { format, bytes });
      cpuTensors.set(t.name, dequantize(bytes, format));
    }
    const cpuW = cpuWeightsFromTensors(cpuTensors);
    const ctx = await gpu();
    // The small limit applies to the weights' segments only (the engine's scratch needs its usual buffers).
    const maxBinding = Math.min(req.maxBinding ?? Infinity, ctx.device.limits.maxStorageBufferBindingSize);
    const pool = new BufferPool(ctx.device, ctx.device.limits.maxStorageBufferBindingSize);
    let model: GpuModel | null = null;
    try {
      const up = new GpuWeightUploader(ctx.device, pool, spec, new Map([...files].map(([n, f]) => [n, f.format])), undefined, maxBinding);
      for (const [n, f] of files) up.upload(n, f.format, f.bytes);
      const weights = up.finish();
      const maxContext = 64;
      model = new GpuModel(ctx, spec, weights, pool, { maxContext });
      const estimate = estimateGpuMemoryFor(spec, formatOf, { maxContext, maxBinding });
      const memory = model.memory;
      const P = req.prompt;
      const last = P.length - 1;

      const run = async (steered: boolean): Promise<{ prefill: LogitsDiff; decode: LogitsDiff }> => {
        const all = await model!.run(P, 0, { logits: 'all' });
        await model!.run(P.slice(0, last), 0, { logits: 'none' });
        const step = await model!.run([P[last]], last, { logits: 'last' });
        const cpu = cpuForward(spec, cpuW, P, { logits: 'all', steering: steered ? steering : undefined });
        return { prefill: compare(all.logits, cpu.logits), decode: compare(step.logits, [cpu.logits[last]]) };
      };
      const plain = await run(false);
      // Gated maps at every hook: the fused matmul-steer path (one-token steps, single-segment o_proj/down of
      // models up to 64 wide), the steer kernel after the matmul otherwise.
      const hooks: HookName[] = [];
      for (let l = 0; l < spec.numLayers; l++) for (const k of ['attn', 'mlp', 'resid'] as const) hooks.push(hookName(l, k));
      const maps = new Map<HookName, HookMap>();
      for (const [h, m] of randomMaps(hooks, spec.hiddenSize, (req.seed ?? 1) + 1, true)) maps.set(h, { w: Float32Array.from(m.w), b: Float32Array.from(m.b), gate: { a: Float32Array.from(m.gate!.a), c: m.gate!.c } });
      const steering = { maps, lambda: 1.3, useGate: true };
      model.setSteering(steering);
      const steered = await run(true);
      model.setSteering(null);

      let lineas: QuantModelResult['lineas'] = null;
      if (req.lineas) {
        const prompts = (k: number, len: number) => Array.from({ length: k }, () => [1, ...Array.from({ length: len - 1 }, () => 2 + Math.floor(rng.uniform() * (spec.vocabSize - 2)))]);
        const source = prompts(3, 7);
        const target = prompts(4, 6);
        const trained = hooks.filter((h) => !h.endsWith('resid'));
        const params = randomMaps(trained, spec.hiddenSize, (req.seed ?? 1) + 2, true);
        const batch = { source: source.map((_, i) => i), control: [] };
        const gpuFn = await makeGpuGradientFn({ device: ctx.device, spec, weights, source, target, lossHooks: trained });
        let g;
        try {
          g = await gpuFn(params, batch);
        } finally {
          gpuFn.dispose();
        }
        const c = await makeCpuGradientFn({ spec, weights: cpuW, model: new CpuLineasModel(spec, cpuW), source, target, lossHooks: trained })(params, batch);
        const tensors = compareGrads(g.grads, c.grads);
        lineas = { lossRel: Math.abs(g.loss - c.loss) / Math.abs(c.loss), worst: tensors.reduce<TensorError | null>((w, t) => (!w || t.rel > w.rel ? t : w), null) };
      }
      const all = [weights.embed, ...(spec.tiedEmbeddings ? [] : [weights.lmHead]), ...weights.layers.flatMap((l) => [l.qkv, l.o, l.gateUp, l.down])];
      return {
        formats: weights.dtype,
        segments: all.reduce((n, m) => n + m.segments.length, 0),
        matrices: all.length,
        prefill: plain.prefill,
        decode: plain.decode,
        steeredPrefill: steered.prefill,
        steeredDecode: steered.decode,
        weightBytes: memory.weightBytes,
        estimatedWeightBytes: estimate.weightBytes,
        gpuBytes: memory.gpuBytes,
        estimatedTotalBytes: estimate.totalBytes,
        lineas,
      };
    } finally {
      if (model) model.destroy();
      else pool.destroy();
    }
  },
};
