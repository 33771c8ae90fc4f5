/** Cases for steer-residual.wgsl: modes 0/1, with/without map, DSAS gate (strengths), range, record (rec), λ = 0. */
import { packMap, steerCount, steerCpu, steerParams, steerPipeline, steerWorkgroups, type SteerPass, type SteerSite } from '../../kernels/steer-residual.ts';
import { matmulTCpu } from '../../kernels/backward/matmul-t.ts';
import { matmulParams, type MatmulShape } from '../../kernels/matmul.ts';
import { matmulSteerCpu, matmulSteerPipeline, matmulSteerWorkgroups, type MatmulSteerInput } from '../../kernels/matmul-steer.ts';
import { rowWords, transposeWords } from '../../kernels/weights-access.ts';
import { FLOAT_FORMAT, type GpuWeightDType } from './compare.ts';
import type { HookMap } from '../../core/steer-map.ts';
import { diff, filled, normals, packF16, roundF16 } from './compare.ts';
import { dispatchOnce, readF32 } from './gpu-run.ts';
import type { KernelCases } from './types.ts';

interface SteerCase {
  mode: 0 | 1;
  map: boolean;
  gate: boolean;
  range: boolean;
  record: boolean;
  lambda: number;
  /** Default 100 neurons (more than the 64 threads of a workgroup: some threads own two). */
  dim?: number;
  /** Default 3. */
  tokens?: number;
  /** A workgroup per token (decode) or a thread per token (prefill). */
  pass: SteerPass;
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
    await dispatchOnce(g, steerPipeline(g.cache, c.pass), bufs, steerWorkgroups(TOKENS, c.pass), `steer-residual-${c.pass}`);
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

// Every case with both passes (the -per-thread names: a thread per token, as prefill runs it).
export const steerCases: KernelCases = {
  'mode0-plain-add': steerCase({ mode: 0, map: false, gate: false, range: false, record: false, lambda: 0.8, pass: 'perToken' }),
  'mode0-plain-add-per-thread': steerCase({ mode: 0, map: false, gate: false, range: false, record: false, lambda: 0.8, pass: 'perThread' }),
  'mode0-map': steerCase({ mode: 0, map: true, gate: false, range: false, record: false, lambda: 0.8, pass: 'perToken' }),
  'mode0-map-per-thread': steerCase({ mode: 0, map: true, gate: false, range: false, record: false, lambda: 0.8, pass: 'perThread' }),
  'mode1-map': steerCase({ mode: 1, map: true, gate: false, range: false, record: false, lambda: 1.3, pass: 'perToken' }),
  'mode1-map-per-thread': steerCase({ mode: 1, map: true, gate: false, range: false, record: false, lambda: 1.3, pass: 'perThread' }),
  'mode0-gate': steerCase({ mode: 0, map: true, gate: true, range: false, record: false, lambda: 1, pass: 'perToken' }),
  'mode0-gate-per-thread': steerCase({ mode: 0, map: true, gate: true, range: false, record: false, lambda: 1, pass: 'perThread' }),
  'mode1-gate': steerCase({ mode: 1, map: true, gate: true, range: false, record: false, lambda: 2, pass: 'perToken' }),
  'mode1-gate-per-thread': steerCase({ mode: 1, map: true, gate: true, range: false, record: false, lambda: 2, pass: 'perThread' }),
  'mode0-range': steerCase({ mode: 0, map: true, gate: false, range: true, record: false, lambda: 1, pass: 'perToken' }),
  'mode0-range-per-thread': steerCase({ mode: 0, map: true, gate: false, range: true, record: false, lambda: 1, pass: 'perThread' }),
  'mode1-gate-range-record': steerCase({ mode: 1, map: true, gate: true, range: true, record: true, lambda: 0.7, pass: 'perToken' }),
  'mode1-gate-range-record-per-thread': steerCase({ mode: 1, map: true, gate: true, range: true, record: true, lambda: 0.7, pass: 'perThread' }),
  'mode0-gate-record': steerCase({ mode: 0, map: true, gate: true, range: false, record: true, lambda: 1.5, pass: 'perToken' }),
  'mode0-gate-record-per-thread': steerCase({ mode: 0, map: true, gate: true, range: false, record: true, lambda: 1.5, pass: 'perThread' }),
  'mode1-record-only': steerCase({ mode: 1, map: false, gate: false, range: false, record: true, lambda: 1, pass: 'perToken' }),
  'mode1-record-only-per-thread': steerCase({ mode: 1, map: false, gate: false, range: false, record: true, lambda: 1, pass: 'perThread' }),
  'mode0-lambda0': steerCase({ mode: 0, map: true, gate: true, range: true, record: false, lambda: 0, pass: 'perToken' }),
  'mode0-lambda0-per-thread': steerCase({ mode: 0, map: true, gate: true, range: true, record: false, lambda: 0, pass: 'perThread' }),
  'mode1-lambda0': steerCase({ mode: 1, map: true, gate: true, range: false, record: true, lambda: 0, pass: 'perToken' }),
  'mode1-lambda0-per-thread': steerCase({ mode: 1, map: true, gate: true, range: false, record: true, lambda: 0, pass: 'perThread' }),
  'mode0-gate-dim300': steerCase({ mode: 0, map: true, gate: true, range: false, record: true, lambda: 1, dim: 300, pass: 'perToken' }),
  'mode0-gate-dim300-per-thread': steerCase({ mode: 0, map: true, gate: true, range: false, record: true, lambda: 1, dim: 300, pass: 'perThread' }),
  'mode1-gate-range-record-40-tokens': steerCase({ mode: 1, map: true, gate: true, range: true, record: true, lambda: 0.9, dim: 70, tokens: 40, pass: 'perToken' }),
  'mode1-gate-range-record-40-tokens-per-thread': steerCase({ mode: 1, map: true, gate: true, range: true, record: true, lambda: 0.9, dim: 70, tokens: 40, pass: 'perThread' }),
  // Fewer neurons than the workgroup's 64 threads (most threads own none, their part of the gate is 0).
  'mode0-gate-range-dim40': steerCase({ mode: 0, map: true, gate: true, range: true, record: true, lambda: 1.1, dim: 40, tokens: 5, pass: 'perToken' }),
  'mode0-gate-range-dim40-per-thread': steerCase({ mode: 0, map: true, gate: true, range: true, record: true, lambda: 1.1, dim: 40, tokens: 5, pass: 'perThread' }),
};

interface FusedCase {
  input: MatmulSteerInput;
  dtype: GpuWeightDType;
  /** Hidden size (the matmul's rows, ≤ 64). */
  dim: number;
  /** The matmul's columns. */
  cols: number;
  gate: boolean;
  range: boolean;
  lambda: number;
}

/**
 * Cases for matmul-steer.wgsl (a hook fused into the matmul that produces its input, one token): the residual x
 * against matmulSteerCpu (matmulCpu, then steerCpu) and s. Parts x, strengths; rec is empty (never recorded).
 */
function fusedCase(c: FusedCase): KernelCases[string] {
  return async (g, rng, b) => {
    const { dim, cols, dtype } = c;
    const site: SteerSite = { dim, mode: 0, hasMap: true, hasGate: c.gate, hasRange: c.range, record: false, slot: c.gate ? 2 : 0, nSlots: N_SLOTS, recordSlot: 0, maxTokens: 1, lambda: c.lambda };
    const inStride = c.input === 'silu-mul' ? 2 * cols : cols;
    const shape: MatmulShape = { rows: dim, cols, inStride, outStride: dim, inTokenOffset: 0, hasBias: false, eps: 0 };
    const xin = normals(rng, inStride);
    const y0 = normals(rng, dim);
    const map: HookMap = { w: normals(rng, dim, 0.5, 1), b: normals(rng, dim, 0.3) };
    if (c.gate) map.gate = { a: normals(rng, dim, 1.5 / Math.sqrt(dim)), c: 0.3 };
    if (c.range) map.range = { lo: normals(rng, dim, 0.2, -0.5), hi: normals(rng, dim, 0.2, 0.7) };
    const packed = packMap(map, dim);
    const Wf = normals(rng, dim * cols, 1 / Math.sqrt(cols));
    const words = dtype === 'f32' ? new Uint32Array(Wf.buffer, Wf.byteOffset, Wf.length) : packF16(Wf);
    const Wgpu = transposeWords(words, dim, rowWords(FLOAT_FORMAT[dtype], cols));
    const Wcpu = dtype === 'f32' ? Wf : roundF16(Wf);
    const tail = 4;
    const yInit = filled(dim + tail);
    yInit.set(y0);
    const y = b.storage(yInit, 'y');
    const strengths = b.storage(filled(N_SLOTS), 'strengths');
    // The projected gate vector Wᵀa (the engine computes it with matmul-t, checked on its own in the backward kernels).
    const gproj = c.gate ? matmulTCpu({ rows: dim, cols, inStride: dim, outStride: cols, accumulate: false }, map.gate!.a, Wcpu, 1) : filled(4);
    const bufs = [b.uniform(matmulParams(shape), 'params'), b.storage(xin, 'x'), b.storage(Wgpu, 'W'), y, b.uniform(steerParams(site), 'steer'), b.storage(packed, 'map'), strengths, b.storage(gproj, 'gproj')];
    await dispatchOnce(g, matmulSteerPipeline(g.cache, c.input, FLOAT_FORMAT[dtype], c.gate), bufs, matmulSteerWorkgroups(1), 'matmul-steer');
    const wantY = yInit.slice();
    const gate = matmulSteerCpu(c.input, site, shape, xin, Wcpu, wantY, packed);
    const wantS = filled(N_SLOTS);
    if (c.gate) wantS[site.slot] = gate;
    return {
      parts: { x: diff(await readF32(g, y, dim + tail), wantY), strengths: diff(await readF32(g, strengths, N_SLOTS), wantS), rec: diff([], []) },
      info: { fused: true, input: c.input, dtype, dim, cols, map: true, gate: c.gate, range: c.range, record: false, lambda: c.lambda },
    };
  };
}

Object.assign(steerCases, {
  'fused-o_proj-f32': fusedCase({ input: 'plain', dtype: 'f32', dim: 64, cols: 64, gate: true, range: false, lambda: 1 }),
  'fused-down-f16': fusedCase({ input: 'silu-mul', dtype: 'f16', dim: 64, cols: 172, gate: true, range: false, lambda: 1.4 }),
  'fused-down-f32-range': fusedCase({ input: 'silu-mul', dtype: 'f32', dim: 48, cols: 96, gate: true, range: true, lambda: 0.8 }),
  'fused-o_proj-f16-ungated-range': fusedCase({ input: 'plain', dtype: 'f16', dim: 40, cols: 56, gate: false, range: true, lambda: 2 }),
});
