/** Harness functions that run each WGSL kernel against its CPU twin on seeded random inputs (plain JSON in and out). */
import { combine, rngFor, type KernelCheckResult } from './kernel-checks/compare.ts';
import { argmaxCases, repetitionPenaltyCases } from './kernel-checks/argmax-penalty.ts';
import { embedCases, matmulCases } from './kernel-checks/embed-matmul.ts';
import { Buffers, checkGpu } from './kernel-checks/gpu-run.ts';
import { attentionCases, ropeKvCases } from './kernel-checks/rope-attention.ts';
import { steerCases } from './kernel-checks/steer.ts';
import { sampleCases } from './kernel-checks/sample.ts';
import type { KernelCases } from './kernel-checks/types.ts';
import { backwardKernels } from './kernel-checks/backward.ts';
import { quantEmbedCases, quantMatmulCases, quantMatmulSteerCases, quantMatmulTCases } from './kernel-checks/quant.ts';

export type { KernelCheckResult } from './kernel-checks/compare.ts';

const kernels: Record<string, KernelCases> = {
  ...backwardKernels,
  embed: embedCases,
  matmul: matmulCases,
  'rope-kv': ropeKvCases,
  attention: attentionCases,
  'steer-residual': steerCases,
  argmax: argmaxCases,
  'repetition-penalty': repetitionPenaltyCases,
  sample: sampleCases,
  // Every weight format's decode through the kernels that read weights (kernels/weights).
  'weights-matmul': quantMatmulCases,
  'weights-embed': quantEmbedCases,
  'weights-matmul-t': quantMatmulTCases,
  'weights-matmul-steer': quantMatmulSteerCases,
};

export const kernelChecksApi = {
  /** Kernel name → its case names. */
  kernelCases(): Record<string, string[]> {
    return Object.fromEntries(Object.entries(kernels).map(([k, cases]) => [k, Object.keys(cases)]));
  },

  /**
   * Runs one case: seeded random inputs (same every run), the GPU kernel and its CPU twin; returns the differences.
   * Outputs start filled with a sentinel, so out-of-range or missing writes count as differences.
   */
  async checkKernel(name: string, caseName: string): Promise<KernelCheckResult> {
    const cases = kernels[name];
    if (!cases) throw new Error(`unknown kernel ${name}; known: ${Object.keys(kernels).join(', ')}`);
    const run = cases[caseName];
    if (!run) throw new Error(`unknown case ${caseName} for ${name}; known: ${Object.keys(cases).join(', ')}`);
    const g = await checkGpu();
    const b = new Buffers(g.device);
    try {
      const out = await run(g, rngFor(name, caseName), b);
      return { kernel: name, caseName, ...combine(out.parts), ...out };
    } finally {
      b.destroy();
    }
  },
};
