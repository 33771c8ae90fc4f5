import { describe, expect, it } from 'vitest';
import { makeRng } from './seeded-random.ts';

describe('makeRng', () => {
  it('matches mulberry32 outputs computed independently (Python, 32-bit masks)', () => {
    const a = makeRng(0);
    expect([a.uniform(), a.uniform(), a.uniform()].map((u) => u * 2 ** 32)).toEqual([1144304738, 1416247, 958946056]);
    const b = makeRng(42);
    expect(b.uniform() * 2 ** 32).toBe(2581720956);
  });

  it('repeats for a seed and differs between seeds', () => {
    const x = makeRng(7);
    const y = makeRng(7);
    const z = makeRng(8);
    const xs = Array.from({ length: 10 }, () => x.normal());
    expect(Array.from({ length: 10 }, () => y.normal())).toEqual(xs);
    expect(Array.from({ length: 10 }, () => z.normal())).not.toEqual(xs);
  });

  it('draws uniforms in [0, 1) and standard normals', () => {
    const rng = makeRng(3);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const g = rng.normal();
      sum += g;
      sumSq += g * g;
      if (Math.abs(g) > 2) beyond2++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.02);
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.003); // P(|N| > 2) = 4.55%
  });
});
