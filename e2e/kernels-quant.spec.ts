// Every weight format's WGSL decode (src/kernels/weights) through the kernels that read weights — matmul, embed,
// matmul-t, matmul-steer — against their CPU twins on the weights the decode's CPU twin reads from the same GPU
// words (which Node tests check against the gguf package's dequantizer). Segmented cases run one dispatch per row
// segment, segments differing in format, as fused and split matrices do in the engine.
import { expect, test } from '@playwright/test';
import type { KernelCheckResult } from '../src/harness/kernel-checks-api.ts';
import { openHarness } from './harness.ts';

type Diff = KernelCheckResult['parts'][string];
const FORMATS = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q4_K', 'Q6_K'];
// Weights decode to the same f32 values on both sides; the sums differ only by f32 vs f64 accumulation.
const MATMUL_TOL = 2e-5;
// A lookup: equal up to f32 rounding of d·q ± m (the GPU may fuse it into one multiply-add) and f16 subnormal scales.
const EMBED_TOL = 1e-6;

const CASES: Record<string, string[]> = {
  'weights-matmul': [
    ...FORMATS.flatMap((f) => [`${f}-plain-decode`, `${f}-rmsnorm-prefill`, `${f}-silu-mul-accumulate`]),
    'segments-Q4_K-Q6_K-prefill', 'segments-Q4_K-Q6_K-decode', 'segments-Q8_0-F32-prefill', 'segments-split-Q4_1-decode',
  ],
  'weights-embed': [...FORMATS.flatMap((f) => [f, `${f}-edge-scales`]), 'segments-Q4_K-Q6_K', 'segments-split-Q4_1'],
  'weights-matmul-t': [...FORMATS, 'segments-Q8_0-F32', 'segments-Q4_K-Q6_K'],
  'weights-matmul-steer': ['BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q4_K', 'Q6_K'],
};

function fmt(d: Diff): string {
  return `diff ${d.maxAbsDiff.toExponential(2)} max ${d.maxAbs.toPrecision(4)} n ${d.n} unequal ${d.unequal}`;
}

for (const [kernel, cases] of Object.entries(CASES)) {
  test(`${kernel}: every weight format against the CPU twin`, async ({ page }) => {
    test.setTimeout(300_000);
    page.on('pageerror', (e) => console.log('[pageerror]', e.message));
    const s = await openHarness(page);
    const available = (await s.kernelCases())[kernel] ?? [];
    for (const c of cases) expect(available, `${kernel}: case ${c} missing`).toContain(c);
    for (const c of cases) {
      const r = await s.checkKernel(kernel, c);
      console.log(`${kernel}/${c} ${JSON.stringify(r.info)}: ${Object.entries(r.parts).map(([p, d]) => `${p} ${fmt(d)}`).join(' | ')}`);
      const tol = kernel === 'weights-embed' ? EMBED_TOL : MATMUL_TOL;
      for (const [part, d] of Object.entries(r.parts)) {
        expect(d.n, `${c} ${part}: nothing compared`).toBeGreaterThan(0);
        expect(d.maxAbs, `${c} ${part}: all zero`).toBeGreaterThan(0);
        expect(d.maxAbsDiff, `${kernel}/${c} ${part}: ${fmt(d)}`).toBeLessThanOrEqual(tol * d.maxAbs);
      }
    }
  });
}
