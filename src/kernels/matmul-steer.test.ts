import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/seeded-random.ts';
import type { MatmulShape } from './matmul.ts';
import { matmulCpu } from './matmul.ts';
import { matmulSteerCpu, type MatmulSteerInput } from './matmul-steer.ts';
import { packMap, steerCpu, type SteerSite } from './steer-residual.ts';

// The fused kernel sums the gate logit as (Wᵀa)ᵀ·in instead of aᵀ(W·in): the same number up to rounding, so the
// fused decode step must give the gate (and residual) the separate steer pass gives.
describe('matmul-steer twin', () => {
  for (const input of ['plain', 'silu-mul'] as MatmulSteerInput[]) {
    it(`${input}: the projected gate equals σ(aᵀz + c) of the separate pass`, () => {
      const rng = makeRng(input === 'plain' ? 11 : 12);
      const dim = 48;
      const cols = input === 'plain' ? 40 : 96;
      const inStride = input === 'plain' ? cols : 2 * cols;
      const normals = (n: number, scale = 1, shift = 0) => Float32Array.from({ length: n }, () => shift + scale * rng.normal());
      const shape: MatmulShape = { rows: dim, cols, inStride, outStride: dim, inTokenOffset: 0, hasBias: false, eps: 0 };
      const x = normals(inStride);
      const W = normals(dim * cols, 1 / Math.sqrt(cols));
      const packed = packMap({ w: normals(dim, 0.5, 1), b: normals(dim, 0.3), gate: { a: normals(dim, 2 / Math.sqrt(dim)), c: 0.2 } }, dim);
      const site: SteerSite = { dim, mode: 0, hasMap: true, hasGate: true, hasRange: false, record: false, slot: 0, nSlots: 1, recordSlot: 0, maxTokens: 1, lambda: 1.3 };
      const y0 = normals(dim);
      const fusedY = y0.slice();
      const s = matmulSteerCpu(input, site, shape, x, W, fusedY, packed);
      const separateY = y0.slice();
      const [want] = steerCpu(site, matmulCpu(input, shape, x, null, W, null, 1), separateY, packed, 1);
      // Not a saturated gate (the comparison would be vacuous at 0 or 1).
      expect(want).toBeGreaterThan(0.05);
      expect(want).toBeLessThan(0.95);
      expect(Math.abs(s - want)).toBeLessThan(1e-6);
      for (let r = 0; r < dim; r++) expect(Math.abs(fusedY[r] - separateY[r])).toBeLessThan(1e-5);
    });
  }
});
