// Float64 CPU forward with a tape and the matching backward for LinEAS (spec section 5): gradients with respect to
// activations only (the model is frozen), flowing into every hook map's (w, b) and, for gated maps, (a, c).
// Semantics of the forward are those of src/model/cpu-forward.ts at λ = 1 (one prompt, positions 0..T−1, no cache).
import { applyRope, ropeInvFreq } from '../../model/cpu/ops.ts';
import type { CpuWeights } from '../../model/cpu/weights.ts';
import { hookName, hookOrder, parseHookName, type HookKind, type HookName, type ModelSpec } from '../../model/spec.ts';
import type { GradMaps, MapParams, ParamMaps } from './params.ts';

interface Lin {
  w: Float32Array;
  /** The weight transposed ([in, out]), for the backward. */
  wT: Float32Array;
  bias?: Float32Array;
  inDim: number;
  outDim: number;
}

interface LayerWeights {
  inputNorm: Float32Array;
  postNorm: Float32Array;
  q: Lin;
  k: Lin;
  v: Lin;
  o: Lin;
  gate: Lin;
  up: Lin;
  down: Lin;
}

/** What the backward needs at one mapped hook: the activation arriving at it (pre-map) and the gate value per position. */
interface HookTape {
  z: Float64Array;
  s: Float64Array | null;
}

/** Stage of a layer reached by the forward: 0 = attention and its hook, 1 = also the MLP, 2 = also the resid hook. */
type Stage = 0 | 1 | 2;
const STAGE_OF: Record<HookKind, Stage> = { attn: 0, mlp: 1, resid: 2 };

interface LayerTape {
  stage: Stage;
  /** Residual stream entering the layer (T×D) and 1/rms per position. */
  xIn: Float64Array;
  rIn: Float64Array;
  /** q (T×H·hd) and k (T×KV·hd) after RoPE, v (T×KV·hd). */
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  /** Attention probabilities, [head][query t][key s ≤ t] in an H×T×T block. */
  probs: Float64Array;
  /** Residual stream after the attention add (T×D) and 1/rms per position (stage ≥ 1). */
  xMid: Float64Array | null;
  rMid: Float64Array | null;
  /** gate_proj and up_proj outputs (T×I) (stage ≥ 1). */
  gate: Float64Array | null;
  up: Float64Array | null;
  hooks: Partial<Record<HookKind, HookTape>>;
}

/** One prompt's forward record. */
export interface PromptTape {
  readonly T: number;
  readonly layers: LayerTape[];
  /** Mean over positions of each pooled hook's activation after that hook's own map (λ = 1, gate included). */
  readonly pooled: Map<HookName, Float64Array>;
  /** Per gated mapped hook, the gate value s per position. */
  readonly strengths: Map<HookName, Float64Array>;
  readonly maps: ParamMaps;
}

/**
 * The frozen model prepared for LinEAS on the CPU: forward with a tape, backward into the map parameters.
 *
 * Pooled value of a hook = mean over the prompt's positions (BOS included) of the activation after the hook's own map,
 * so a hook's loss reaches its own map and every earlier one. The forward stops after the last needed hook.
 */
export class CpuLineasModel {
  readonly D: number;
  private readonly layers: LayerWeights[] = [];
  private readonly invFreq: Float64Array;

  constructor(
    readonly spec: ModelSpec,
    private readonly weights: CpuWeights,
  ) {
    if (spec.numHeads % spec.numKvHeads !== 0 || spec.headDim % 2 !== 0) {
      throw new Error(`unsupported attention shape: ${spec.numHeads} heads, ${spec.numKvHeads} KV heads, head dim ${spec.headDim}`);
    }
    this.D = spec.hiddenSize;
    this.invFreq = ropeInvFreq(spec.headDim, spec.ropeTheta);
    const { hiddenSize: D, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: hd } = spec;
    for (let l = 0; l < spec.numLayers; l++) {
      const p = `model.layers.${l}.`;
      const lin = (name: string, inDim: number, outDim: number, needBias = false): Lin => {
        const w = weights.get(p + name + '.weight');
        if (w.length !== inDim * outDim) throw new Error(`${p + name}.weight has ${w.length} values, expected ${outDim}×${inDim}`);
        const has = needBias || weights.has(p + name + '.bias');
        return { w, wT: transpose(w, outDim, inDim), bias: has ? weights.get(p + name + '.bias') : undefined, inDim, outDim };
      };
      this.layers.push({
        inputNorm: weights.get(p + 'input_layernorm.weight'),
        postNorm: weights.get(p + 'post_attention_layernorm.weight'),
        q: lin('self_attn.q_proj', D, H * hd, spec.qkvBias),
        k: lin('self_attn.k_proj', D, KV * hd, spec.qkvBias),
        v: lin('self_attn.v_proj', D, KV * hd, spec.qkvBias),
        o: lin('self_attn.o_proj', H * hd, D),
        gate: lin('mlp.gate_proj', D, I),
        up: lin('mlp.up_proj', D, I),
        down: lin('mlp.down_proj', I, D),
      });
    }
  }

  /**
   * Runs one prompt (positions 0..T−1) with every map in `maps` active (λ = 1, gates where present) and pools `pool`.
   * Stops after the last hook that is mapped or pooled.
   */
  forward(ids: readonly number[], maps: ParamMaps, pool: readonly HookName[]): PromptTape {
    const { spec, D } = this;
    const T = ids.length;
    if (T === 0) throw new Error('LinEAS forward: empty prompt');
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= spec.vocabSize) throw new Error(`token id ${id} is out of range`);
    }
    for (const [h, m] of maps) checkParams(spec, h, m);
    for (const h of pool) checkHook(spec, h);
    const needed = [...maps.keys(), ...pool];
    if (needed.length === 0) throw new Error('LinEAS forward: no hooks');
    const last = needed.reduce((a, b) => (hookOrder(a) >= hookOrder(b) ? a : b));
    const { layer: lastLayer, kind: lastKind } = parseHookName(last);
    const poolSet = new Set(pool);
    const pooled = new Map<HookName, Float64Array>();
    const strengths = new Map<HookName, Float64Array>();
    const { numHeads: H, numKvHeads: KV, headDim: hd, intermediateSize: I, rmsNormEps: eps } = spec;

    const embed = this.weights.get('model.embed_tokens.weight');
    let x = new Float64Array(T * D);
    for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) x[t * D + j] = embed[ids[t] * D + j];

    const tapes: LayerTape[] = [];
    const atHook = (layer: number, kind: HookKind, a: Float64Array, lt: LayerTape): void => {
      const name = hookName(layer, kind);
      const m = maps.get(name);
      if (m) {
        const ht = applyMap(m, a, T, D);
        lt.hooks[kind] = ht;
        if (ht.s) strengths.set(name, ht.s);
      }
      if (poolSet.has(name)) pooled.set(name, meanRows(a, T, D));
    };

    for (let l = 0; l <= lastLayer; l++) {
      const W = this.layers[l];
      const stage: Stage = l < lastLayer ? 2 : STAGE_OF[lastKind];
      const rIn = invRms(x, T, D, eps);
      const h1 = normed(x, rIn, W.inputNorm, T, D);
      const q = linRows(h1, T, W.q);
      const k = linRows(h1, T, W.k);
      const v = linRows(h1, T, W.v);
      for (let t = 0; t < T; t++) {
        applyRope(q.subarray(t * H * hd, (t + 1) * H * hd), H, hd, t, this.invFreq);
        applyRope(k.subarray(t * KV * hd, (t + 1) * KV * hd), KV, hd, t, this.invFreq);
      }
      const { out: att, probs } = attentionForward(q, k, v, T, H, KV, hd);
      const o = linRows(att, T, W.o);
      const lt: LayerTape = { stage, xIn: x, rIn, q, k, v, probs, xMid: null, rMid: null, gate: null, up: null, hooks: {} };
      tapes.push(lt);
      atHook(l, 'attn', o, lt);
      const xMid = new Float64Array(T * D);
      for (let i = 0; i < T * D; i++) xMid[i] = x[i] + o[i];
      x = xMid;
      if (stage === 0) break;

      const rMid = invRms(xMid, T, D, eps);
      const h2 = normed(xMid, rMid, W.postNorm, T, D);
      const gate = linRows(h2, T, W.gate);
      const up = linRows(h2, T, W.up);
      const act = new Float64Array(T * I);
      for (let i = 0; i < T * I; i++) act[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
      const m = linRows(act, T, W.down);
      Object.assign(lt, { xMid, rMid, gate, up });
      atHook(l, 'mlp', m, lt);
      const xOut = new Float64Array(T * D);
      for (let i = 0; i < T * D; i++) xOut[i] = xMid[i] + m[i];
      x = xOut;
      if (stage === 1) break;
      atHook(l, 'resid', x, lt); // steers the stream itself, in place
    }
    return { T, layers: tapes, pooled, strengths, maps };
  }

  /**
   * Backward of one prompt: `dPooled` holds dLoss/d(pooled hook value) for hooks pooled by the forward; the map
   * gradients are ADDED into `grads` (which must have an entry, with a gate part for gated maps, per mapped hook).
   */
  backward(tape: PromptTape, dPooled: Map<HookName, Float64Array>, grads: GradMaps): void {
    const { spec, D } = this;
    const { T, maps } = tape;
    const { numHeads: H, numKvHeads: KV, headDim: hd, intermediateSize: I } = spec;
    let lossLayer = -1;
    for (const h of dPooled.keys()) {
      if (!tape.pooled.has(h)) throw new Error(`backward: hook ${h} was not pooled by the forward`);
      lossLayer = Math.max(lossLayer, parseHookName(h).layer);
    }
    if (lossLayer < 0 || maps.size === 0) return;
    for (const h of maps.keys()) {
      const g = grads.get(h);
      if (!g) throw new Error(`backward: no gradient slot for hook ${h}`);
      if (maps.get(h)!.gate && !g.gate) throw new Error(`backward: no gate gradient slot for gated hook ${h}`);
    }
    // Forward order of the earliest map: the backward stops once nothing earlier is left to reach.
    const firstMapOrder = Math.min(...[...maps.keys()].map(hookOrder));
    const earlierMapExists = (layer: number, kind: HookKind): boolean => firstMapOrder < hookOrder(hookName(layer, kind));

    const inv = 1 / T;
    const addPooledGrad = (g: Float64Array, layer: number, kind: HookKind): void => {
      const dp = dPooled.get(hookName(layer, kind));
      if (!dp) return;
      for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) g[t * D + j] += dp[j] * inv;
    };
    const mapBack = (g: Float64Array, layer: number, kind: HookKind, lt: LayerTape): void => {
      const name = hookName(layer, kind);
      const m = maps.get(name);
      if (m) mapBackward(m, lt.hooks[kind]!, g, grads.get(name)!, T, D);
    };

    const dx = new Float64Array(T * D); // dLoss/d(residual stream) at the current point
    for (let l = lossLayer; l >= 0; l--) {
      const lt = tape.layers[l];
      const W = this.layers[l];
      if (lt.stage === 2) {
        addPooledGrad(dx, l, 'resid');
        mapBack(dx, l, 'resid', lt);
      }
      if (lt.stage >= 1) {
        const dm = Float64Array.from(dx);
        addPooledGrad(dm, l, 'mlp');
        mapBack(dm, l, 'mlp', lt);
        if (!earlierMapExists(l, 'mlp')) return;
        if (anyNonZero(dm)) {
          const dact = new Float64Array(T * I);
          linTransposeAdd(dm, T, W.down, dact);
          const gate = lt.gate!;
          const up = lt.up!;
          const dg = new Float64Array(T * I);
          const du = new Float64Array(T * I);
          for (let i = 0; i < T * I; i++) {
            const g = gate[i];
            const sig = 1 / (1 + Math.exp(-g));
            du[i] = dact[i] * g * sig;
            dg[i] = dact[i] * up[i] * sig * (1 + g * (1 - sig));
          }
          const dh2 = new Float64Array(T * D);
          linTransposeAdd(dg, T, W.gate, dh2);
          linTransposeAdd(du, T, W.up, dh2);
          rmsBackwardAdd(lt.xMid!, lt.rMid!, W.postNorm, dh2, dx, T, D);
        }
      }
      const dout = Float64Array.from(dx);
      addPooledGrad(dout, l, 'attn');
      mapBack(dout, l, 'attn', lt);
      if (!earlierMapExists(l, 'attn')) return;
      if (anyNonZero(dout)) {
        const datt = new Float64Array(T * H * hd);
        linTransposeAdd(dout, T, W.o, datt);
        const { dq, dk, dv } = attentionBackward(datt, lt.q, lt.k, lt.v, lt.probs, T, H, KV, hd);
        for (let t = 0; t < T; t++) {
          // RoPE is a rotation: its transpose is the rotation by the opposite angle.
          applyRope(dq.subarray(t * H * hd, (t + 1) * H * hd), H, hd, -t, this.invFreq);
          applyRope(dk.subarray(t * KV * hd, (t + 1) * KV * hd), KV, hd, -t, this.invFreq);
        }
        const dh1 = new Float64Array(T * D);
        linTransposeAdd(dq, T, W.q, dh1);
        linTransposeAdd(dk, T, W.k, dh1);
        linTransposeAdd(dv, T, W.v, dh1);
        rmsBackwardAdd(lt.xIn, lt.rIn, W.inputNorm, dh1, dx, T, D);
      }
      // dx now is dLoss/d(stream entering layer l) = dLoss/d(stream leaving layer l − 1).
    }
  }
}

function checkHook(spec: ModelSpec, name: HookName): void {
  const { layer } = parseHookName(name);
  if (layer >= spec.numLayers) throw new Error(`hook "${name}": the model has ${spec.numLayers} layers`);
}

function checkParams(spec: ModelSpec, name: HookName, m: MapParams): void {
  checkHook(spec, name);
  const d = spec.hiddenSize;
  if (m.w.length !== d || m.b.length !== d || (m.gate && m.gate.a.length !== d)) {
    throw new Error(`hook "${name}": map parameters must have ${d} values each`);
  }
}

/** Applies z' = z + s·((w − 1)⊙z + b) in place on T rows; returns the pre-map copy and s per position. */
function applyMap(m: MapParams, a: Float64Array, T: number, D: number): HookTape {
  const z = Float64Array.from(a);
  const s = m.gate ? new Float64Array(T) : null;
  const { w, b } = m;
  for (let t = 0; t < T; t++) {
    const o = t * D;
    let st = 1;
    if (m.gate) {
      let dot = m.gate.c;
      for (let j = 0; j < D; j++) dot += m.gate.a[j] * z[o + j];
      st = 1 / (1 + Math.exp(-dot));
      s![t] = st;
    }
    for (let j = 0; j < D; j++) a[o + j] = z[o + j] + st * ((w[j] - 1) * z[o + j] + b[j]);
  }
  return { z, s };
}

/**
 * Backward of the map at one hook: g holds dL/dz' on entry and dL/dz on exit; parameter gradients are added.
 * dz'/dz = diag(1 + s·(w − 1)) + ((w − 1)⊙z + b)·s(1 − s)·aᵀ.
 */
function mapBackward(
  m: MapParams,
  tape: HookTape,
  g: Float64Array,
  grad: { w: Float64Array; b: Float64Array; gate?: { a: Float64Array; c: number } },
  T: number,
  D: number,
): void {
  const { w, b } = m;
  const { z, s } = tape;
  for (let t = 0; t < T; t++) {
    const o = t * D;
    const st = s ? s[t] : 1;
    let dlogit = 0;
    if (m.gate) {
      let r = 0;
      for (let j = 0; j < D; j++) r += g[o + j] * ((w[j] - 1) * z[o + j] + b[j]);
      dlogit = r * st * (1 - st);
      const ga = grad.gate!;
      ga.c += dlogit;
      for (let j = 0; j < D; j++) ga.a[j] += dlogit * z[o + j];
    }
    for (let j = 0; j < D; j++) {
      const gj = g[o + j];
      grad.w[j] += st * z[o + j] * gj;
      grad.b[j] += st * gj;
      g[o + j] = gj * (1 + st * (w[j] - 1)) + (m.gate ? dlogit * m.gate.a[j] : 0);
    }
  }
}

/** y = x Wᵀ (+ bias) for T rows; per output the same summation order as cpu-ops `linear`. Four rows share each weight load. */
function linRows(x: Float64Array, T: number, lin: Lin): Float64Array {
  const { w, bias, inDim: n, outDim: m } = lin;
  const y = new Float64Array(T * m);
  rowsTimesMatrix(x, T, w, n, m, y, false);
  if (bias) for (let t = 0; t < T; t++) for (let o = 0; o < m; o++) y[t * m + o] += bias[o];
  return y;
}

/** dx += dy W for T rows (the transpose of a Linear; biases do not matter for activation gradients). */
function linTransposeAdd(dy: Float64Array, T: number, lin: Lin, dx: Float64Array): void {
  rowsTimesMatrix(dy, T, lin.wT, lin.outDim, lin.inDim, dx, true);
}

/**
 * out[t, o] (+)= Σ_i a[t, i]·M[o, i] for T rows, M row-major [m, n]. Blocks of 8 rows (then 4, then 1) share each
 * weight load: about twice the speed of one row at a time. Each sum runs over i in order.
 */
function rowsTimesMatrix(a: Float64Array, T: number, M: Float32Array, n: number, m: number, out: Float64Array, accumulate: boolean): void {
  let t = 0;
  for (; t + 8 <= T; t += 8) {
    const a0 = t * n;
    const a1 = a0 + n;
    const a2 = a1 + n;
    const a3 = a2 + n;
    const a4 = a3 + n;
    const a5 = a4 + n;
    const a6 = a5 + n;
    const a7 = a6 + n;
    for (let o = 0; o < m; o++) {
      const row = o * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let i = 0; i < n; i++) {
        const wv = M[row + i];
        s0 += wv * a[a0 + i];
        s1 += wv * a[a1 + i];
        s2 += wv * a[a2 + i];
        s3 += wv * a[a3 + i];
        s4 += wv * a[a4 + i];
        s5 += wv * a[a5 + i];
        s6 += wv * a[a6 + i];
        s7 += wv * a[a7 + i];
      }
      const y = t * m + o;
      store4(out, y, m, s0, s1, s2, s3, accumulate);
      store4(out, y + 4 * m, m, s4, s5, s6, s7, accumulate);
    }
  }
  for (; t + 4 <= T; t += 4) {
    const a0 = t * n;
    const a1 = a0 + n;
    const a2 = a1 + n;
    const a3 = a2 + n;
    for (let o = 0; o < m; o++) {
      const row = o * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const wv = M[row + i];
        s0 += wv * a[a0 + i];
        s1 += wv * a[a1 + i];
        s2 += wv * a[a2 + i];
        s3 += wv * a[a3 + i];
      }
      store4(out, t * m + o, m, s0, s1, s2, s3, accumulate);
    }
  }
  for (; t < T; t++) {
    const a0 = t * n;
    for (let o = 0; o < m; o++) {
      const row = o * n;
      let s0 = 0;
      for (let i = 0; i < n; i++) s0 += M[row + i] * a[a0 + i];
      if (accumulate) out[t * m + o] += s0;
      else out[t * m + o] = s0;
    }
  }
}

/** Writes (or adds) four sums at out[y], out[y + m], out[y + 2m], out[y + 3m]: the outputs of four rows, one column. */
function store4(out: Float64Array, y: number, m: number, s0: number, s1: number, s2: number, s3: number, accumulate: boolean): void {
  if (accumulate) {
    out[y] += s0;
    out[y + m] += s1;
    out[y + 2 * m] += s2;
    out[y + 3 * m] += s3;
  } else {
    out[y] = s0;
    out[y + m] = s1;
    out[y + 2 * m] = s2;
    out[y + 3 * m] = s3;
  }
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

/** 1/sqrt(mean(x²) + eps) per row. */
function invRms(x: Float64Array, T: number, D: number, eps: number): Float64Array {
  const r = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let j = 0; j < D; j++) ss += x[t * D + j] * x[t * D + j];
    r[t] = 1 / Math.sqrt(ss / D + eps);
  }
  return r;
}

function normed(x: Float64Array, r: Float64Array, w: Float32Array, T: number, D: number): Float64Array {
  const y = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) y[t * D + j] = x[t * D + j] * r[t] * w[j];
  return y;
}

/** dx += RMSNorm backward of dy: with g = dy⊙w, dx = r·g − x·r³·(x·g)/D. */
function rmsBackwardAdd(x: Float64Array, r: Float64Array, w: Float32Array, dy: Float64Array, dx: Float64Array, T: number, D: number): void {
  for (let t = 0; t < T; t++) {
    const o = t * D;
    const rt = r[t];
    let dot = 0;
    for (let j = 0; j < D; j++) dot += x[o + j] * dy[o + j] * w[j];
    const c = (rt * rt * rt * dot) / D;
    for (let j = 0; j < D; j++) dx[o + j] += rt * dy[o + j] * w[j] - x[o + j] * c;
  }
}

/** Causal GQA attention over T positions (q, k after RoPE); returns the per-head outputs and the probabilities. */
function attentionForward(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  T: number,
  H: number,
  KV: number,
  hd: number,
): { out: Float64Array; probs: Float64Array } {
  const rep = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const out = new Float64Array(T * H * hd);
  const probs = new Float64Array(H * T * T);
  for (let h = 0; h < H; h++) {
    const ko = Math.floor(h / rep) * hd;
    for (let t = 0; t < T; t++) {
      const qo = t * H * hd + h * hd;
      const po = (h * T + t) * T;
      let max = -Infinity;
      for (let s = 0; s <= t; s++) {
        const kb = s * KV * hd + ko;
        let dot = 0;
        for (let j = 0; j < hd; j++) dot += q[qo + j] * k[kb + j];
        const sc = dot * scale;
        probs[po + s] = sc;
        if (sc > max) max = sc;
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) {
        const e = Math.exp(probs[po + s] - max);
        probs[po + s] = e;
        sum += e;
      }
      for (let s = 0; s <= t; s++) {
        const p = probs[po + s] / sum;
        probs[po + s] = p;
        const vb = s * KV * hd + ko;
        for (let j = 0; j < hd; j++) out[qo + j] += p * v[vb + j];
      }
    }
  }
  return { out, probs };
}

/** Backward of attentionForward: dq (post-RoPE), dk (post-RoPE), dv; keys/values shared by a head group accumulate. */
function attentionBackward(
  dOut: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  probs: Float64Array,
  T: number,
  H: number,
  KV: number,
  hd: number,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const rep = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const dq = new Float64Array(T * H * hd);
  const dk = new Float64Array(T * KV * hd);
  const dv = new Float64Array(T * KV * hd);
  const dp = new Float64Array(T);
  for (let h = 0; h < H; h++) {
    const ko = Math.floor(h / rep) * hd;
    for (let t = 0; t < T; t++) {
      const qo = t * H * hd + h * hd;
      const po = (h * T + t) * T;
      let sum = 0;
      for (let s = 0; s <= t; s++) {
        const vb = s * KV * hd + ko;
        const p = probs[po + s];
        let dot = 0;
        for (let j = 0; j < hd; j++) {
          dot += dOut[qo + j] * v[vb + j];
          dv[vb + j] += p * dOut[qo + j];
        }
        dp[s] = dot;
        sum += p * dot;
      }
      for (let s = 0; s <= t; s++) {
        const ds = probs[po + s] * (dp[s] - sum) * scale;
        if (ds === 0) continue;
        const kb = s * KV * hd + ko;
        for (let j = 0; j < hd; j++) {
          dq[qo + j] += ds * k[kb + j];
          dk[kb + j] += ds * q[qo + j];
        }
      }
    }
  }
  return { dq, dk, dv };
}

function meanRows(a: Float64Array, T: number, D: number): Float64Array {
  const out = new Float64Array(D);
  for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) out[j] += a[t * D + j];
  for (let j = 0; j < D; j++) out[j] /= T;
  return out;
}

function anyNonZero(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return true;
  return false;
}
