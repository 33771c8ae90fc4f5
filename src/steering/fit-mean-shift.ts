import type { HookMap } from '../core/steer-map.ts';
import { checkRows, columnMeanStd, type PooledRows } from './matrix-rows.ts';

export interface MeanShiftOptions {
  /** Neurons whose source or target std is below this get b = 0 (spec section 4: 1e-4). */
  minStd?: number;
}

/**
 * Mean-AcT (spec section 4): w = 1, b = μ_target − μ_source per neuron, from pooled activations.
 * The std guard uses the POPULATION standard deviation (divide by N, like numpy's default / torch
 * `unbiased=False`): a neuron is zeroed when std_source < minStd or std_target < minStd.
 * Statistics in float64; the map is stored as float32.
 */
export function fitMeanShift(source: PooledRows, target: PooledRows, opts: MeanShiftOptions = {}): HookMap {
  const minStd = opts.minStd ?? 1e-4;
  const d = checkRows(source, 'mean shift source');
  checkRows(target, 'mean shift target', d);
  const s = columnMeanStd(source, d);
  const t = columnMeanStd(target, d);
  const w = new Float32Array(d).fill(1);
  const b = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    b[j] = s.std[j] < minStd || t.std[j] < minStd ? 0 : t.mean[j] - s.mean[j];
  }
  return { w, b };
}
