// The CPU twins of the LinEAS backward kernels against central finite differences of the forward twins (float64
// inputs held in float32 arrays, so the checks use loose-enough tolerances), and the transposed matmul against
// matmulCpu's definition. The GPU kernels are checked against these twins in the browser (e2e/kernels-backward).
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/seeded-random.ts';
import { matmulCpu } from '../matmul.ts';
import { ropeTable } from '../rope-kv.ts';
import { attentionBackwardCpu, attentionPackedCpu } from './attention-packed.ts';
import { packBatch } from './count.ts';
import { mapBackwardCpu, mapGradFloats, type MapBackSite } from './map-backward.ts';
import { mapForwardCpu, packTrainMap } from './map-forward.ts';
import { matmulTCpu } from './matmul-t.ts';
import { meanPoolCpu } from './mean-pool.ts';
import { rmsnormBackwardCpu } from './rmsnorm-backward.ts';
import { ropePackedCpu, type PackedHeads } from './rope-packed.ts';
import { siluMulBackwardCpu } from './silu-mul-backward.ts';

const rng = makeRng(5);
const normals = (n: number, scale = 1, shift = 0) => Float32Array.from({ length: n }, () => shift + scale * rng.normal());
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

/** d/dε of f(x + ε·e_i) by central differences, for a scalar loss f. */
function fd(x: Float32Array, i: number, f: () => number, h = 1e-2): number {
  const v = x[i];
  x[i] = v + h;
  const up = f();
  x[i] = v - h;
  const down = f();
  x[i] = v;
  return (up - down) / (2 * h);
}

/** Largest |analytic − numeric| over the probed indices relative to max |analytic|. */
function relErr(pairs: [number, number][]): number {
  const scale = Math.max(...pairs.map(([a]) => Math.abs(a)));
  return Math.max(...pairs.map(([a, n]) => Math.abs(a - n))) / scale;
}

describe('LinEAS backward twins', () => {
  it('matmul-t is dy·W (the transpose of matmulCpu)', () => {
    const rows = 7;
    const cols = 6;
    const W = normals(rows * cols);
    const x = normals(2 * cols);
    const dy = normals(2 * rows);
    const y = matmulCpu('plain', { rows, cols, inStride: cols, outStride: rows, inTokenOffset: 0, hasBias: false, eps: 0 }, x, null, W, null, 2);
    const dx = matmulTCpu({ rows, cols, inStride: rows, outStride: cols, accumulate: false }, dy, W, 2);
    // ⟨dy, W x⟩ = ⟨dyᵀW, x⟩
    expect(dot(dx, x)).toBeCloseTo(dot(dy, y), 4);
  });

  it('rmsnorm-backward matches finite differences', () => {
    const dim = 8;
    const x = normals(2 * dim, 1.5);
    const g = normals(dim, 0.3, 1);
    const dy = normals(2 * dim);
    const eps = 1e-5;
    const loss = () => {
      let s = 0;
      for (let t = 0; t < 2; t++) {
        let ss = 0;
        for (let j = 0; j < dim; j++) ss += x[t * dim + j] ** 2;
        const r = 1 / Math.sqrt(ss / dim + eps);
        for (let j = 0; j < dim; j++) s += dy[t * dim + j] * x[t * dim + j] * r * g[j];
      }
      return s;
    };
    const dx = rmsnormBackwardCpu(dim, eps, x, g, dy, new Float32Array(2 * dim), 2);
    expect(relErr(Array.from(dx, (a, i) => [a, fd(x, i, loss)]))).toBeLessThan(1e-3);
  });

  it('rope: the inverse rotation undoes the forward one and is its transpose', () => {
    const s: PackedHeads = { nHeads: 2, nKv: 1, headDim: 8, qkvStride: 32 };
    const batch = packBatch([3, 2]);
    const table = ropeTable(8, 10000, 3);
    const a = normals(5 * 32);
    const b = normals(5 * 32);
    const ra = a.slice();
    ropePackedCpu(s, ra, table, batch.tok, 5, 1);
    const rb = b.slice();
    ropePackedCpu(s, rb, table, batch.tok, 5, -1);
    expect(dot(ra, b)).toBeCloseTo(dot(a, rb), 4);
    ropePackedCpu(s, ra, table, batch.tok, 5, -1);
    for (let i = 0; i < a.length; i++) expect(ra[i]).toBeCloseTo(a[i], 5);
  });

  it('attention-backward matches finite differences of attention-packed (GQA, two prompts)', () => {
    const s: PackedHeads = { nHeads: 4, nKv: 2, headDim: 4, qkvStride: 32 };
    const batch = packBatch([3, 4]);
    const T = 7;
    const qkv = normals(T * 32);
    const dOut = normals(T * 16);
    const loss = () => dot(attentionPackedCpu(s, qkv, batch.tok, T, 16).out, dOut);
    const d = attentionBackwardCpu(s, qkv, batch.tok, dOut, T, 16);
    const probe = Array.from({ length: 60 }, (_, k) => (k * 37) % qkv.length);
    expect(relErr(probe.map((i) => [d[i], fd(qkv, i, loss, 1e-2)]))).toBeLessThan(2e-3);
  });

  it('silu-mul-backward matches finite differences', () => {
    const inter = 5;
    const gu = normals(2 * 2 * inter, 1.5);
    const dact = normals(2 * inter);
    const loss = () => {
      let sum = 0;
      for (let t = 0; t < 2; t++) for (let j = 0; j < inter; j++) {
        const g = gu[t * 2 * inter + j];
        sum += dact[t * inter + j] * (g / (1 + Math.exp(-g))) * gu[t * 2 * inter + inter + j];
      }
      return sum;
    };
    const d = siluMulBackwardCpu(inter, gu, dact, 2);
    expect(relErr(Array.from(d, (a, i) => [a, fd(gu, i, loss)]))).toBeLessThan(1e-3);
  });

  it('map-backward (gate + pooling) matches finite differences of map-forward + mean-pool', () => {
    const dim = 6;
    const batch = packBatch([2, 3]);
    const T = 5;
    const z = normals(T * dim);
    const gin = normals(T * dim);
    const dpooled = normals(2 * dim);
    const params = { w: normals(dim, 0.3, 1), b: normals(dim, 0.3), gate: { a: normals(dim, 0.5), c: 0.2 } };
    // loss = ⟨gin, z'⟩ + ⟨dpooled, pooled(z')⟩, z' the gated map of z.
    const loss = (packed: Float32Array) => {
      const x = new Float32Array(T * dim);
      const strengths = new Float32Array(T);
      mapForwardCpu({ dim, mode: 1, hasMap: true, hasGate: true, slot: 0, nSlots: 1 }, z, x, packed, strengths, T);
      const pooled = new Float32Array(2 * dim);
      meanPoolCpu({ dim, hasMap: true, hasGate: true, slot: 0, nSlots: 1, poolSlot: 0, maxPrompts: 2 }, z, packed, strengths, batch.prompts, 2, pooled);
      return dot(gin, x) + dot(dpooled, pooled);
    };
    const packed = packTrainMap(params, dim);
    const strengths = new Float32Array(T);
    mapForwardCpu({ dim, mode: 1, hasMap: true, hasGate: true, slot: 0, nSlots: 1 }, z, new Float32Array(T * dim), packed, strengths, T);
    const site: MapBackSite = { dim, hasMap: true, hasGate: true, hasPool: true, slot: 0, nSlots: 1, poolSlot: 0, maxPrompts: 2, gradBase: 0, dlogitBase: 0 };
    const grads = new Float32Array(mapGradFloats(dim));
    const dz = mapBackwardCpu(site, gin, z, packed, strengths, batch.tok, dpooled, T, grads);
    const f = () => loss(packed);
    const paramIdx = [...Array.from({ length: 3 * dim }, (_, i) => i), 3 * dim];
    expect(relErr(paramIdx.map((i) => [grads[i], fd(packed, i, f, 1e-3)]))).toBeLessThan(1e-3);
    expect(relErr(Array.from(dz, (a, i) => [a, fd(z, i, f, 1e-3)]))).toBeLessThan(1e-3);
  });
});
