// The uploader's GPU layout (weights-access.ts: each row's file bytes as words, the word grid transposed; q/k/v and
// gate/up fused; row segments where formats change or a binding is too small) with a fake device that records
// writeBuffer calls into plain memory. Each matrix is decoded back from its segments with the shader's CPU twin and
// compared with the dequantizer on the tensors' file bytes; small slabs force the multi-slab and per-column paths.
import { describe, expect, it } from 'vitest';
import type { BufferPool } from '../../gpu/buffers.ts';
import { dequantize } from '../../core/dequantize.ts';
import { makeRng } from '../../core/seeded-random.ts';
import { WEIGHT_FORMATS, type WeightFormat } from '../../core/weight-format.ts';
import { decodeGpuMatrix } from '../../kernels/weights/decode-cpu.ts';
import type { GpuMatrix } from '../../kernels/weights-access.ts';
import { parseModelConfig } from '../config.ts';
import { GpuWeightUploader } from './gpu-weights.ts';
import { planBytes } from './weight-plan.ts';
import { randomBlocks } from '../../testing/quant-blocks.ts';
import { tinyLlamaGqa, tinyQwen2 } from '../../testing/test-configs.ts';

interface FakeBuffer {
  label: string;
  bytes: Uint8Array;
}

function fakeGpu(maxBinding: number): { device: GPUDevice; pool: BufferPool; buffers: Map<FakeBuffer, FakeBuffer> } {
  const buffers = new Map<FakeBuffer, FakeBuffer>();
  const bytes = { weights: 0 };
  const pool = {
    maxBinding,
    bytes,
    storage(_category: string, byteLength: number, label: string) {
      const size = Math.max(16, Math.ceil(byteLength / 16) * 16);
      if (size > maxBinding) throw new Error(`${label}: ${size} bytes over the binding limit`);
      const b: FakeBuffer = { label, bytes: new Uint8Array(size) };
      buffers.set(b, b);
      bytes.weights += size;
      return b;
    },
  } as unknown as BufferPool;
  const device = {
    queue: {
      writeBuffer(buffer: FakeBuffer, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset = 0, size?: number) {
        let b: Uint8Array;
        if (ArrayBuffer.isView(data)) {
          const el = (data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
          const len = size ?? data.byteLength / el - dataOffset;
          b = new Uint8Array(data.buffer, data.byteOffset + dataOffset * el, len * el);
        } else {
          b = new Uint8Array(data, dataOffset, size ?? data.byteLength - dataOffset);
        }
        if (offset % 4 !== 0 || b.byteLength % 4 !== 0) throw new Error(`unaligned write to ${buffer.label}: ${offset}, ${b.byteLength}`);
        if (offset + b.byteLength > buffer.bytes.byteLength) throw new Error(`write past the end of ${buffer.label}`);
        buffer.bytes.set(b, offset);
      },
    },
  } as unknown as GPUDevice;
  return { device, pool, buffers };
}

/** The matrix decoded from its segments' buffers (the shader's CPU twin), row-major. */
function decodeMatrix(m: GpuMatrix): Float32Array {
  const out = new Float32Array(m.rows * m.cols);
  for (const s of m.segments) {
    const words = new Uint32Array((s.buffer as unknown as FakeBuffer).bytes.buffer);
    out.set(decodeGpuMatrix(s.format, words, s.rows, m.cols), s.firstRow * m.cols);
  }
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type FormatRule = (name: string) => WeightFormat;
const CASES: { title: string; rule: FormatRule; maxBinding: number; segmentsAtLeast: number }[] = [
  { title: 'F32', rule: () => 'F32', maxBinding: 1 << 30, segmentsAtLeast: 0 },
  { title: 'F16', rule: () => 'F16', maxBinding: 1 << 30, segmentsAtLeast: 0 },
  { title: 'BF16', rule: () => 'BF16', maxBinding: 1 << 30, segmentsAtLeast: 0 },
  // Q4_K_M-style: v and down in Q6_K, the rest Q4_K (qkv is two segments, gate_up one).
  { title: 'Q4_K + Q6_K', rule: (n) => (/v_proj|down_proj/.test(n) ? 'Q6_K' : 'Q4_K'), maxBinding: 1 << 30, segmentsAtLeast: 1 },
  // stories260K-style: Q8_0 with some matrices F32, plus a binding limit so small every matrix splits.
  { title: 'Q8_0 + F32, 2 KiB bindings', rule: (n) => (/k_proj|up_proj|embed/.test(n) ? 'F32' : 'Q8_0'), maxBinding: 2048, segmentsAtLeast: 2 },
  { title: 'Q4_0 / Q4_1, 2 KiB bindings', rule: (n) => (/gate|q_proj|lm_head/.test(n) ? 'Q4_1' : 'Q4_0'), maxBinding: 2048, segmentsAtLeast: 2 },
];

describe('GpuWeightUploader GPU layout', () => {
  for (const [name, config] of [['llama GQA', tinyLlamaGqa], ['qwen2', tinyQwen2]] as const) {
    for (const c of CASES) {
      // One slab; several rows per slab; one row per slab.
      for (const slabWords of [1 << 22, 96, 7]) {
        it(`${name}, ${c.title}, slab ${slabWords} words`, () => {
          let spec = parseModelConfig(config);
          const blockCols = Math.max(...['Q4_K', 'Q6_K', 'Q8_0'].map((f) => WEIGHT_FORMATS[f as WeightFormat].blockWeights));
          // K-quants need rows of whole 256-weight super-blocks: widen the tiny model for them.
          if (c.title.includes('K')) spec = { ...spec, hiddenSize: blockCols, intermediateSize: blockCols, numHeads: 4, numKvHeads: 2, headDim: 64 };
          const { hiddenSize: D, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = spec;
          const shapes = new Map<string, [number, number]>();
          shapes.set('model.embed_tokens.weight', [V, D]);
          if (!spec.tiedEmbeddings) shapes.set('lm_head.weight', [V, D]);
          for (let l = 0; l < spec.numLayers; l++) {
            const p = `model.layers.${l}.`;
            shapes.set(p + 'self_attn.q_proj.weight', [H * hd, D]);
            shapes.set(p + 'self_attn.k_proj.weight', [KV * hd, D]);
            shapes.set(p + 'self_attn.v_proj.weight', [KV * hd, D]);
            shapes.set(p + 'self_attn.o_proj.weight', [D, H * hd]);
            shapes.set(p + 'mlp.gate_proj.weight', [I, D]);
            shapes.set(p + 'mlp.up_proj.weight', [I, D]);
            shapes.set(p + 'mlp.down_proj.weight', [D, I]);
          }
          const formats = new Map([...shapes.keys()].map((n) => [n, c.rule(n)]));
          const vectors = new Map<string, number>([['model.norm.weight', D]]);
          for (let l = 0; l < spec.numLayers; l++) {
            vectors.set(`model.layers.${l}.input_layernorm.weight`, D).set(`model.layers.${l}.post_attention_layernorm.weight`, D);
            if (spec.qkvBias) vectors.set(`model.layers.${l}.self_attn.q_proj.bias`, H * hd).set(`model.layers.${l}.self_attn.k_proj.bias`, KV * hd).set(`model.layers.${l}.self_attn.v_proj.bias`, KV * hd);
          }
          for (const n of vectors.keys()) formats.set(n, 'F32');
          const { device, pool } = fakeGpu(c.maxBinding);
          const up = new GpuWeightUploader(device, pool, spec, formats, slabWords);
          const values = new Map<string, Float32Array>();
          let seed = 1;
          // Out of file order on purpose: reversed (v before q, up before gate).
          for (const [n, [rows, cols]] of [...shapes].reverse()) {
            const f = formats.get(n)!;
            const bytes = randomBlocks(f, (rows * cols) / WEIGHT_FORMATS[f].blockWeights, makeRng(seed++));
            values.set(n, dequantize(bytes, f));
            up.upload(n, f, bytes);
          }
          for (const [n, len] of vectors) up.upload(n, 'F32', new Uint8Array(new Float32Array(len).fill(1).buffer));
          const w = up.finish();
          const check = (m: GpuMatrix, names: string[]) => {
            const want = concat(names.map((n) => values.get(n)!));
            const got = decodeMatrix(m);
            const bad = want.findIndex((v, i) => got[i] !== v);
            expect(bad, `${m.label}: first wrong weight (${m.segments.length} segments)`).toBe(-1);
            for (const s of m.segments) expect((s.buffer as unknown as FakeBuffer).bytes.byteLength).toBeLessThanOrEqual(c.maxBinding);
          };
          check(w.embed, ['model.embed_tokens.weight']);
          if (!spec.tiedEmbeddings) check(w.lmHead, ['lm_head.weight']);
          let segments = 0;
          w.layers.forEach((lw, l) => {
            const p = `model.layers.${l}.`;
            check(lw.qkv, ['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj.weight`));
            check(lw.o, [p + 'self_attn.o_proj.weight']);
            check(lw.gateUp, [p + 'mlp.gate_proj.weight', p + 'mlp.up_proj.weight']);
            check(lw.down, [p + 'mlp.down_proj.weight']);
            segments = Math.max(segments, lw.qkv.segments.length);
          });
          expect(segments).toBeGreaterThanOrEqual(c.segmentsAtLeast);
          // What the plan says loading holds is what the pool allocated.
          expect(planBytes(up.plan)).toBe(pool.bytes.weights);
        });
      }
    }
  }

  it('refuses data in another format than planned, and names missing tensors', () => {
    const spec = parseModelConfig(tinyLlamaGqa);
    const { device, pool } = fakeGpu(1 << 30);
    const up = new GpuWeightUploader(device, pool, spec, new Proxy(new Map<string, WeightFormat>(), { get: (m, k) => (k === 'get' ? () => 'F16' : Reflect.get(m, k)) }));
    expect(() => up.upload('model.embed_tokens.weight', 'F32', new Uint8Array(4))).toThrow(/planned as F16, the data is F32/);
    expect(() => up.finish()).toThrow(/weights missing after loading: model\.embed_tokens\.weight/);
  });
});
