// Quantized models end to end without a file reader: random-weight models whose matrices are quantized on the CPU,
// uploaded through the loader's GpuWeightUploader, against the float64 CPU forward on the dequantized weights —
// prompt logits, a decode step, both steered with gated maps at every hook — plus LinEAS gradients through the
// frozen quantized weights, and the memory estimate for the same per-tensor formats equal to what is held.
import { expect, test } from '@playwright/test';
import type { LogitsDiff, QuantModelRequest } from '../src/harness/quant-checks-api.ts';
import { tinyLlamaGqa, tinyQwen2 } from '../src/testing/test-configs.ts';
import { openHarness } from './harness.ts';

/** 256 wide: rows of whole K-quant super-blocks. */
const wideLlama = { ...tinyLlamaGqa, hidden_size: 256, intermediate_size: 512, num_attention_heads: 4, num_key_value_heads: 2, tie_word_embeddings: true };

const PROMPT = [1, 17, 300, 42, 42, 7, 511, 99, 256, 3, 150];

const CASES: { title: string; req: Omit<QuantModelRequest, 'prompt'> }[] = [
  // stories260K's Q8_0 files keep some matrices F32: fused q/k/v is Q8_0 | F32 | Q8_0 segments. Rows of 96 weights
  // (down_proj) are 3 blocks, padded to whole words.
  { title: 'llama GQA, Q8_0 with F32 k_proj and embedding', req: { config: tinyLlamaGqa, matrices: 'Q8_0', overrides: [['k_proj|embed', 'F32']], seed: 3, lineas: true } },
  // Q4_0 with Q4_1 gate (gate_up in two formats), and a 4 KiB binding limit: every matrix splits into row segments.
  { title: 'qwen2, Q4_0 with Q4_1 gate, 4 KiB bindings', req: { config: tinyQwen2, matrices: 'Q4_0', overrides: [['gate_proj', 'Q4_1']], seed: 4, maxBinding: 4096, lineas: true } },
  // Q4_K_M-style: Q6_K v_proj, down_proj and embedding, Q4_K elsewhere.
  { title: 'llama 256 wide, Q4_K with Q6_K v/down/embedding', req: { config: wideLlama, matrices: 'Q4_K', overrides: [['v_proj|down_proj|embed', 'Q6_K']], seed: 5, lineas: true } },
  // Two bytes a weight: BF16 (no longer widened at load) with F16 attention.
  { title: 'qwen2, BF16 with F16 q/k/v/o', req: { config: tinyQwen2, matrices: 'BF16', overrides: [['self_attn', 'F16']], seed: 6 } },
];

function expectClose(label: string, d: LogitsDiff): void {
  console.log(`${label}: max |gpu − cpu| ${d.maxAbsDiff.toExponential(2)} of max ${d.maxAbs.toPrecision(3)}, argmax ${d.argmaxAgree}/${d.positions}`);
  expect(d.positions, label).toBeGreaterThan(0);
  expect(d.maxAbsDiff / d.maxAbs, label).toBeLessThan(1e-4);
  expect(d.argmaxAgree, label).toBe(d.positions);
}

for (const c of CASES) {
  test(`quantized model: ${c.title}`, async ({ page }) => {
    test.setTimeout(300_000);
    page.on('pageerror', (e) => console.log('[pageerror]', e.message));
    const s = await openHarness(page);
    const r = await s.quantModelCheck({ ...c.req, prompt: PROMPT });
    console.log(`${c.title}: ${r.formats}, ${r.segments} segments for ${r.matrices} matrices, weights ${r.weightBytes} B (estimate ${r.estimatedWeightBytes}), total ${r.gpuBytes} (estimate ${r.estimatedTotalBytes})`);
    expectClose('prefill', r.prefill);
    expectClose('decode', r.decode);
    expectClose('steered prefill', r.steeredPrefill);
    expectClose('steered decode', r.steeredDecode);
    expect(r.weightBytes).toBe(r.estimatedWeightBytes);
    expect(r.gpuBytes).toBe(r.estimatedTotalBytes);
    if (c.req.overrides) expect(r.formats).toContain('+');
    if (c.req.maxBinding) expect(r.segments).toBeGreaterThan(2 * r.matrices);
    if (c.req.lineas) {
      console.log(`LinEAS: loss rel ${r.lineas!.lossRel.toExponential(2)}, worst ${JSON.stringify(r.lineas!.worst)}`);
      expect(r.lineas!.lossRel).toBeLessThan(1e-4);
      expect(r.lineas!.worst!.rel).toBeLessThan(1e-3);
    }
  });
}
