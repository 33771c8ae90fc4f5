// Non-finite logits stop generation with an error that names the cause (not tokens [0, 0, …] and empty text):
// the argmax and sampling kernels flag a row holding NaN or ±∞, generate() throws. Checkpoints broken as in issue 16:
// all-NaN embeddings and +∞ in the final norm (now refused at load, before the GPU sees them), 3e38 in a down projection.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { tinyLlamaGqa } from '../src/testing/test-configs.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { brokenModel } from './fixtures/test-models.ts';

/** Fills F32 tensor `name` of the folder's model.safetensors (in place) with `fill(i)`. */
function patchTensor(dir: string, name: string, fill: (i: number) => number): void {
  const file = path.join(dir, 'model.safetensors');
  const bytes = fs.readFileSync(file);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const t = header[name];
  if (!t || t.dtype !== 'F32') throw new Error(`no F32 tensor ${name}`);
  const start = 8 + headerLen + t.data_offsets[0];
  const n = (t.data_offsets[1] - t.data_offsets[0]) / 4;
  for (let i = 0; i < n; i++) bytes.writeFloatLE(fill(i), start + 4 * i);
  fs.writeFileSync(file, bytes);
}

const base = { config: { ...tinyLlamaGqa }, opts: { dtype: 'F32' as const, seed: 21 } };

test('the argmax and sampling kernels flag non-finite rows, and only those', async ({ page }) => {
  const s = await openStableHarness(page);
  for (const [c, flagged] of [['one-nan', true], ['all-nan', true], ['plus-infinity', true], ['all-minus-infinity', true], ['huge-finite', false], ['random', false]] as const) {
    const r = await s.checkKernel('argmax', c);
    expect([c, r.info.nonFiniteGpu, r.info.nonFiniteCpu]).toEqual([c, flagged, flagged]);
  }
  for (const [c, flagged] of [['one-nan', 8], ['all-nan', 8], ['minus-infinity', 8], ['top-k', 0], ['full', 0]] as const) {
    const r = await s.checkKernel('sample', c);
    expect([c, r.info.nonFiniteFlags, r.info.nonFiniteCpu]).toEqual([c, flagged, flagged > 0]);
  }
});

// NaN and ±Inf in the weights are refused at load (core/non-finite.ts), naming the tensor and the first element.
for (const [title, tensor, fill, first] of [
  ['all-NaN embeddings', 'model.embed_tokens.weight', () => NaN, 'element 0 = NaN'],
  ['+Inf in the final norm', 'model.norm.weight', (i: number) => (i === 3 ? Infinity : 1), 'element 3 = +Inf'],
] as const) {
  test(`${title}: the load is refused, naming the tensor and the first bad element`, async ({ page }) => {
    const name = await brokenModel(`e2e-nonfinite-${tensor.replace(/\W/g, '-')}`, { base, corrupt: (dir) => patchTensor(dir, tensor, fill) });
    const s = await openStableHarness(page);
    const err = await s.load(name).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toContain(`model.safetensors: tensor "${tensor}" (F32) holds`);
    expect(err).toContain(`the first is ${first}: the checkpoint is broken and was not loaded`);
  });
}

// Finite weights whose products overflow still load; the logits' check stops generation.
for (const [title, tensor, fill] of [['3e38 in a down projection', 'model.layers.0.mlp.down_proj.weight', () => 3e38]] as const) {
  test(`${title}: generation stops with an error naming non-finite logits (greedy and sampled)`, async ({ page }) => {
    const name = await brokenModel(`e2e-nonfinite-${tensor.replace(/\W/g, '-')}`, { base, corrupt: (dir) => patchTensor(dir, tensor, fill) });
    const s = await openStableHarness(page);
    await s.load(name);
    for (const sampling of [{ greedy: true }, { temperature: 1, topP: 0.9, topK: 0, seed: 1 }]) {
      const err = await s.generate({ promptIds: [1, 5, 9, 11], maxNewTokens: 4, ignoreEos: true, ...sampling }).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(err).toMatch(/generation stopped: the logits for generated token 0 are not finite \(NaN or infinity\)/);
    }
  });
}
