// The LinEAS tape kernels (src/kernels/backward) against their CPU twins on seeded random inputs, through
// window.steerscope.checkKernel. Tolerances are relative to max |expected| of each output: 1e-5 for f32 paths,
// 1e-4 where weights are f16 or many terms are summed (attention backward, the map's parameter gradients). Outputs
// start filled with a sentinel, so missing or out-of-range writes count as differences.
import { expect, test } from '@playwright/test';
import type { KernelCheckResult } from '../src/harness/kernel-checks-api.ts';
import { openHarness } from './harness.ts';

type Diff = KernelCheckResult['parts'][string];

const CASES: Record<string, { cases: string[]; tol: (caseName: string, part: string) => number }> = {
  'matmul-t': { cases: ['f32', 'f32-accumulate', 'f32-wide', 'f32-one-token', 'f16', 'f16-accumulate', 'f16-wide', 'f16-one-token'], tol: (c) => (c.startsWith('f16') ? 1e-4 : 1e-5) },
  'rmsnorm-backward': { cases: ['small', 'many-tokens'], tol: () => 1e-5 },
  'rope-packed': { cases: ['forward-hd16', 'inverse-hd16', 'inverse-hd64-long'], tol: () => 1e-5 },
  'attention-packed': { cases: ['gqa-hd16', 'mha-hd8-peaky', 'mqa-hd32-long'], tol: () => 1e-5 },
  'attention-backward': { cases: ['gqa-hd16', 'mha-hd8', 'mqa-hd32-long'], tol: () => 1e-4 },
  'silu-mul-backward': { cases: ['small', 'wide'], tol: () => 1e-5 },
  'map-forward': { cases: ['mode0-map', 'mode0-gate', 'mode1-gate', 'mode0-plain'], tol: () => 1e-5 },
  'mean-pool': { cases: ['plain', 'map', 'gate'], tol: () => 1e-5 },
  'map-backward': { cases: ['pool-only', 'map', 'map-pool', 'gate-pool', 'gate-many-tokens'], tol: (_c, part) => (part === 'grads' ? 1e-4 : 1e-5) },
};

function fmt(d: Diff): string {
  const rel = d.maxAbs > 0 ? d.maxAbsDiff / d.maxAbs : d.maxAbsDiff;
  return `diff ${d.maxAbsDiff.toExponential(2)} (rel ${rel.toExponential(2)}) max ${d.maxAbs.toPrecision(4)} n ${d.n} unequal ${d.unequal}`;
}

for (const [kernel, { cases, tol }] of Object.entries(CASES)) {
  test(`${kernel} matches its CPU twin`, async ({ page }) => {
    page.on('pageerror', (e) => console.log('[pageerror]', e.message));
    const s = await openHarness(page);
    const available = (await s.kernelCases())[kernel] ?? [];
    for (const c of cases) expect(available, `${kernel}: case ${c} missing from the harness`).toContain(c);
    for (const c of cases) {
      const r = await s.checkKernel(kernel, c);
      console.log(`${kernel}/${c}: ${Object.entries(r.parts).map(([p, d]) => `${p} ${fmt(d)}`).join(' | ')}`);
      for (const [part, d] of Object.entries(r.parts)) {
        expect(d.n, `${kernel}/${c} ${part}: nothing compared`).toBeGreaterThan(0);
        expect(d.maxAbs, `${kernel}/${c} ${part}: expected output is all zero`).toBeGreaterThan(0);
        expect(d.maxAbsDiff, `${kernel}/${c} ${part}: ${fmt(d)}`).toBeLessThanOrEqual(tol(c, part) * d.maxAbs);
      }
    }
  });
}
