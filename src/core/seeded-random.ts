// A small seeded PRNG: mulberry32 for uniforms, Marsaglia's polar method for standard normals. Same seed → same sequence everywhere.

export interface Rng {
  /** Uniform in [0, 1), 32 bits of randomness. */
  uniform(): number;
  /** Standard normal (mean 0, variance 1). */
  normal(): number;
}

export function makeRng(seed: number): Rng {
  let state = seed >>> 0;
  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const uniform = (): number => nextU32() / 0x100000000;
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    // Marsaglia's polar method: a point uniform in the unit disc gives two independent normals, no trigonometry.
    let x: number;
    let y: number;
    let r2: number;
    do {
      x = 2 * uniform() - 1;
      y = 2 * uniform() - 1;
      r2 = x * x + y * y;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    spare = y * f;
    return x * f;
  };
  return { uniform, normal };
}
