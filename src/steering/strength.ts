/**
 * The steering strength λ: the steered value is v + λ·s·((w − 1)·v + b), so λ = 0 is the unsteered model, λ = 1 the
 * fitted map, and |λ| > 1 extrapolates it. Bound: |λ| ≤ 1000. A thousand times the fitted shift is far past anything
 * that steers meaningfully (the papers sweep λ in [0, 1], occasionally to 2–5), while with map values bounded by
 * MAX_MAP_VALUE (1e6, map-limits.ts) and hidden activations below ~1e4, λ·(w·v + b) stays below ~1e13, far from
 * float32 overflow (3.4e38): λ = 1e30 would turn every activation into ±∞ and the output into token 0.
 */
export const MAX_STRENGTH = 1000;

export class StrengthError extends RangeError {
  override name = 'StrengthError';
}

/** λ when it is a finite number with |λ| ≤ MAX_STRENGTH; otherwise a StrengthError saying why. */
export function checkStrength(lambda: unknown, what = 'the steering strength λ'): number {
  if (typeof lambda !== 'number' || Number.isNaN(lambda)) throw new StrengthError(`${what} must be a number, got ${String(lambda)}`);
  if (!Number.isFinite(lambda)) throw new StrengthError(`${what} must be finite, got ${lambda}`);
  if (Math.abs(lambda) > MAX_STRENGTH) throw new StrengthError(`${what} is ${lambda}; it must lie within ±${MAX_STRENGTH} (λ = 1 is the fitted map)`);
  return lambda;
}
