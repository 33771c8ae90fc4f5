// The uploader's GPU layout (weights-access.ts: matrices transposed by 32-bit words, q/k/v and gate/up fused) with a
// fake device that records writeBuffer calls into plain memory; small slabs force the multi-slab and per-column paths.
import { describe, expect, it } from 'vitest';
import type { BufferPool } from '../../gpu/buffers.ts';
import { transposeWords, wordsPerRow, type GpuWeightDType } from '../../kernels/weights-access.ts';
import { parseModelConfig } from '../config.ts';
import { GpuWeightUploader } from './gpu-weights.ts';
import { f32ToF16Bits } from '../formats/safetensors.ts';
import { makeRng } from '../../core/seeded-random.ts';
import { tinyLlamaGqa, tinyQwen2 } from '../../testing/test-configs.ts';

interface FakeBuffer {
  label: string;
  bytes: Uint8Array;
}

function fakeGpu(): { device: GPUDevice; pool: BufferPool; buffers: Map<string, FakeBuffer> } {
  const buffers = new Map<string, FakeBuffer>();
  const pool = {
    storage(_category: string, byteLength: number, label: string) {
      const b: FakeBuffer = { label, bytes: new Uint8Array(Math.ceil(byteLength / 16) * 16) };
      buffers.set(label, b);
      return b;
    },
  } as unknown as BufferPool;
  const device = {
    queue: {
      writeBuffer(buffer: FakeBuffer, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset = 0, size?: number) {
        let bytes: Uint8Array;
        if (ArrayBuffer.isView(data)) {
          const el = (data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
          const len = size ?? data.byteLength / el - dataOffset;
          bytes = new Uint8Array(data.buffer, data.byteOffset + dataOffset * el, len * el);
        } else {
          bytes = new Uint8Array(data, dataOffset, size ?? data.byteLength - dataOffset);
        }
        if (offset % 4 !== 0 || bytes.byteLength % 4 !== 0) throw new Error(`unaligned write to ${buffer.label}: ${offset}, ${bytes.byteLength}`);
        if (offset + bytes.byteLength > buffer.bytes.byteLength) throw new Error(`write past the end of ${buffer.label}`);
        buffer.bytes.set(bytes, offset);
      },
    },
  } as unknown as GPUDevice;
  return { device, pool, buffers };
}

/** Random values as file bytes of `dtype` (F32 or F16 here) plus the 32-bit words the GPU layout is made of. */
function tensor(n: number, cols: number, dtype: GpuWeightDType, seed: number): { bytes: Uint8Array; words: Uint32Array } {
  const rng = makeRng(seed);
  if (dtype === 'f32') {
    const f = new Float32Array(n * cols).map(() => rng.normal());
    return { bytes: new Uint8Array(f.buffer), words: new Uint32Array(f.buffer) };
  }
  const h = new Uint16Array(n * cols).map(() => f32ToF16Bits(rng.normal()));
  return { bytes: new Uint8Array(h.buffer), words: new Uint32Array(h.buffer) };
}

function concatRows(parts: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('GpuWeightUploader GPU layout', () => {
  for (const [name, config] of [['llama GQA', tinyLlamaGqa], ['qwen2', tinyQwen2]] as const) {
    for (const dtype of ['f32', 'f16'] as GpuWeightDType[]) {
      // One slab; several rows per slab (f16: 96 / 32 words); one row per slab.
      for (const slabWords of [1 << 22, 96, 7]) {
        it(`${name}, ${dtype}, slab ${slabWords} words`, () => {
          const spec = parseModelConfig(config);
          const { device, pool, buffers } = fakeGpu();
          const up = new GpuWeightUploader(device, pool, spec, dtype, slabWords);
          const { hiddenSize: D, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: hd, vocabSize: V } = spec;
          const fileDType = dtype === 'f32' ? 'F32' : 'F16';
          let seed = 1;
          const send = (tensorName: string, rows: number, cols: number) => {
            const t = tensor(rows, cols, dtype, seed++);
            up.upload(tensorName, fileDType, t.bytes);
            return t.words;
          };
          const checkMatrix = (label: string, parts: Uint32Array[], rows: number, cols: number) => {
            const want = transposeWords(concatRows(parts), rows, wordsPerRow(cols, dtype));
            const got = new Uint32Array(buffers.get(label)!.bytes.buffer, 0, want.length);
            const bad = want.findIndex((v, i) => got[i] !== v);
            expect(bad, `${label}: first wrong word`).toBe(-1);
          };
          const embed = send('model.embed_tokens.weight', V, D);
          const head = spec.tiedEmbeddings ? null : send('lm_head.weight', V, D);
          up.upload('model.norm.weight', 'F32', new Uint8Array(new Float32Array(D).fill(1).buffer));
          const layers = [];
          for (let l = 0; l < spec.numLayers; l++) {
            const p = `model.layers.${l}.`;
            // Out of file order on purpose: v before q, up before gate.
            const v = send(p + 'self_attn.v_proj.weight', KV * hd, D);
            const q = send(p + 'self_attn.q_proj.weight', H * hd, D);
            const k = send(p + 'self_attn.k_proj.weight', KV * hd, D);
            const o = send(p + 'self_attn.o_proj.weight', D, H * hd);
            const upW = send(p + 'mlp.up_proj.weight', I, D);
            const gate = send(p + 'mlp.gate_proj.weight', I, D);
            const down = send(p + 'mlp.down_proj.weight', D, I);
            for (const n of ['input_layernorm.weight', 'post_attention_layernorm.weight']) up.upload(p + n, 'F32', new Uint8Array(new Float32Array(D).buffer));
            if (spec.qkvBias) for (const [n, len] of [['q', H * hd], ['k', KV * hd], ['v', KV * hd]] as const) up.upload(`${p}self_attn.${n}_proj.bias`, 'F32', new Uint8Array(new Float32Array(len).buffer));
            layers.push({ q, k, v, o, gate, upW, down });
          }
          up.finish();
          checkMatrix('embed_tokens', [embed], V, D);
          if (head) checkMatrix('lm_head', [head], V, D);
          layers.forEach((w, l) => {
            checkMatrix(`${l}.qkv`, [w.q, w.k, w.v], (H + 2 * KV) * hd, D);
            checkMatrix(`${l}.o_proj`, [w.o], D, H * hd);
            checkMatrix(`${l}.gate_up`, [w.gate, w.upW], 2 * I, D);
            checkMatrix(`${l}.down_proj`, [w.down], D, I);
          });
        });
      }
    }
  }
});
