/** Cases for steer-residual.wgsl: modes 0/1, with/without map, DSAS gate (strengths), range, record (rec), λ = 0. */
import { packMap, steerCount, steerCpu, steerParams, steerPasses, steerPipeline, steerWorkgroups, type SteerSite } from '../../kernels/steer-residual.ts';
import type { HookMap } from '../../steering/intervention.ts';
import { diff, filled, normals } from './compare.ts';
import { dispatchOnce, readF32 } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

interface SteerCase {
  mode: 0 | 1;
  map: boolean;
  gate: boolean;
  range: boolean;
  record: boolean;
  lambda: number;
  /** Default 100 neurons (more than one workgroup of 64; the second partial). */
  dim?: number;
  /** Default 3 (more than 16 spans several token groups of the apply pass). */
  tokens?: number;
}

const N_SLOTS = 3;
const RECORD_SLOTS = 2;

function steerCase(c: SteerCase): KernelCases[string] {
  return async (g, rng, b) => {
    const dim = c.dim ?? 100;
    const TOKENS = c.tokens ?? 3;
    const MAX_TOKENS = TOKENS + 1;
    const site: SteerSite = {
      dim,
      mode: c.mode,
      hasMap: c.map,
      hasGate: c.gate,
      hasRange: c.range,
      record: c.record,
      slot: c.gate ? 1 : 0,
      nSlots: N_SLOTS,
      recordSlot: c.record ? 1 : 0,
      maxTokens: MAX_TOKENS,
      lambda: c.lambda,
    };
    const z = normals(rng, TOKENS * dim);
    const x0 = normals(rng, TOKENS * dim);
    const map: HookMap = { w: normals(rng, dim, 0.5, 1), b: normals(rng, dim, 0.3) };
    // Gate: aᵀz + c of order 1, so σ is not saturated and its value matters.
    if (c.gate) map.gate = { a: normals(rng, dim, 1.5 / Math.sqrt(dim)), c: 0.3 };
    // Range: roughly half the neurons inside [lo, hi].
    if (c.range) map.range = { lo: normals(rng, dim, 0.2, -0.5), hi: normals(rng, dim, 0.2, 0.7) };
    const packed = packMap(map, dim);
    const strengthsLen = MAX_TOKENS * N_SLOTS;
    const recLen = RECORD_SLOTS * MAX_TOKENS * dim;
    const xBuf = b.storage(x0, 'x');
    const strengthsBuf = b.storage(filled(strengthsLen), 'strengths');
    const recBuf = b.storage(filled(recLen), 'rec');
    const bufs = [b.uniform(steerParams(site), 'params'), b.storage(z, 'z'), xBuf, c.map ? b.storage(packed, 'map') : b.storage(new Float32Array(4), 'dummy-map'), strengthsBuf, recBuf, b.uniform(steerCount(TOKENS), 'count')];
    for (const pass of steerPasses(site)) await dispatchOnce(g, steerPipeline(g.cache, pass), bufs, steerWorkgroups(dim, TOKENS, pass), `steer-residual-${pass}`);
    const gpuX = await readF32(g, xBuf, x0.length);
    const gpuStrengths = await readF32(g, strengthsBuf, strengthsLen);
    const gpuRec = await readF32(g, recBuf, recLen);

    const wantX = x0.slice();
    const wantRec = filled(recLen);
    const gates = steerCpu(site, z, wantX, packed, TOKENS, wantRec);
    // The kernel writes strengths only when gated, at [t·nSlots + slot]; everything else keeps its old value.
    const wantStrengths = filled(strengthsLen);
    if (c.gate) gates.forEach((s, t) => (wantStrengths[t * N_SLOTS + site.slot] = s));
    const parts = { x: diff(gpuX, wantX), strengths: diff(gpuStrengths, wantStrengths), rec: diff(gpuRec, wantRec) };
    if (c.lambda === 0) {
      // λ = 0 must be exactly the plain residual update, whatever the map says: x + z (mode 0) or x unchanged (mode 1).
      const plain = x0.map((v, i) => (c.mode === 0 ? v + z[i] : v));
      return { parts: { ...parts, plain: diff(gpuX, plain) }, info: { ...c, dim, tokens: TOKENS } };
    }
    return { parts, info: { ...c, dim, tokens: TOKENS } };
  };
}

export const steerCases: KernelCases = {
  'mode0-plain-add': steerCase({ mode: 0, map: false, gate: false, range: false, record: false, lambda: 0.8 }),
  'mode0-map': steerCase({ mode: 0, map: true, gate: false, range: false, record: false, lambda: 0.8 }),
  'mode1-map': steerCase({ mode: 1, map: true, gate: false, range: false, record: false, lambda: 1.3 }),
  'mode0-gate': steerCase({ mode: 0, map: true, gate: true, range: false, record: false, lambda: 1 }),
  'mode1-gate': steerCase({ mode: 1, map: true, gate: true, range: false, record: false, lambda: 2 }),
  'mode0-range': steerCase({ mode: 0, map: true, gate: false, range: true, record: false, lambda: 1 }),
  'mode1-gate-range-record': steerCase({ mode: 1, map: true, gate: true, range: true, record: true, lambda: 0.7 }),
  'mode0-gate-record': steerCase({ mode: 0, map: true, gate: true, range: false, record: true, lambda: 1.5 }),
  'mode1-record-only': steerCase({ mode: 1, map: false, gate: false, range: false, record: true, lambda: 1 }),
  'mode0-lambda0': steerCase({ mode: 0, map: true, gate: true, range: true, record: false, lambda: 0 }),
  'mode1-lambda0': steerCase({ mode: 1, map: true, gate: true, range: false, record: true, lambda: 0 }),
  'mode0-gate-dim300': steerCase({ mode: 0, map: true, gate: true, range: false, record: true, lambda: 1, dim: 300 }),
  'mode1-gate-range-record-40-tokens': steerCase({ mode: 1, map: true, gate: true, range: true, record: true, lambda: 0.9, dim: 70, tokens: 40 }),
};
