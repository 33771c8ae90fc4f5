import type { HookMap } from '../core/steer-map.ts';
import { checkRows, column, type PooledRows } from './matrix-rows.ts';

export interface LinearActOptions {
  /** Store the source range [min, max] per neuron as HookMap.range (map applied only inside it). Off by default. */
  rangeMask?: boolean;
}

/**
 * Linear-AcT (spec section 4): per neuron, sort the N source and N target values (1-D optimal
 * transport pairing) and fit y ≈ βx + α by least squares on the sorted pairs:
 * β = Σ(x − x̄)(y − ȳ) / (Σ(x − x̄)² + 1e-8), α = ȳ − βx̄; w = β, b = α.
 */
export function fitLinearAct(source: PooledRows, target: PooledRows, opts: LinearActOptions = {}): HookMap {
  const d = checkRows(source, 'Linear-AcT source');
  checkRows(target, 'Linear-AcT target', d);
  if (source.length !== target.length) {
    throw new Error(
      `Linear-AcT needs as many source as target prompts (sorted pairing): got ${source.length} source and ${target.length} target`,
    );
  }
  const n = source.length;
  const w = new Float32Array(d);
  const b = new Float32Array(d);
  const lo = opts.rangeMask ? new Float32Array(d) : null;
  const hi = opts.rangeMask ? new Float32Array(d) : null;
  for (let j = 0; j < d; j++) {
    const x = column(source, j).sort();
    const y = column(target, j).sort();
    let mx = 0;
    let my = 0;
    for (let k = 0; k < n; k++) {
      mx += x[k];
      my += y[k];
    }
    mx /= n;
    my /= n;
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < n; k++) {
      sxy += (x[k] - mx) * (y[k] - my);
      sxx += (x[k] - mx) * (x[k] - mx);
    }
    const beta = sxy / (sxx + 1e-8);
    w[j] = beta;
    b[j] = my - beta * mx;
    if (lo && hi) {
      lo[j] = f32AtMost(x[0]);
      hi[j] = f32AtLeast(x[n - 1]);
    }
  }
  return lo && hi ? { w, b, range: { lo, hi } } : { w, b };
}

const scratch = new Float32Array(1);
const scratchBits = new Int32Array(scratch.buffer);

/** Largest float32 ≤ v (so the float32 range still contains every source value). */
export function f32AtMost(v: number): number {
  scratch[0] = v;
  if (scratch[0] <= v) return scratch[0];
  return stepF32(-1);
}

/** Smallest float32 ≥ v. */
export function f32AtLeast(v: number): number {
  scratch[0] = v;
  if (scratch[0] >= v) return scratch[0];
  return stepF32(+1);
}

/** Moves scratch[0] one float32 ulp towards +∞ (dir = 1) or −∞ (dir = −1). */
function stepF32(dir: 1 | -1): number {
  if (scratch[0] === 0) return dir * 1.401298464324817e-45; // smallest subnormal
  const positive = scratch[0] > 0;
  scratchBits[0] += positive === dir > 0 ? 1 : -1;
  return scratch[0];
}
