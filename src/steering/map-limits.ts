/**
 * Bound on every value of an intervention map (w, b, gate a and c, range lo/hi): |x| ≤ 1e6. Fitted maps are ratios
 * and differences of activation statistics; hidden activations of real models stay below ~1e4 (even the "massive
 * activations" of a few channels), so 1e6 is a hundred times anything a fit produces. Values like 3e38 are finite
 * in float32 but overflow as soon as they are multiplied, and generate ±∞ / NaN downstream.
 */
export const MAX_MAP_VALUE = 1e6;

/** Index of the first value that is NaN, ±∞ or beyond ±MAX_MAP_VALUE, or −1. */
export function firstOutOfRange(data: ArrayLike<number>, limit = MAX_MAP_VALUE): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(Math.abs(v) <= limit)) return i;
  }
  return -1;
}

/** What to add after the value in a message: nothing for NaN/±∞, ", beyond ±1000000" for a finite value. */
export function beyondNote(v: number, limit = MAX_MAP_VALUE): string {
  return Number.isFinite(v) ? `, beyond ±${limit}` : '';
}
