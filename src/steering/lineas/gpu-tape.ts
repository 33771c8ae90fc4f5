/**
 * The frozen model on the GPU for LinEAS training: a forward with a tape over a packed batch of prompts (prompts one
 * after another, attention causal within each prompt), stopping after the last needed hook, pooled hook rows read
 * back, and the backward (gradients with respect to activations only) into every trained map's (w, b[, a, c]).
 *
 * Semantics are those of cpu-backward.ts (CpuLineasModel) in float32: pooled value of a hook = mean over the prompt's
 * positions of the activation after the hook's own map (λ = 1, gate included). Forward kernels: embed, matmul
 * (rmsnorm / plain / silu-mul, with the fused residual add where a hook is plain) from src/kernels, and the tape
 * kernels of src/kernels/backward (packed RoPE and attention, the trainable map, mean pooling). Backward kernels:
 * src/kernels/backward. Buffers and bind groups are made when the hook set or the batch capacity changes, not per step;
 * a step writes the ids, the maps and the pooled-row gradients, and reads back the pooled rows and the gradients.
 */
import type { GpuMatrix } from '../../kernels/weights-access.ts';
import { BufferPool } from '../../gpu/buffers.ts';
import { bindGroup, type PipelineCache } from '../../gpu/pipelines.ts';
import { embedParams, embedPipeline, embedWorkgroups } from '../../kernels/embed.ts';
import { matmulParams, matmulPipeline, matmulWorkgroups, PREFILL_TILING, type MatmulInput, type MatmulShape } from '../../kernels/matmul.ts';
import { ropeTable } from '../../kernels/rope-kv.ts';
import { attentionBackwardPipeline, attentionBackwardWorkgroups, attentionPackedParams, attentionPackedPipeline, attentionPackedWorkgroups } from '../../kernels/backward/attention-packed.ts';
import { packBatch, packedCount } from '../../kernels/backward/count.ts';
import { mapBackwardParams, mapBackwardPasses, mapBackwardPipeline, mapBackwardWorkgroups, mapGradFloats, type MapBackSite } from '../../kernels/backward/map-backward.ts';
import { mapForwardParams, mapForwardPasses, mapForwardPipeline, mapForwardWorkgroups, packTrainMap, trainMapFloats, type MapForwardSite } from '../../kernels/backward/map-forward.ts';
import { matmulTParams, matmulTPipeline, matmulTWorkgroups } from '../../kernels/backward/matmul-t.ts';
import { meanPoolParams, meanPoolPipeline, meanPoolWorkgroups } from '../../kernels/backward/mean-pool.ts';
import { rmsnormBackwardParams, rmsnormBackwardPipeline, rmsnormBackwardWorkgroups } from '../../kernels/backward/rmsnorm-backward.ts';
import { ropePackedParams, ropePackedPipeline, ropePackedWorkgroups, type PackedHeads } from '../../kernels/backward/rope-packed.ts';
import { siluMulBackwardParams, siluMulBackwardPipeline, siluMulBackwardWorkgroups } from '../../kernels/backward/silu-mul-backward.ts';
import type { GpuWeights } from '../../model/gpu/gpu-weights.ts';
import { hookName, hookOrder, parseHookName, type HookKind, type HookName, type ModelSpec } from '../../model/spec.ts';
import type { GradMaps, MapGrads, ParamMaps } from './params.ts';

/** One encoder command: a dispatch (workgroups from the current batch) or a copy / clear of N-token rows. */
type Op =
  | { kind: 'dispatch'; pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; workgroups: () => [number, number, number]; label: string }
  | { kind: 'copy'; src: GPUBuffer; dst: GPUBuffer; bytes: () => number }
  | { kind: 'clear'; buf: GPUBuffer; bytes: () => number };

interface Structure {
  /** Trained hooks (forward order) and whether each has a gate. */
  mapped: HookName[];
  gated: Set<HookName>;
  /** Pooled hooks (the loss hooks), forward order. */
  pooled: HookName[];
  lastLayer: number;
  /** Stage reached in each layer: 0 attention hook, 1 MLP hook, 2 resid hook. */
  stages: number[];
  key: string;
}

const STAGE: Record<HookKind, number> = { attn: 0, mlp: 1, resid: 2 };
const KINDS: readonly HookKind[] = ['attn', 'mlp', 'resid'];

export interface TapeCapacity {
  tokens: number;
  prompts: number;
}

export class GpuLineasTape {
  private readonly D: number;
  private readonly heads: PackedHeads;
  private readonly maxPos: number;
  private structure: Structure | null = null;
  private cap: TapeCapacity = { tokens: 0, prompts: 0 };
  /** Every buffer of the current structure (made again when the hook set changes or the batch grows). */
  private pool: BufferPool | null = null;
  private forwardOps: Op[] = [];
  private backwardOps: Op[] = [];
  private cur = { tokens: 0, prompts: 0, lengths: [] as number[] };
  private buf: Record<'ids' | 'tok' | 'prompts' | 'count' | 'rope' | 'strengths' | 'pooled' | 'dpooled' | 'grads' | 'pooledStaging' | 'gradsStaging' | 'dummy', GPUBuffer> | null = null;
  private mapBufs = new Map<HookName, GPUBuffer>();
  private mapStaging = new Float32Array(0);
  /** First GPU error reported through the tape's error scopes. */
  lastError: string | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly cache: PipelineCache,
    readonly spec: ModelSpec,
    private readonly weights: GpuWeights,
  ) {
    if (spec.numHeads % spec.numKvHeads !== 0 || spec.headDim % 2 !== 0 || spec.hiddenSize % 2 !== 0 || spec.intermediateSize % 2 !== 0) {
      throw new Error(`LinEAS GPU trainer: unsupported shape (heads ${spec.numHeads}/${spec.numKvHeads}, head dim ${spec.headDim}, hidden ${spec.hiddenSize})`);
    }
    this.D = spec.hiddenSize;
    this.heads = { nHeads: spec.numHeads, nKv: spec.numKvHeads, headDim: spec.headDim, qkvStride: (spec.numHeads + 2 * spec.numKvHeads) * spec.headDim };
    this.maxPos = Math.min(spec.maxPositions, 8192);
  }

  /** Hooks with a map (gated or not) and hooks to pool; rebuilds when they change. */
  configure(maps: ParamMaps | readonly HookName[], pooled: readonly HookName[]): void {
    const mappedList = Array.isArray(maps) ? [...(maps as readonly HookName[])] : [...(maps as ParamMaps).keys()];
    const gated = new Set<HookName>(Array.isArray(maps) ? [] : [...(maps as ParamMaps)].filter(([, m]) => m.gate).map(([h]) => h));
    const byOrder = (a: HookName, b: HookName) => hookOrder(a) - hookOrder(b);
    const mapped = [...new Set(mappedList)].sort(byOrder);
    const pool = [...new Set(pooled)].sort(byOrder);
    for (const h of [...mapped, ...pool]) {
      if (parseHookName(h).layer >= this.spec.numLayers) throw new Error(`hook ${h} is outside this model's ${this.spec.numLayers} layers`);
    }
    if (pool.length === 0) throw new Error('LinEAS GPU tape: no hooks to pool');
    const key = JSON.stringify([mapped, [...gated].sort(), pool]);
    if (this.structure?.key === key) return;
    const last = [...mapped, ...pool].reduce((a, b) => (hookOrder(a) >= hookOrder(b) ? a : b));
    const { layer: lastLayer, kind } = parseHookName(last);
    const stages = Array.from({ length: lastLayer + 1 }, (_, l) => (l < lastLayer ? 2 : STAGE[kind]));
    this.structure = { mapped, gated, pooled: pool, lastLayer, stages, key };
    this.release();
  }

  get pooledHooks(): readonly HookName[] {
    return this.structure?.pooled ?? [];
  }

  /** Makes room for a batch of `tokens` tokens in `prompts` prompts (rebuilding buffers and bind groups if needed). */
  reserve(tokens: number, prompts: number): void {
    if (this.buf && tokens <= this.cap.tokens && prompts <= this.cap.prompts) return;
    this.release();
    this.cap = { tokens: Math.max(tokens, this.cap.tokens), prompts: Math.max(prompts, this.cap.prompts) };
    this.build();
  }

  /** Writes a batch of prompts (token ids, each at most the model's context). */
  setBatch(prompts: readonly (readonly number[])[]): void {
    if (prompts.length === 0) throw new Error('LinEAS GPU tape: empty batch');
    for (const p of prompts) {
      if (p.length === 0) throw new Error('LinEAS GPU tape: empty prompt');
      if (p.length > this.maxPos) throw new Error(`a prompt of ${p.length} tokens is longer than the model's context (${this.maxPos})`);
      for (const id of p) if (!Number.isInteger(id) || id < 0 || id >= this.spec.vocabSize) throw new Error(`token id ${id} is out of range`);
    }
    const lengths = prompts.map((p) => p.length);
    const packed = packBatch(lengths);
    this.reserve(packed.tokens, prompts.length);
    const B = this.buf!;
    const q = this.device.queue;
    q.writeBuffer(B.ids, 0, Uint32Array.from(prompts.flat()));
    q.writeBuffer(B.tok, 0, packed.tok);
    q.writeBuffer(B.prompts, 0, packed.prompts);
    q.writeBuffer(B.count, 0, packedCount(packed.tokens, prompts.length));
    this.cur = { tokens: packed.tokens, prompts: prompts.length, lengths };
  }

  /** Uploads the current map parameters (float32), one per configured mapped hook. */
  setMaps(maps: ParamMaps): void {
    const s = this.structure!;
    for (const h of s.mapped) {
      const m = maps.get(h);
      if (!m) throw new Error(`LinEAS GPU tape: no parameters for hook ${h}`);
      if (m.w.length !== this.D || m.b.length !== this.D || (m.gate && m.gate.a.length !== this.D)) throw new Error(`hook ${h}: map parameters must have ${this.D} values each`);
      if (Boolean(m.gate) !== s.gated.has(h)) throw new Error(`hook ${h}: gate presence changed; call configure first`);
      this.device.queue.writeBuffer(this.mapBufs.get(h)!, 0, packTrainMap(m, this.D, this.mapStaging));
    }
  }

  /** Runs the forward of the current batch and returns the pooled rows: per pooled hook, prompts × D (float32). */
  async forward(): Promise<Map<HookName, Float32Array>> {
    const B = this.buf!;
    const s = this.structure!;
    const bytes = s.pooled.length * this.cap.prompts * this.D * 4;
    const enc = this.device.createCommandEncoder({ label: 'lineas-forward' });
    this.encode(enc, this.forwardOps);
    enc.copyBufferToBuffer(B.pooled, 0, B.pooledStaging, 0, bytes);
    await this.submit(enc);
    await B.pooledStaging.mapAsync(GPUMapMode.READ, 0, bytes);
    const all = new Float32Array(B.pooledStaging.getMappedRange(0, bytes).slice(0));
    B.pooledStaging.unmap();
    const out = new Map<HookName, Float32Array>();
    s.pooled.forEach((h, slot) => out.set(h, all.slice(slot * this.cap.prompts * this.D, (slot * this.cap.prompts + this.cur.prompts) * this.D)));
    return out;
  }

  /**
   * Backward of the last forward: dPooled per pooled hook (prompts × D) → gradients of every mapped hook (float64
   * copies of the float32 sums).
   */
  async backward(dPooled: Map<HookName, Float32Array>): Promise<GradMaps> {
    const B = this.buf!;
    const s = this.structure!;
    const D = this.D;
    const data = new Float32Array(s.pooled.length * this.cap.prompts * D);
    s.pooled.forEach((h, slot) => {
      const g = dPooled.get(h);
      if (g) data.set(g.subarray(0, this.cur.prompts * D), slot * this.cap.prompts * D);
    });
    this.device.queue.writeBuffer(B.dpooled, 0, data);
    const gradBytes = Math.max(1, s.mapped.length) * mapGradFloats(D) * 4;
    const enc = this.device.createCommandEncoder({ label: 'lineas-backward' });
    this.encode(enc, this.backwardOps);
    enc.copyBufferToBuffer(B.grads, 0, B.gradsStaging, 0, gradBytes);
    await this.submit(enc);
    await B.gradsStaging.mapAsync(GPUMapMode.READ, 0, gradBytes);
    const all = new Float32Array(B.gradsStaging.getMappedRange(0, gradBytes).slice(0));
    B.gradsStaging.unmap();
    const out: GradMaps = new Map();
    s.mapped.forEach((h, i) => {
      const base = i * mapGradFloats(D);
      const g: MapGrads = { w: Float64Array.from(all.subarray(base, base + D)), b: Float64Array.from(all.subarray(base + D, base + 2 * D)) };
      if (s.gated.has(h)) g.gate = { a: Float64Array.from(all.subarray(base + 2 * D, base + 3 * D)), c: all[base + 3 * D] };
      out.set(h, g);
    });
    return out;
  }

  /**
   * Runs the forward then the backward of the current batch one command at a time, waiting for each: milliseconds per
   * command label (for finding slow kernels; the numbers include one submit and wait each). Needs setMaps and a
   * previous forward/backward pair so dPooled is set.
   */
  async profile(): Promise<{ label: string; ms: number }[]> {
    const out: { label: string; ms: number }[] = [];
    for (const op of [...this.forwardOps, ...this.backwardOps]) {
      const enc = this.device.createCommandEncoder();
      this.encode(enc, [op]);
      const t0 = performance.now();
      this.device.queue.submit([enc.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      out.push({ label: op.kind === 'dispatch' ? op.label : op.kind, ms: performance.now() - t0 });
    }
    return out;
  }

  destroy(): void {
    this.release();
    this.structure = null;
  }

  private async submit(enc: GPUCommandEncoder): Promise<void> {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.device.queue.submit([enc.finish()]);
    const oom = await this.device.popErrorScope();
    const val = await this.device.popErrorScope();
    const err = val ?? oom;
    if (err) {
      this.lastError = err.message;
      throw new Error(`LinEAS GPU tape: GPU error: ${err.message}`);
    }
  }

  private encode(enc: GPUCommandEncoder, ops: readonly Op[]): void {
    let pass: GPUComputePassEncoder | null = null;
    for (const op of ops) {
      if (op.kind === 'dispatch') {
        const [x, y, z] = op.workgroups();
        if (x === 0 || y === 0 || z === 0) continue;
        pass ??= enc.beginComputePass();
        pass.setPipeline(op.pipeline);
        pass.setBindGroup(0, op.bindGroup);
        pass.dispatchWorkgroups(x, y, z);
        continue;
      }
      if (pass) {
        pass.end();
        pass = null;
      }
      const n = op.bytes();
      if (n === 0) continue;
      if (op.kind === 'copy') enc.copyBufferToBuffer(op.src, 0, op.dst, 0, n);
      else enc.clearBuffer(op.buf, 0, n);
    }
    pass?.end();
  }

  private release(): void {
    this.pool?.destroy();
    this.pool = null;
    this.buf = null;
    this.mapBufs.clear();
    this.forwardOps = [];
    this.backwardOps = [];
  }

  private build(): void {
    const s = this.structure;
    if (!s) throw new Error('LinEAS GPU tape: configure() first');
    const dev = this.device;
    const spec = this.spec;
    const D = this.D;
    const I = spec.intermediateSize;
    const Hh = this.heads;
    const qOut = Hh.nHeads * Hh.headDim;
    const N = this.cap.tokens;
    const P = this.cap.prompts;
    const pool = new BufferPool(dev, dev.limits.maxStorageBufferBindingSize);
    this.pool = pool;
    const storage = (floats: number, label: string): GPUBuffer => pool.storage('scratch', floats * 4, label);
    const uniform = (data: ArrayBuffer, label: string): GPUBuffer => {
      const b = pool.uniform(data.byteLength, label);
      dev.queue.writeBuffer(b, 0, data);
      return b;
    };
    const staging = (bytes: number, label: string): GPUBuffer => pool.staging(bytes, label);
    const gated = s.mapped.filter((h) => s.gated.has(h));
    const nSlots = Math.max(1, gated.length);
    const nPool = s.pooled.length;
    const nMapped = Math.max(1, s.mapped.length);
    const B = {
      ids: storage(N, 'lineas.ids'),
      tok: storage(4 * N, 'lineas.tok'),
      prompts: storage(2 * P, 'lineas.prompts'),
      count: uniform(packedCount(0, 0), 'lineas.count'),
      rope: storage(this.maxPos * Hh.headDim, 'lineas.rope'),
      strengths: storage(N * nSlots, 'lineas.strengths'),
      pooled: storage(nPool * P * D, 'lineas.pooled'),
      dpooled: storage(nPool * P * D, 'lineas.dpooled'),
      grads: storage(nMapped * mapGradFloats(D) + N, 'lineas.grads'),
      pooledStaging: staging(nPool * P * D * 4, 'lineas.pooled-staging'),
      gradsStaging: staging(nMapped * mapGradFloats(D) * 4, 'lineas.grads-staging'),
      dummy: storage(4, 'lineas.dummy'),
    };
    this.buf = B;
    dev.queue.writeBuffer(B.rope, 0, ropeTable(Hh.headDim, spec.ropeTheta, this.maxPos));
    this.mapStaging = new Float32Array(trainMapFloats(D));
    for (const h of s.mapped) this.mapBufs.set(h, storage(trainMapFloats(D), `lineas.${h}.map`));

    const tokens = () => this.cur.tokens;
    const prompts = () => this.cur.prompts;
    const rowBytes = (floats: number) => () => this.cur.tokens * floats * 4;
    const dispatch = (pipeline: GPUComputePipeline, buffers: GPUBuffer[], workgroups: () => [number, number, number], label: string): Op => ({
      kind: 'dispatch',
      pipeline,
      bindGroup: bindGroup(dev, pipeline, buffers, label),
      workgroups,
      label,
    });
    // The frozen weights stay in their file format (weights-access.ts): one dispatch per row segment of a matrix; the
    // forward's segments each write their rows, the backward's add their rows' share to dx after the first.
    const matmul = (input: MatmulInput, shape: MatmulShape, x: GPUBuffer, g: GPUBuffer, W: GpuMatrix, bias: GPUBuffer, y: GPUBuffer, label: string): Op[] =>
      W.segments.map((seg, k) =>
        dispatch(matmulPipeline(this.cache, input, seg.format, PREFILL_TILING), [uniform(matmulParams({ ...shape, rows: seg.rows, rowOffset: seg.firstRow }), `${label}#${k}`), x, g, seg.buffer, bias, y, B.count], () => matmulWorkgroups(seg.rows, tokens(), PREFILL_TILING), `${label}#${k}`),
      );
    const matmulT = (dy: GPUBuffer, W: GpuMatrix, dx: GPUBuffer, label: string): Op[] =>
      W.segments.map((seg, k) =>
        dispatch(matmulTPipeline(this.cache, seg.format), [uniform(matmulTParams({ rows: seg.rows, rowOffset: seg.firstRow, cols: W.cols, inStride: W.rows, outStride: W.cols, accumulate: k > 0 }), `${label}#${k}`), dy, seg.buffer, dx, B.count], () => matmulTWorkgroups(W.cols, tokens()), `${label}#${k}`),
      );
    const rmsBack = (x: GPUBuffer, g: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, label: string): Op =>
      dispatch(rmsnormBackwardPipeline(this.cache), [uniform(rmsnormBackwardParams(D, spec.rmsNormEps), label), x, g, dy, dx, B.count], () => rmsnormBackwardWorkgroups(tokens()), label);
    const ropeParams = { fwd: uniform(ropePackedParams(Hh, 1), 'rope+'), back: uniform(ropePackedParams(Hh, -1), 'rope-') };
    const rope = (qkv: GPUBuffer, sign: 1 | -1, label: string): Op =>
      dispatch(ropePackedPipeline(this.cache), [sign === 1 ? ropeParams.fwd : ropeParams.back, qkv, B.rope, B.tok, B.count], () => ropePackedWorkgroups(Hh, tokens()), label);
    const attnParams = uniform(attentionPackedParams(Hh, qOut), 'attn');

    const mapIndex = (h: HookName) => s.mapped.indexOf(h);
    const isMapped = (h: HookName) => mapIndex(h) >= 0;
    const isPooled = (h: HookName) => s.pooled.includes(h);
    const plain = (h: HookName) => !isMapped(h) && !isPooled(h);
    const slotOf = (h: HookName) => Math.max(0, gated.indexOf(h));
    const mapBuf = (h: HookName) => this.mapBufs.get(h) ?? B.dummy;

    const hookForward = (h: HookName, mode: 0 | 1, z: GPUBuffer, x: GPUBuffer, ops: Op[]): void => {
      const site: MapForwardSite = { dim: D, mode, hasMap: isMapped(h), hasGate: s.gated.has(h), slot: slotOf(h), nSlots };
      const params = uniform(mapForwardParams(site), `${h}.map-forward`);
      for (const pass of mapForwardPasses(site)) {
        ops.push(dispatch(mapForwardPipeline(this.cache, pass), [params, z, x, mapBuf(h), B.strengths, B.count], () => mapForwardWorkgroups(D, tokens(), pass), `${h}.map-${pass}`));
      }
      const poolSlot = s.pooled.indexOf(h);
      if (poolSlot >= 0) {
        const p = uniform(meanPoolParams({ dim: D, hasMap: isMapped(h), hasGate: s.gated.has(h), slot: slotOf(h), nSlots, poolSlot, maxPrompts: P }), `${h}.pool`);
        ops.push(dispatch(meanPoolPipeline(this.cache), [p, z, mapBuf(h), B.strengths, B.prompts, B.pooled, B.count], () => meanPoolWorkgroups(D, prompts()), `${h}.pool`));
      }
    };

    // ---- forward ----
    const fwd: Op[] = [];
    const xs: GPUBuffer[] = [storage(N * D, 'lineas.x0')];
    const attnOut = storage(N * qOut, 'lineas.attnOut');
    interface LayerTape { qkv: GPUBuffer; lse: GPUBuffer; xMid: GPUBuffer | null; gu: GPUBuffer | null; z: Partial<Record<HookKind, GPUBuffer>> }
    const tapes: LayerTape[] = [];
    this.weights.embed.segments.forEach((seg, k) => {
      fwd.push(dispatch(embedPipeline(this.cache, seg.format), [uniform(embedParams(D, spec.vocabSize, seg.rows, seg.firstRow), `embed#${k}`), B.ids, seg.buffer, xs[0], B.count], () => embedWorkgroups(D, tokens()), `embed#${k}`));
    });
    for (let l = 0; l <= s.lastLayer; l++) {
      const w = this.weights.layers[l];
      const stage = s.stages[l];
      const lt: LayerTape = { qkv: storage(N * Hh.qkvStride, `lineas.${l}.qkv`), lse: storage(N * Hh.nHeads, `lineas.${l}.lse`), xMid: null, gu: null, z: {} };
      tapes.push(lt);
      const x = xs[l];
      fwd.push(...matmul('rmsnorm', { rows: Hh.qkvStride, cols: D, inStride: D, outStride: Hh.qkvStride, inTokenOffset: 0, hasBias: Boolean(w.qkvBias), eps: spec.rmsNormEps }, x, w.attnNorm, w.qkv, w.qkvBias ?? B.dummy, lt.qkv, `${l}.qkv`));
      fwd.push(rope(lt.qkv, 1, `${l}.rope`));
      fwd.push(dispatch(attentionPackedPipeline(this.cache), [attnParams, lt.qkv, B.tok, attnOut, lt.lse, B.count], () => attentionPackedWorkgroups(Hh, tokens()), `${l}.attention`));
      const attnHook = hookName(l, 'attn');
      lt.xMid = stage >= 1 ? storage(N * D, `lineas.${l}.xMid`) : null;
      const oShape = (accumulate: boolean): MatmulShape => ({ rows: D, cols: qOut, inStride: qOut, outStride: D, inTokenOffset: 0, hasBias: false, eps: 0, accumulate });
      if (lt.xMid) fwd.push({ kind: 'copy', src: x, dst: lt.xMid, bytes: rowBytes(D) });
      if (plain(attnHook)) {
        if (lt.xMid) fwd.push(...matmul('plain', oShape(true), attnOut, B.dummy, w.o, B.dummy, lt.xMid, `${l}.o_proj`));
      } else {
        lt.z.attn = storage(N * D, `lineas.${l}.zAttn`);
        fwd.push(...matmul('plain', oShape(false), attnOut, B.dummy, w.o, B.dummy, lt.z.attn, `${l}.o_proj`));
        hookForward(attnHook, 0, lt.z.attn, lt.xMid ?? storage(N * D, `lineas.${l}.xMid-unused`), fwd);
      }
      if (stage === 0) break;
      const xMid = lt.xMid!;
      lt.gu = storage(N * 2 * I, `lineas.${l}.gateUp`);
      fwd.push(...matmul('rmsnorm', { rows: 2 * I, cols: D, inStride: D, outStride: 2 * I, inTokenOffset: 0, hasBias: false, eps: spec.rmsNormEps }, xMid, w.mlpNorm, w.gateUp, B.dummy, lt.gu, `${l}.gate_up`));
      const xOut = storage(N * D, `lineas.x${l + 1}`);
      xs.push(xOut);
      fwd.push({ kind: 'copy', src: xMid, dst: xOut, bytes: rowBytes(D) });
      const mlpHook = hookName(l, 'mlp');
      const downShape = (accumulate: boolean): MatmulShape => ({ rows: D, cols: I, inStride: 2 * I, outStride: D, inTokenOffset: 0, hasBias: false, eps: 0, accumulate });
      if (plain(mlpHook)) {
        fwd.push(...matmul('silu-mul', downShape(true), lt.gu, B.dummy, w.down, B.dummy, xOut, `${l}.down`));
      } else {
        lt.z.mlp = storage(N * D, `lineas.${l}.zMlp`);
        fwd.push(...matmul('silu-mul', downShape(false), lt.gu, B.dummy, w.down, B.dummy, lt.z.mlp, `${l}.down`));
        hookForward(mlpHook, 0, lt.z.mlp, xOut, fwd);
      }
      if (stage === 1) break;
      const residHook = hookName(l, 'resid');
      if (!plain(residHook)) {
        lt.z.resid = storage(N * D, `lineas.${l}.zResid`);
        fwd.push({ kind: 'copy', src: xOut, dst: lt.z.resid, bytes: rowBytes(D) });
        hookForward(residHook, 1, lt.z.resid, xOut, fwd);
      }
    }
    this.forwardOps = fwd;

    // ---- backward ----
    const back: Op[] = [];
    const lossOrder = Math.max(...s.pooled.map(hookOrder));
    const lossLayer = parseHookName(s.pooled.reduce((a, b) => (hookOrder(a) >= hookOrder(b) ? a : b))).layer;
    const firstMapOrder = s.mapped.length > 0 ? Math.min(...s.mapped.map(hookOrder)) : Infinity;
    back.push({ kind: 'clear', buf: B.grads, bytes: () => nMapped * mapGradFloats(D) * 4 });
    if (s.mapped.length > 0 && firstMapOrder <= lossOrder) {
      let dx = storage(N * D, 'lineas.dxA');
      let dxOther = storage(N * D, 'lineas.dxB');
      const dz = storage(N * D, 'lineas.dz');
      const dh = storage(N * D, 'lineas.dh');
      const dAtt = storage(N * qOut, 'lineas.dAtt');
      const dqkv = storage(N * Hh.qkvStride, 'lineas.dqkv');
      const dAct = storage(N * I, 'lineas.dAct');
      const dGU = storage(N * 2 * I, 'lineas.dGU');
      const delta = storage(N * Hh.nHeads, 'lineas.delta');
      back.push({ kind: 'clear', buf: dx, bytes: rowBytes(D) });
      const relevant = (h: HookName) => (isMapped(h) || isPooled(h)) && hookOrder(h) <= lossOrder;
      const hookBackward = (h: HookName, z: GPUBuffer, gin: GPUBuffer, gout: GPUBuffer): void => {
        const site: MapBackSite = {
          dim: D, hasMap: isMapped(h), hasGate: s.gated.has(h), hasPool: isPooled(h), slot: slotOf(h), nSlots,
          poolSlot: Math.max(0, s.pooled.indexOf(h)), maxPrompts: P, gradBase: Math.max(0, mapIndex(h)) * mapGradFloats(D), dlogitBase: nMapped * mapGradFloats(D),
        };
        const params = uniform(mapBackwardParams(site), `${h}.map-backward`);
        for (const pass of mapBackwardPasses(site)) {
          back.push(dispatch(mapBackwardPipeline(this.cache, pass), [params, gin, z, mapBuf(h), B.strengths, B.tok, B.dpooled, gout, B.grads, B.count], () => mapBackwardWorkgroups(D, tokens(), pass), `${h}.map-backward-${pass}`));
        }
      };
      const earlier = (l: number, kind: HookKind) => firstMapOrder < hookOrder(hookName(l, kind));
      layers: for (let l = lossLayer; l >= 0; l--) {
        const lt = tapes[l];
        const w = this.weights.layers[l];
        const stage = s.stages[l];
        for (const kind of [...KINDS].reverse()) {
          if (STAGE[kind] > stage) continue;
          const h = hookName(l, kind);
          if (kind === 'resid') {
            if (relevant(h)) {
              hookBackward(h, lt.z.resid!, dx, dxOther);
              [dx, dxOther] = [dxOther, dx];
            }
            continue;
          }
          let g = dx;
          if (relevant(h)) {
            hookBackward(h, lt.z[kind]!, dx, dz);
            g = dz;
          }
          if (!earlier(l, kind)) break layers;
          if (kind === 'mlp') {
            back.push(...matmulT(g, w.down, dAct, `${l}.down-t`));
            back.push(dispatch(siluMulBackwardPipeline(this.cache), [uniform(siluMulBackwardParams(I), `${l}.silu-back`), lt.gu!, dAct, dGU, B.count], () => siluMulBackwardWorkgroups(I, tokens()), `${l}.silu-back`));
            back.push(...matmulT(dGU, w.gateUp, dh, `${l}.gate_up-t`));
            back.push(rmsBack(lt.xMid!, w.mlpNorm, dh, dx, `${l}.mlp-norm-back`));
          } else {
            back.push(...matmulT(g, w.o, dAtt, `${l}.o_proj-t`));
            for (const pass of ['query', 'key'] as const) {
              back.push(dispatch(attentionBackwardPipeline(this.cache, pass), [attnParams, lt.qkv, B.tok, dAtt, lt.lse, delta, dqkv, B.count], () => attentionBackwardWorkgroups(Hh, tokens(), pass), `${l}.attention-back-${pass}`));
            }
            back.push(rope(dqkv, -1, `${l}.rope-back`));
            back.push(...matmulT(dqkv, w.qkv, dh, `${l}.qkv-t`));
            back.push(rmsBack(xs[l], w.attnNorm, dh, dx, `${l}.attn-norm-back`));
          }
        }
      }
    }
    this.backwardOps = back;
  }
}
