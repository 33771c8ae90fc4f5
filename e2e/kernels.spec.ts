// Every WGSL kernel against its CPU twin on seeded random inputs (window.steerscope.checkKernel), one test per kernel.
// Tolerances are relative to max |expected| of each output: 1e-5 for f32 paths, 1e-4 where weights are f16 (the twin
// gets the same f16-rounded weights); copies, argmax, the penalty and λ = 0 must match exactly. Outputs start filled
// with a sentinel, so a missing or out-of-range write is a difference too.
import { expect, test, type Page } from '@playwright/test';
import type { KernelCheckResult } from '../src/harness/kernel-checks-api.ts';
import { openHarness, type Remote } from './harness.ts';
import type { SteerscopeHarness } from '../src/harness/main.ts';

type Diff = KernelCheckResult['parts'][string];
type Harness = Remote<SteerscopeHarness>;

const F32_TOL = 1e-5;
const F16_TOL = 1e-4;

/** Cases each kernel must keep (a case that disappears from the harness fails the test). */
const CASES: Record<string, string[]> = {
  embed: ['f32', 'f16', 'f32-wide', 'f16-wide', 'f32-many-tokens', 'f16-many-tokens'],
  matmul: ['plain', 'rmsnorm', 'silu-mul'].flatMap((m) =>
    ['f32', 'f16'].flatMap((d) => [`${m}-${d}`, `${m}-${d}-wide`, `${m}-${d}-last-token`, `${m}-${d}-tiles`, `${m}-${d}-decode-tiles`, `${m}-${d}-accumulate`, `${m}-${d}-accumulate-decode`, `${m}-${d}-split-k`, `${m}-${d}-split-k-short`]),
  ),
  'rope-kv': ['hd16', 'hd64', 'hd64-pos0-0', 'hd128-far', 'hd8-many-tokens'],
  attention: ['hd64', 'hd64-peaky', 'hd128', 'hd256', 'hd64-prefill', 'hd16-mqa', 'hd8-decode-chunks', 'hd32-prefill-chunks'],
  'steer-residual': [
    ...[
      'mode0-plain-add', 'mode0-map', 'mode1-map', 'mode0-gate', 'mode1-gate', 'mode0-range', 'mode1-gate-range-record',
      'mode0-gate-record', 'mode1-record-only', 'mode0-lambda0', 'mode1-lambda0', 'mode0-gate-dim300',
      'mode1-gate-range-record-40-tokens', 'mode0-gate-range-dim40',
    ].flatMap((c) => [c, `${c}-per-thread`]),
    // matmul-steer.wgsl: a hook fused into the matmul that produces its input (decode, hidden size ≤ 64).
    'fused-o_proj-f32', 'fused-down-f16', 'fused-down-f32-range', 'fused-o_proj-f16-ungated-range',
  ],
  argmax: ['random', 'small', 'ties-across-threads', 'ties-same-thread', 'all-equal', 'max-last', 'very-negative'],
  'repetition-penalty': ['mixed', 'many', 'inexact-penalty', 'below-one'],
  sample: ['full', 'top-k', 'top-p', 'top-k-top-p', 'top-k-1', 'temperature-tiny', 'ties', 'small-vocab', 'large-vocab'],
};

function fmt(d: Diff): string {
  const rel = d.maxAbs > 0 ? d.maxAbsDiff / d.maxAbs : d.maxAbsDiff;
  return `diff ${d.maxAbsDiff.toExponential(2)} (rel ${rel.toExponential(2)}) max ${d.maxAbs.toPrecision(4)} n ${d.n} unequal ${d.unequal}`;
}

function expectRelative(label: string, d: Diff, tol: number): void {
  expect(d.n, `${label}: nothing compared`).toBeGreaterThan(0);
  expect(d.maxAbs, `${label}: expected output is all zero`).toBeGreaterThan(0);
  expect(d.maxAbsDiff, `${label}: ${fmt(d)}`).toBeLessThanOrEqual(tol * d.maxAbs);
}

function expectExact(label: string, d: Diff): void {
  expect(d.n, `${label}: nothing compared`).toBeGreaterThan(0);
  expect(d.unequal, `${label}: ${fmt(d)}`).toBe(0);
}

async function open(page: Page): Promise<Harness> {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  return openHarness(page);
}

/** Runs every case of a kernel (checking the harness still has them) and hands each result to `check`. */
async function eachCase(s: Harness, kernel: string, check: (r: KernelCheckResult) => void): Promise<void> {
  const available = (await s.kernelCases())[kernel] ?? [];
  for (const c of CASES[kernel]) expect(available, `${kernel}: case ${c} missing from the harness`).toContain(c);
  for (const c of CASES[kernel]) {
    const r = await s.checkKernel(kernel, c);
    console.log(`${kernel}/${c}: ${Object.entries(r.parts).map(([p, d]) => `${p} ${fmt(d)}`).join(' | ')}`);
    check(r);
  }
}

test('embed matches embedCpu exactly (f32 and f16 weights)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'embed', (r) => expectExact(`embed/${r.caseName} x`, r.parts.x));
});

test('matmul matches matmulCpu (plain / rmsnorm / silu-mul × f32 / f16)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'matmul', (r) => expectRelative(`matmul/${r.caseName} y`, r.parts.y, r.info.dtype === 'f16' ? F16_TOL : F32_TOL));
});

test('rope-kv matches ropeKvCpu (q in place, K/V cache writes)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'rope-kv', (r) => {
    expectRelative(`rope-kv/${r.caseName} qkv`, r.parts.qkv, F32_TOL);
    expectRelative(`rope-kv/${r.caseName} kCache`, r.parts.kCache, F32_TOL);
    expectExact(`rope-kv/${r.caseName} vCache`, r.parts.vCache);
  });
});

test('attention matches attentionCpu (GQA, > 64 positions, head dims 16–256)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'attention', (r) => expectRelative(`attention/${r.caseName} out`, r.parts.out, F32_TOL));
});

test('steer-residual matches steerCpu (x, gate strengths, record; λ = 0 is the plain residual)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'steer-residual', (r) => {
    const name = `steer-residual/${r.caseName}`;
    if (r.info.fused) {
      // x += z'(W·in) (the twin: matmulCpu then steerCpu); f16 weights are rounded the same on both sides.
      expectRelative(`${name} x`, r.parts.x, r.info.dtype === 'f16' ? F16_TOL : F32_TOL);
      if (r.info.gate) expect(r.parts.strengths.maxAbsDiff, `${name} strengths: ${fmt(r.parts.strengths)}`).toBeLessThanOrEqual(1e-6);
      else expectExact(`${name} strengths (untouched)`, r.parts.strengths);
      return;
    }
    if (r.info.map) expectRelative(`${name} x`, r.parts.x, F32_TOL);
    else expectExact(`${name} x`, r.parts.x); // no map: x + z or x itself
    if (r.info.gate) {
      expect(r.parts.strengths.maxAbs, `${name}: gate values`).toBeGreaterThan(0);
      expect(r.parts.strengths.maxAbsDiff, `${name} strengths: ${fmt(r.parts.strengths)}`).toBeLessThanOrEqual(1e-6);
    } else {
      expectExact(`${name} strengths (untouched)`, r.parts.strengths);
    }
    expectExact(`${name} rec`, r.parts.rec);
    if (r.info.record) expect(r.parts.rec.maxAbs, `${name}: nothing recorded`).toBeGreaterThan(0);
    if (r.info.lambda === 0) {
      expectExact(`${name} x vs twin`, r.parts.x);
      expectExact(`${name} x vs plain residual`, r.parts.plain);
    }
  });
});

test('argmax matches argmaxCpu (first index on ties, vocab not a multiple of 256)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'argmax', (r) => expect(r.gpuIndex, `argmax/${r.caseName}`).toBe(r.cpuIndex));
});

test('repetition-penalty matches repetitionPenaltyCpu exactly (positive, negative and zero logits)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'repetition-penalty', (r) => {
    const name = `repetition-penalty/${r.caseName}`;
    expect(r.info.positive, `${name}: positive logits`).toBeGreaterThan(0);
    expect(r.info.negative, `${name}: negative logits`).toBeGreaterThan(0);
    // The kernel's uniform holds the penalty as f32: against the twin given that value it must be exact.
    expectExact(`${name} (twin with f32 penalty)`, r.parts.withF32Penalty);
    // Penalties exact in f32: exact against the twin as the sampler calls it.
    if (r.info.penalty === Math.fround(Number(r.info.penalty))) expectExact(`${name} logits`, r.parts.logits);
  });
});

// Sampling on the GPU against the CPU sampler given the kernel's uniform. Float order differs (f32 tree sums vs
// float64 in order), so a sample may differ only when its u · mass lies within 1e-4 of a cumulative boundary; those
// are counted and must be rare. Every sample must be a candidate of the rule (top-k / top-p), the same dispatch must
// give the same ids, and the frequencies must fit the twin's probabilities (chi-square).
test('sample matches the CPU sampler (temperature, top-k, top-p, ties; deterministic per seed)', async ({ page }) => {
  const s = await open(page);
  await eachCase(s, 'sample', (r) => {
    const name = `sample/${r.caseName}`;
    const i = r.info;
    console.log(`${name}: candidates ${i.candidates} distinct ${i.distinct} ambiguous ${i.ambiguous} chi2 ${Number(i.chi2).toFixed(1)} dof ${i.dof}`);
    expectExact(`${name} ids vs twin`, r.parts.ids);
    expectExact(`${name} same ids twice`, r.parts.repeat);
    expect(i.outside, `${name}: ids outside top-k / top-p`).toBe(0);
    expect(Number(i.ambiguous), `${name}: samples at a rounding boundary`).toBeLessThanOrEqual(Math.max(1, Number(i.samples) / 100));
    if (Number(i.topK) === 1 || Number(i.temperature) < 1e-3) {
      expect(i.distinct, `${name}: greedy`).toBe(1);
      expect(i.firstId, `${name}: the argmax`).toBe(i.argmax);
    }
    if (Number(i.topK) > 1) expect(Number(i.candidates), `${name}: top-k`).toBeLessThanOrEqual(Number(i.topK));
    // Chi-square against the twin's probabilities: mean dof, sd √(2·dof); 5 sd is far outside chance.
    const dof = Number(i.dof);
    expect(Number(i.chi2), `${name}: chi-square ${i.chi2} for ${dof} dof`).toBeLessThan(dof + 5 * Math.sqrt(2 * dof) + 5);
  });
});

// Regressions of two bugs these checks found (both fixed).
test('argmax: a row with every logit −∞ (or below −3.4e38) returns index 0, like torch', async ({ page }) => {
  const s = await open(page);
  for (const c of ['all-minus-infinity', 'below-initial-best']) {
    const r = await s.checkKernel('argmax', c);
    console.log(`argmax/${c}: gpu ${r.gpuIndex} cpu ${r.cpuIndex}`);
    expect(r.gpuIndex, `argmax/${c}`).toBe(r.cpuIndex);
  }
});

test('repetition penalty: the twin uses the f32 penalty the kernel holds (no 1-ulp differences)', async ({ page }) => {
  const s = await open(page);
  for (const c of ['inexact-penalty', 'below-one']) {
    const r = await s.checkKernel('repetition-penalty', c);
    console.log(`repetition-penalty/${c}: ${fmt(r.parts.logits)}`);
    expectExact(`repetition-penalty/${c} logits`, r.parts.logits);
  }
});
