/** What one kernel-check case builds and returns (the API adds the names and the combined diff). */
import type { Rng } from '../../core/seeded-random.ts';
import type { Diff } from './compare.ts';
import type { Buffers, CheckGpu } from './gpu-run.ts';

export interface CaseOutcome {
  parts: Record<string, Diff>;
  info: Record<string, number | string | boolean>;
  gpuIndex?: number;
  cpuIndex?: number;
}

export type CaseRun = (g: CheckGpu, rng: Rng, b: Buffers) => Promise<CaseOutcome>;

export type KernelCases = Record<string, CaseRun>;
