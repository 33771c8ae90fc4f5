/** Differences between a GPU result and its CPU twin, random inputs, f16 rounding/packing for the kernel checks. */
import { makeRng, type Rng } from '../../core/seeded-random.ts';
import { f16BitsToF32, f32ToF16Bits } from '../../model/formats/safetensors.ts';

export interface Diff {
  /** max |gpu − cpu| (Infinity if one side is NaN and the other is not). */
  maxAbsDiff: number;
  /** max |cpu| over real values (sentinel-filled slots left out): the scale the tolerance is relative to. */
  maxAbs: number;
  /** Values compared. */
  n: number;
  /** Values that are not bit-for-bit equal (NaN = NaN counts as equal). */
  unequal: number;
  /** Index of the largest difference (-1 when all equal). */
  worst: number;
}

export interface KernelCheckResult extends Diff {
  kernel: string;
  caseName: string;
  /** Per-output differences (e.g. x, strengths, rec); the top-level fields combine them. */
  parts: Record<string, Diff>;
  /** Index results (argmax). */
  gpuIndex?: number;
  cpuIndex?: number;
  /** The shape the case ran with. */
  info: Record<string, number | string | boolean>;
}

/** Written into outputs before the dispatch, so writes out of range (or missing) show as differences. */
export const SENTINEL = 1234.5;

export function diff(gpu: ArrayLike<number>, cpu: ArrayLike<number>): Diff {
  if (gpu.length !== cpu.length) throw new Error(`length mismatch: gpu ${gpu.length}, cpu ${cpu.length}`);
  let maxAbsDiff = 0;
  let maxAbs = 0;
  let unequal = 0;
  let worst = -1;
  for (let i = 0; i < cpu.length; i++) {
    const a = gpu[i];
    const b = cpu[i];
    if (Number.isFinite(b) && b !== SENTINEL) maxAbs = Math.max(maxAbs, Math.abs(b));
    if (Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    unequal++;
    const d = Number.isNaN(a) || Number.isNaN(b) ? Infinity : Math.abs(a - b);
    if (d > maxAbsDiff || worst < 0) {
      maxAbsDiff = d;
      worst = i;
    }
  }
  return { maxAbsDiff, maxAbs, n: cpu.length, unequal, worst };
}

export function combine(parts: Record<string, Diff>): Diff {
  const all = Object.values(parts);
  return {
    maxAbsDiff: Math.max(0, ...all.map((d) => d.maxAbsDiff)),
    maxAbs: Math.max(0, ...all.map((d) => d.maxAbs)),
    n: all.reduce((s, d) => s + d.n, 0),
    unequal: all.reduce((s, d) => s + d.unequal, 0),
    worst: -1,
  };
}

/** Deterministic seed from the kernel and case names (FNV-1a). */
export function rngFor(kernel: string, caseName: string): Rng {
  let h = 0x811c9dc5;
  for (const ch of `${kernel}/${caseName}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return makeRng(h);
}

export function normals(rng: Rng, n: number, scale = 1, shift = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + scale * rng.normal();
  return out;
}

export function filled(n: number, v = SENTINEL): Float32Array {
  return new Float32Array(n).fill(v);
}

/** The values rounded to f16 (what the GPU sees after unpacking). */
export function roundF16(a: Float32Array): Float32Array {
  return a.map((v) => f16BitsToF32(f32ToF16Bits(v)));
}

/** f16 pairs packed into u32 as `unpack2x16float` reads them: element 2i in the low half, 2i+1 in the high half. */
export function packF16(a: Float32Array): Uint32Array {
  if (a.length % 2 !== 0) throw new Error('packF16 needs an even count');
  const out = new Uint32Array(a.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (f32ToF16Bits(a[2 * i]) | (f32ToF16Bits(a[2 * i + 1]) << 16)) >>> 0;
  return out;
}

/** The float weight formats of the f32 / f16 kernel cases. */
export type GpuWeightDType = 'f32' | 'f16';
export const FLOAT_FORMAT = { f32: 'F32', f16: 'F16' } as const;
