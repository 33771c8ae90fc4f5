/**
 * The forward pass on the GPU: embedding → per layer [RMSNorm·qkv → RoPE+KV write → attention (+ chunk combine) →
 * o_proj → hook attn (steer + residual) → RMSNorm·gate_up → SiLU·mul·down → hook mlp → (hook resid)] → final
 * RMSNorm·LM head → argmax or sample. A hook with nothing to steer or record is only the residual add, done by its
 * matmul (accumulate); a steered hook is one dispatch after it (gate and map together), or, in one-token steps of
 * models up to 64 wide, part of that matmul (matmul-steer.wgsl). One-token and several-token steps have their own
 * dispatch lists (different matmul tiles and steering kernels).
 * Every buffer and bind group is made once (or when the steering set changes); a step writes a few small uniforms,
 * submits one command buffer and maps one small staging buffer (the next token — argmax or sampled on the GPU — and
 * the gate values).
 * Scratch is sized to need and shared between values that are never live in the same dispatch: one buffer holds
 * q/k/v, then gate‖up, then the last token's logits; another holds attention's partial results, then the hook input
 * z. A prefill chunk is at most 128 tokens, fewer for tiny models (chunk activations stay ≤ 1/8 of weights + KV).
 */
import { BufferPool, readBuffer } from '../../gpu/buffers.ts';
import type { GpuContext } from '../../gpu/device.ts';
import { bindGroup, encodeDispatches, PipelineCache, type Dispatch } from '../../gpu/pipelines.ts';
import { argmaxParams, argmaxPipeline } from '../../kernels/argmax.ts';
import { decodeTokenWord } from '../../kernels/token-word.ts';
import { attentionChunks, attentionParams, attentionPipeline, attentionStep, attentionWorkgroups, type AttentionPass } from '../../kernels/attention.ts';
import { embedParams, embedPipeline, embedWorkgroups } from '../../kernels/embed.ts';
import { matmulCount, matmulParams, matmulPipeline, matmulTiling, matmulWorkgroups, prefersBarrierFree, type MatmulInput, type MatmulShape } from '../../kernels/matmul.ts';
import { repetitionPenaltyParams, repetitionPenaltyPipeline } from '../../kernels/repetition-penalty.ts';
import { sampleParams, samplePipeline, sampleWorkgroups, type SampleSettings } from '../../kernels/sample.ts';
import { ropeKvParams, ropeKvPipeline, ropeKvWorkgroups, ropeTable, type AttentionShape } from '../../kernels/rope-kv.ts';
import { packedMapLength, packMap, steerParams, steerPass, steerPipeline, steerWorkgroups, type SteerSite } from '../../kernels/steer-residual.ts';
import { matmulSteerFits, matmulSteerPipeline, matmulSteerWorkgroups } from '../../kernels/matmul-steer.ts';
import { gateProjection } from './gate-projection.ts';
import type { HookMap } from '../../core/steer-map.ts';
import type { GpuWeights } from './gpu-weights.ts';
import type { GpuMatrix, WeightSegment } from '../../kernels/weights-access.ts';
import { MATMUL_PARAMS_BYTES, scratchLayout, STEP_BYTES, type SegmentCounts } from './scratch-layout.ts';
import { hookName, hookOrder, type HookKind, type HookName, type ModelSpec } from '../spec.ts';

export class ContextOverflowError extends Error {
  constructor(needed: number, max: number) {
    super(`the text needs ${needed} positions but this model's context holds ${max}; shorten the prompt or generate fewer tokens`);
    this.name = 'ContextOverflowError';
  }
}

export interface SteeringConfig {
  maps: Map<HookName, HookMap>;
  lambda: number;
  /** false: ignore DSAS gates (s = 1). */
  useGate: boolean;
}

/**
 * What setSteering takes: one intervention, or several applied in the order given — at a hook they share, A then B
 * means z ← steer_B(steer_A(z)), each with its own λ and gate (B's gate sees A's output). null or []: unsteered.
 */
export type Steering = SteeringConfig | readonly SteeringConfig[] | null;

export function steeringList(s: Steering): SteeringConfig[] {
  if (!s) return [];
  return Array.isArray(s) ? [...(s as readonly SteeringConfig[])] : [s as SteeringConfig];
}

/** One column of the step's gate values: a gated map of one intervention (index in the steering list) at one hook. */
export interface GateSlot {
  hook: HookName;
  intervention: number;
}

export interface RunOptions {
  /** Which logits to compute and read back: none, the last token's, or every token's. */
  logits: 'none' | 'last' | 'all';
  /** Compute the argmax of the last token's logits on the GPU and return it. */
  argmax?: boolean;
  /** Repetition penalty applied to the last token's logits before argmax / readback. */
  penalty?: { ids: number[]; value: number };
  /** Read back the last token's logits (for CPU sampling). */
  readLogits?: boolean;
  /** Sample the next token from the last token's logits on the GPU (after the penalty) and return it. */
  sample?: SampleSettings;
}

export interface RunResult {
  tokenId: number | null;
  /** With argmax/sample: the last token's logits held a NaN or ±∞ (tokenId is then meaningless). */
  nonFiniteLogits?: boolean;
  /** Logits per requested token, V floats each. */
  logits: Float32Array[];
  /** Gate values per token of the step: strengths[t][slot], slots in `gatedHooks` order. */
  strengths: Float32Array[];
  /** Recorded pre-map activations per hook, per token (when recording). */
  recorded: Map<HookName, Float32Array[]>;
}

interface HookSite {
  hook: HookName;
  params: GPUBuffer;
  site: SteerSite;
  map: GPUBuffer | null;
  /** The map applied here and the index of its intervention in the steering list (-1: record only). */
  hookMap: HookMap | null;
  intervention: number;
}

// The scratch sizing lives in a pure module (the memory estimate uses it on the main thread); re-exported here.
export { defaultChunk, gpuScratchBytes, scratchLayout, type ScratchLayout } from './scratch-layout.ts';

export interface GpuModelOptions {
  /** KV-cache positions (default: min(max_position_embeddings, 2048)). */
  maxContext?: number;
  /** Tokens per forward chunk (prefill splits longer prompts; default: see defaultChunk). */
  maxChunk?: number;
}

export class GpuModel {
  readonly maxContext: number;
  readonly maxChunk: number;
  readonly pool: BufferPool;
  private readonly device: GPUDevice;
  private readonly cache: PipelineCache;
  private readonly shape: AttentionShape;
  private readonly qkvStride: number;
  /** Most tokens one run may ask every logits row of (logits 'all'): the chunk size, or 1 for large vocabularies. */
  readonly logitRows: number;
  private readonly buf: Record<
    'step' | 'ids' | 'x' | 'z' | 'qkv' | 'attnOut' | 'attnPart' | 'gateUp' | 'logits' | 'result' | 'kCache' | 'vCache' | 'ropeTable' | 'dummy' | 'dummyRw' | 'penaltyIds' | 'lmHeadCount' | 'argmaxParams' | 'penaltyParams' | 'sampleParams',
    GPUBuffer
  >;
  /** The LM head's matmul uniform per segment of its matrix (rewritten each step: the last token's offset). */
  private readonly lmHeadParams: GPUBuffer[];
  /** Gate values of the step's tokens (sized for the gated hooks of the steering set). */
  private strengths!: GPUBuffer;
  /** Next token (16 bytes) and the gate values, read back after each step. */
  private tokenStaging!: GPUBuffer;
  private rec: GPUBuffer | null = null;
  /** Buffers of the current steering set (maps, hook and matmul uniforms, …), freed when it changes. */
  private built: GPUBuffer[] = [];
  private sites: HookSite[] = [];
  private steerings: SteeringConfig[] = [];
  private recordHooks: HookName[] = [];
  private layerDispatches: Dispatch[] = [];
  private headDispatches: Dispatch[] = [];
  /** One-token steps: steered attn/mlp hooks of narrow models fused into the matmuls that produce their input. */
  private decodeLayerDispatches: Dispatch[] = [];
  private decodeHeadDispatches: Dispatch[] = [];
  /** Where each layer's dispatches start in `layerDispatches` (the embedding comes before layer 0); the last entry is its length. */
  private layerBounds: number[] = [];
  /** Attention position chunks of the step being encoded (the attention dispatch sizes depend on it). */
  private attnChunks = 1;
  /** CPU implementation of WebGPU: kernels without workgroup barriers only (see prefersBarrierFree). */
  private readonly barrierFree: boolean;
  private argmaxDispatch!: Dispatch;
  private penaltyDispatch!: Dispatch;
  private sampleDispatch!: Dispatch;
  private busy = false;
  /** First GPU validation/out-of-memory error seen: every later run fails with it instead of returning garbage. */
  private gpuError: string | undefined;
  /** Hooks with a gate, in forward order (then intervention order at a shared hook): the columns of `strengths`. */
  gatedHooks: HookName[] = [];
  /** The same columns with the intervention each belongs to. */
  gateSlots: GateSlot[] = [];

  constructor(
    ctx: GpuContext,
    readonly spec: ModelSpec,
    readonly weights: GpuWeights,
    pool: BufferPool,
    opts: GpuModelOptions = {},
  ) {
    this.device = ctx.device;
    this.barrierFree = prefersBarrierFree(ctx.adapterInfo);
    this.pool = pool;
    this.cache = new PipelineCache(this.device);
    const s = spec;
    this.maxContext = Math.min(s.maxPositions, opts.maxContext ?? 2048);
    this.qkvStride = (s.numHeads + 2 * s.numKvHeads) * s.headDim;
    this.shape = { nHeads: s.numHeads, nKv: s.numKvHeads, headDim: s.headDim, qkvStride: this.qkvStride, maxPos: this.maxContext, layerOffset: 0 };
    const kvFloats = s.numLayers * s.numKvHeads * this.maxContext * s.headDim;
    const layout = scratchLayout(s, this.maxContext, pool.bytes.weights, opts.maxChunk);
    this.maxChunk = layout.maxChunk;
    this.logitRows = s.vocabSize * this.maxChunk * 4 <= 64 * 2 ** 20 ? this.maxChunk : 1;
    const act = pool.storage('scratch', layout.act, 'qkv|gateUp|logits');
    const zPart = pool.storage('scratch', layout.zPart, 'attnPart|z');
    this.buf = {
      step: pool.uniform(STEP_BYTES, 'step'),
      ids: pool.storage('scratch', layout.ids, 'ids'),
      x: pool.storage('scratch', layout.x, 'x'),
      z: zPart,
      qkv: act,
      attnOut: pool.storage('scratch', layout.attnOut, 'attnOut'),
      attnPart: zPart,
      gateUp: act,
      logits: act,
      result: pool.storage('scratch', 16, 'result'),
      kCache: pool.storage('kv', kvFloats * 4, 'kCache'),
      vCache: pool.storage('kv', kvFloats * 4, 'vCache'),
      ropeTable: pool.storage('scratch', layout.rope, 'rope'),
      dummy: pool.storage('scratch', 16, 'dummy'),
      dummyRw: pool.storage('scratch', 16, 'dummy-rw'),
      penaltyIds: pool.storage('scratch', layout.penaltyIds, 'penaltyIds'),
      lmHeadCount: pool.uniform(16, 'lmHead.count'),
      argmaxParams: pool.uniform(16, 'argmax.params'),
      penaltyParams: pool.uniform(16, 'penalty.params'),
      sampleParams: pool.uniform(32, 'sample.params'),
    };
    this.lmHeadParams = weights.lmHead.segments.map((_, k) => pool.uniform(MATMUL_PARAMS_BYTES, `lmHead.params#${k}`));
    this.device.addEventListener('uncapturederror', (e) => {
      this.gpuError ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    this.device.queue.writeBuffer(this.buf.ropeTable, 0, ropeTable(s.headDim, s.ropeTheta, this.maxContext));
    this.rebuild();
  }

  /** Sets (or clears) the intervention and the hooks to record. Changing it invalidates the KV cache contents. */
  setSteering(steering: Steering, record: HookName[] = []): void {
    const list = steeringList(steering);
    const which = (i: number) => (list.length > 1 ? `intervention ${i + 1}, ` : '');
    list.forEach((st, i) => {
      for (const h of st.maps.keys()) {
        const layer = Number(h.split('.')[0]);
        if (!(layer >= 0 && layer < this.spec.numLayers)) throw new Error(`${which(i)}hook ${h} is outside this model's ${this.spec.numLayers} layers`);
      }
      for (const [h, m] of st.maps) {
        const d = this.spec.hiddenSize;
        if (m.w.length !== d || m.b.length !== d || (m.gate && m.gate.a.length !== d)) {
          throw new Error(`${which(i)}hook ${h}: map has ${m.w.length} neurons, this model has ${d}`);
        }
      }
    });
    for (const h of record) {
      const layer = Number(h.split('.')[0]);
      if (!(layer >= 0 && layer < this.spec.numLayers)) throw new Error(`hook ${h} is outside this model's ${this.spec.numLayers} layers`);
    }
    this.steerings = list.map((st) => ({ ...st }));
    this.recordHooks = [...new Set(record)].sort((a, b) => hookOrder(a) - hookOrder(b));
    this.rebuild();
  }

  /** Changes λ of one intervention (index in the steering list, default the first) without rebuilding anything. */
  setLambda(lambda: number, intervention = 0): void {
    const st = this.steerings[intervention];
    if (!st) return;
    st.lambda = lambda;
    for (const s of this.sites) {
      if (s.intervention !== intervention) continue;
      s.site.lambda = lambda;
      this.device.queue.writeBuffer(s.params, 0, steerParams(s.site));
    }
  }

  /** What the engine holds on the GPU now (every buffer it made, staging included), by kind. */
  get memory(): { gpuBytes: number; weightBytes: number; kvBytes: number; scratchBytes: number; steeringBytes: number } {
    const b = this.pool.bytes;
    return { gpuBytes: this.pool.total, weightBytes: b.weights, kvBytes: b.kv, scratchBytes: b.scratch, steeringBytes: b.steering };
  }

  /** Uniforms that come one per weight segment (for gpuScratchBytes). */
  get segmentCounts(): SegmentCounts {
    const w = this.weights;
    return { layerMatmul: w.layers.reduce((n, l) => n + l.qkv.segments.length + l.o.segments.length + l.gateUp.segments.length + l.down.segments.length, 0), lmHead: w.lmHead.segments.length, embed: w.embed.segments.length };
  }

  private rebuild(): void {
    const s = this.spec;
    const dev = this.device;
    for (const b of this.built) this.pool.release(b);
    this.built = [];
    this.rec = null;
    const T = this.maxChunk;
    const D = s.hiddenSize;
    const steerings = this.steerings;
    const allHooks: HookName[] = [];
    for (let l = 0; l < s.numLayers; l++) for (const k of ['attn', 'mlp', 'resid'] as HookKind[]) allHooks.push(hookName(l, k));
    /** The maps at a hook, in intervention order. */
    const mapsAt = (hook: HookName): { map: HookMap; intervention: number; st: SteeringConfig }[] =>
      steerings.flatMap((st, intervention) => {
        const map = st.maps.get(hook);
        return map ? [{ map, intervention, st }] : [];
      });
    this.gateSlots = allHooks.flatMap((hook) => mapsAt(hook).filter((e) => e.st.useGate && e.map.gate !== undefined).map((e) => ({ hook, intervention: e.intervention })));
    this.gatedHooks = this.gateSlots.map((g) => g.hook);
    const keep = (b: GPUBuffer): GPUBuffer => {
      this.built.push(b);
      return b;
    };
    if (this.recordHooks.length > 0) this.rec = keep(this.pool.storage('steering', this.recordHooks.length * T * D * 4, 'recorded'));
    const slots = Math.max(1, this.gatedHooks.length);
    this.strengths = keep(this.pool.storage(this.gatedHooks.length > 0 ? 'steering' : 'scratch', T * slots * 4, 'strengths'));
    this.tokenStaging = keep(this.pool.staging(16 + T * slots * 4, 'token-staging'));

    const staticUniform = (data: ArrayBuffer, label: string, category: 'scratch' | 'steering' = 'scratch'): GPUBuffer => {
      const b = keep(this.pool.uniform(data.byteLength, label, category));
      dev.queue.writeBuffer(b, 0, data);
      return b;
    };
    const B = this.buf;
    // Per segment of W (weights-access.ts GpuMatrix), one dispatch for one-token steps and one for several tokens
    // (they compile different tiles); each runs only for the token counts it is for. `params(segment, k)` is the
    // segment's uniform; `count` holds the number of output tokens (the step uniform's first field).
    const matmulDispatches = (input: MatmulInput, W: GpuMatrix, params: (seg: WeightSegment, k: number) => GPUBuffer, io: { x: GPUBuffer; g: GPUBuffer; bias: GPUBuffer; y: GPUBuffer }, count: GPUBuffer, label: string, variants = [1, 2]): Dispatch[] =>
      W.segments.flatMap((seg, k) =>
        variants.map((tokens) => {
          const tiling = matmulTiling(tokens, W.cols, this.barrierFree);
          const pipeline = matmulPipeline(this.cache, input, seg.format, tiling);
          const name = W.segments.length > 1 ? `${label}#${k}` : label;
          return {
            pipeline,
            bindGroup: bindGroup(dev, pipeline, [params(seg, k), io.x, io.g, seg.buffer, io.bias, io.y, count], name),
            workgroups: (t) => ((t > 1) === (tokens > 1) ? matmulWorkgroups(seg.rows, t, tiling) : [0, 0, 0]),
            label: name,
          };
        }),
      );
    this.sites = [];
    // Per hook, made once and shared by both dispatch lists: one site per map at the hook (intervention order), each
    // with its uniform and packed map; a recorded hook records at its first site (before any map), an unsteered
    // recorded hook is one site without a map. Every site but the last of an attn/mlp hook maps z in place (mode 1
    // on z); the last adds its output to x (mode 0). A resid hook's sites all map x in place.
    const siteCache = new Map<HookName, HookSite[]>();
    const sitesOf = (hook: HookName, lastMode: 0 | 1): HookSite[] => {
      const cached = siteCache.get(hook);
      if (cached) return cached;
      const maps = mapsAt(hook);
      const recordSlot = this.recordHooks.indexOf(hook);
      const entries: ({ map: HookMap; intervention: number; st: SteeringConfig } | null)[] = maps.length > 0 ? maps : recordSlot >= 0 ? [null] : [];
      const list = entries.map((e, k): HookSite => {
        const map = e?.map;
        const gated = Boolean(map?.gate && e?.st.useGate);
        const slot = gated ? this.gateSlots.findIndex((g) => g.hook === hook && g.intervention === e!.intervention) : 0;
        const site: SteerSite = {
          dim: D, mode: k === entries.length - 1 ? lastMode : 1, hasMap: Boolean(map), hasGate: gated, hasRange: Boolean(map?.range),
          record: recordSlot >= 0 && k === 0, slot, nSlots: Math.max(1, this.gateSlots.length),
          recordSlot: Math.max(0, recordSlot), maxTokens: T, lambda: e?.st.lambda ?? 0,
        };
        let mapBuf: GPUBuffer | null = null;
        const label = e && steerings.length > 1 ? `${hook}#${e.intervention}` : hook;
        if (map) {
          mapBuf = keep(this.pool.storage('steering', packedMapLength(D) * 4, `${label}.map`));
          dev.queue.writeBuffer(mapBuf, 0, packMap(map, D));
        }
        const hs: HookSite = { hook, params: staticUniform(steerParams(site), `${label}.params`, 'steering'), site, map: mapBuf, hookMap: map ?? null, intervention: e?.intervention ?? -1 };
        this.sites.push(hs);
        return hs;
      });
      siteCache.set(hook, list);
      return list;
    };
    const matmulUniforms = new Map<string, GPUBuffer>();
    const uniformFor = (shape: MatmulShape, label: string): GPUBuffer => {
      let u = matmulUniforms.get(label);
      if (!u) matmulUniforms.set(label, (u = staticUniform(matmulParams(shape), label)));
      return u;
    };
    /** The uniforms of a matmul over every segment of its matrix: the segment's rows and first output row. */
    const segmentUniforms = (shape: MatmulShape, label: string) => (seg: WeightSegment, k: number) => uniformFor({ ...shape, rows: seg.rows, rowOffset: seg.firstRow }, `${label}#${k}`);
    const embedUniforms = this.weights.embed.segments.map((seg, k) => staticUniform(embedParams(D, s.vocabSize, seg.rows, seg.firstRow), `embed#${k}`));
    const ropeP = ropeKvPipeline(this.cache);
    const attPasses: AttentionPass[] = ['partial', 'combine'];
    const qOut = s.numHeads * s.headDim;
    const I = s.intermediateSize;
    const layerUniforms = this.weights.layers.map((_, l) => {
      const shape: AttentionShape = { ...this.shape, layerOffset: l * s.numKvHeads * this.maxContext * s.headDim };
      return { shape, rope: staticUniform(ropeKvParams(shape), `${l}.rope`), attn: staticUniform(attentionParams(shape, qOut), `${l}.attn`) };
    });

    /**
     * The dispatches of a step. general: any token count, every steered hook its own dispatch after the matmul that
     * writes its input z. decode (one-token steps): a steered attn/mlp hook (map, not recorded) of a model with hidden
     * size ≤ 64 is fused into that matmul (matmul-steer.wgsl: one workgroup computes z, gates, maps and adds it), so
     * steering adds no dispatch; on CPU implementations of WebGPU a dispatch costs about as much as such a model's
     * whole matmul.
     */
    const build = (decode: boolean): { layers: Dispatch[]; head: Dispatch[]; bounds: number[] } => {
      const variants = decode ? [1] : [1, 2];
      const list: Dispatch[] = [];
      /**
       * A site's own dispatch: a thread per token (several tokens, or any on CPU adapters), else a workgroup per token.
       * `inPlace` is the buffer a mode-1 site maps in place (x at a resid hook, z before the last map of an attn/mlp hook).
       */
      const steerDispatches = (hs: HookSite, inPlace: GPUBuffer = B.x): Dispatch[] =>
        variants.map((tokens) => {
          const pass = steerPass(tokens, this.barrierFree);
          const steerP = steerPipeline(this.cache, pass);
          const zIn = inPlace === B.z ? B.dummy : B.z;
          return { pipeline: steerP, bindGroup: bindGroup(dev, steerP, [hs.params, zIn, inPlace, hs.map ?? B.dummy, this.strengths, this.rec ?? B.dummyRw, B.step], hs.hook), workgroups: (t) => ((t > 1) === (tokens > 1) ? steerWorkgroups(t, pass) : [0, 0, 0]), label: hs.hook };
        });
      /** The matmul whose output is the hook's input: added to x when the hook is plain, else z then the hook. */
      const hooked = (hook: HookName, input: 'plain' | 'silu-mul', inStride: number, xin: GPUBuffer, W: GpuMatrix, label: string): void => {
        const cols = W.cols;
        const shape = (accumulate: boolean): MatmulShape => ({ rows: D, cols, inStride, outStride: D, inTokenOffset: 0, hasBias: false, eps: 0, accumulate });
        const sites = sitesOf(hook, 0);
        if (sites.length === 0) {
          list.push(...matmulDispatches(input, W, segmentUniforms(shape(true), `${label}.acc`), { x: xin, g: B.dummy, bias: B.dummy, y: B.x }, B.step, label, variants));
          return;
        }
        const hs = sites[0];
        // The fused kernel computes all of z in one workgroup: W in one segment; one map only (a second map's gate
        // reads the first one's output, which the kernel does not keep).
        if (decode && sites.length === 1 && matmulSteerFits(hs.site) && W.segments.length === 1) {
          const gated = hs.site.hasGate;
          const seg = W.segments[0];
          const pipeline = matmulSteerPipeline(this.cache, input, seg.format, gated);
          // The gate as a dot product with the matmul's input (no barrier in the kernel): Wᵀa, once per intervention.
          const a = gated ? hs.hookMap?.gate?.a : undefined;
          if (gated && !a) throw new Error(`${hook} is gated but its map has no gate`);
          const gproj = a ? keep(gateProjection(dev, this.pool, this.cache, { W, a, label: hook })) : B.dummy;
          list.push({ pipeline, bindGroup: bindGroup(dev, pipeline, [segmentUniforms(shape(false), label)(seg, 0), xin, seg.buffer, B.x, hs.params, hs.map!, this.strengths, gproj], `${label}+${hook}`), workgroups: (t) => matmulSteerWorkgroups(t), label: `${label}+${hook}` });
          return;
        }
        list.push(...matmulDispatches(input, W, segmentUniforms(shape(false), label), { x: xin, g: B.dummy, bias: B.dummy, y: B.z }, B.step, label, variants));
        sites.forEach((site, k) => list.push(...steerDispatches(site, k < sites.length - 1 ? B.z : B.x)));
      };
      this.weights.embed.segments.forEach((seg, k) => {
        const embedP = embedPipeline(this.cache, seg.format);
        list.push({ pipeline: embedP, bindGroup: bindGroup(dev, embedP, [embedUniforms[k], B.ids, seg.buffer, B.x, B.step], `embed#${k}`), workgroups: (t) => embedWorkgroups(D, t), label: `embed#${k}` });
      });
      const bounds: number[] = [];
      for (let l = 0; l < s.numLayers; l++) {
        bounds.push(list.length);
        const w = this.weights.layers[l];
        const { shape, rope, attn } = layerUniforms[l];
        const qkvShape: MatmulShape = { rows: this.qkvStride, cols: D, inStride: D, outStride: this.qkvStride, inTokenOffset: 0, hasBias: Boolean(w.qkvBias), eps: s.rmsNormEps };
        list.push(...matmulDispatches('rmsnorm', w.qkv, segmentUniforms(qkvShape, `${l}.qkv`), { x: B.x, g: w.attnNorm, bias: w.qkvBias ?? B.dummy, y: B.qkv }, B.step, `${l}.qkv`, variants));
        list.push({ pipeline: ropeP, bindGroup: bindGroup(dev, ropeP, [B.step, rope, B.qkv, B.ropeTable, B.kCache, B.vCache], `${l}.rope`), workgroups: (t) => ropeKvWorkgroups(shape, t), label: `${l}.rope` });
        for (const pass of attPasses) {
          const attP = attentionPipeline(this.cache, s.headDim, pass);
          const label = `${l}.attention-${pass}`;
          list.push({ pipeline: attP, bindGroup: bindGroup(dev, attP, [B.step, attn, B.qkv, B.kCache, B.vCache, B.attnOut, B.attnPart], label), workgroups: (t) => attentionWorkgroups(shape, t, this.attnChunks, pass), label });
        }
        // A hook with no map and nothing to record is the plain residual add: fused into its matmul (x += W·in).
        hooked(hookName(l, 'attn'), 'plain', qOut, B.attnOut, w.o, `${l}.o_proj`);
        const guShape: MatmulShape = { rows: 2 * I, cols: D, inStride: D, outStride: 2 * I, inTokenOffset: 0, hasBias: false, eps: s.rmsNormEps };
        list.push(...matmulDispatches('rmsnorm', w.gateUp, segmentUniforms(guShape, `${l}.gate_up`), { x: B.x, g: w.mlpNorm, bias: B.dummy, y: B.gateUp }, B.step, `${l}.gate_up`, variants));
        hooked(hookName(l, 'mlp'), 'silu-mul', 2 * I, B.gateUp, w.down, `${l}.down`);
        for (const site of sitesOf(hookName(l, 'resid'), 1)) list.push(...steerDispatches(site));
      }
      bounds.push(list.length);
      const head = matmulDispatches('rmsnorm', this.weights.lmHead, (_, k) => this.lmHeadParams[k], { x: B.x, g: this.weights.finalNorm, bias: B.dummy, y: B.logits }, B.lmHeadCount, 'lm_head', variants);
      return { layers: list, head, bounds };
    };
    const general = build(false);
    this.layerDispatches = general.layers;
    this.layerBounds = general.bounds;
    this.headDispatches = general.head;
    const decode = build(true);
    this.decodeLayerDispatches = decode.layers;
    this.decodeHeadDispatches = decode.head;
    const argP = argmaxPipeline(this.cache);
    this.argmaxDispatch = { pipeline: argP, bindGroup: bindGroup(dev, argP, [B.argmaxParams, B.logits, B.result], 'argmax'), workgroups: () => [1, 1, 1], label: 'argmax' };
    const penP = repetitionPenaltyPipeline(this.cache);
    this.penaltyDispatch = { pipeline: penP, bindGroup: bindGroup(dev, penP, [B.penaltyParams, B.penaltyIds, B.logits], 'penalty'), workgroups: (n) => [Math.ceil(n / 64), 1, 1], label: 'penalty' };
    const sampleP = samplePipeline(this.cache);
    this.sampleDispatch = { pipeline: sampleP, bindGroup: bindGroup(dev, sampleP, [B.sampleParams, B.logits, B.result], 'sample'), workgroups: () => sampleWorkgroups(1), label: 'sample' };
  }

  /** Runs `ids` at positions pos0.. (writing the KV cache there) and returns what `opts` asks for. */
  async run(ids: number[], pos0: number, opts: RunOptions): Promise<RunResult> {
    if (this.busy) throw new Error('the model is already running a step');
    if (ids.length === 0) throw new Error('nothing to run: no tokens');
    if (pos0 + ids.length > this.maxContext) throw new ContextOverflowError(pos0 + ids.length, this.maxContext);
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= this.spec.vocabSize) throw new Error(`token id ${id} is outside the vocabulary (${this.spec.vocabSize})`);
    this.busy = true;
    try {
      const out: RunResult = { tokenId: null, logits: [], strengths: [], recorded: new Map(this.recordHooks.map((h) => [h, []])) };
      for (let start = 0; start < ids.length; start += this.maxChunk) {
        const chunk = ids.slice(start, start + this.maxChunk);
        const last = start + this.maxChunk >= ids.length;
        await this.runChunk(chunk, pos0 + start, last ? opts : { logits: opts.logits === 'all' ? 'all' : 'none' }, out);
      }
      return out;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Runs only layers [from, to) of one prompt at positions 0..T−1, for layer-wise collection: from token ids (then
   * `from` is 0 and the embedding runs first) or from `x`, the residual stream entering layer `from` (T × d, as a
   * previous call returned it). Returns the residual stream after layer to−1 and the recorded hooks of those layers
   * (the steering set's maps apply as in `run`). Overwrites those layers' KV cache at the prompt's positions.
   */
  async runLayers(input: { ids: number[] } | { x: Float32Array }, from: number, to: number): Promise<{ x: Float32Array; recorded: Map<HookName, Float32Array[]> }> {
    const s = this.spec;
    const D = s.hiddenSize;
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to && to <= s.numLayers)) throw new Error(`runLayers: layers ${from}..${to} are not a range of this model's ${s.numLayers} layers`);
    const ids = 'ids' in input ? input.ids : null;
    const xIn = 'x' in input ? input.x : null;
    if (ids && from !== 0) throw new Error('runLayers: token ids start at layer 0');
    const T = ids ? ids.length : xIn!.length / D;
    if (!Number.isInteger(T) || T === 0) throw new Error(`runLayers: the input holds ${ids ? 0 : xIn!.length} values, not a whole number of ${D}-wide rows`);
    if (T > this.maxContext) throw new ContextOverflowError(T, this.maxContext);
    if (ids) for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= s.vocabSize) throw new Error(`token id ${id} is outside the vocabulary (${s.vocabSize})`);
    if (this.busy) throw new Error('the model is already running a step');
    this.busy = true;
    const dev = this.device;
    const B = this.buf;
    const dispatches = this.layerDispatches.slice(ids ? 0 : this.layerBounds[from], this.layerBounds[to]);
    const xOut = new Float32Array(T * D);
    const inRange = (h: HookName): boolean => {
      const layer = Number(h.split('.')[0]);
      return from <= layer && layer < to;
    };
    const recorded = new Map<HookName, Float32Array[]>(this.recordHooks.filter(inRange).map((h) => [h, []]));
    try {
      for (let start = 0; start < T; start += this.maxChunk) {
        const n = Math.min(this.maxChunk, T - start);
        this.attnChunks = attentionChunks(this.shape, n, start);
        dev.queue.writeBuffer(B.step, 0, attentionStep(this.shape, n, start));
        if (ids) dev.queue.writeBuffer(B.ids, 0, new Uint32Array(ids.slice(start, start + n)));
        else dev.queue.writeBuffer(B.x, 0, xIn!.subarray(start * D, (start + n) * D));
        const enc = dev.createCommandEncoder();
        const pass = enc.beginComputePass();
        encodeDispatches(pass, dispatches, n);
        pass.end();
        dev.queue.submit([enc.finish()]);
        const rec = this.rec ? readBuffer(dev, this.rec, this.recordHooks.length * this.maxChunk * D * 4) : null;
        rec?.catch(() => undefined);
        xOut.set(new Float32Array(await readBuffer(dev, B.x, n * D * 4)), start * D);
        if (this.gpuError) throw new Error(`GPU error: ${this.gpuError}`);
        if (rec) {
          const rows = new Float32Array(await rec);
          this.recordHooks.forEach((h, slot) => {
            const list = recorded.get(h);
            if (!list) return;
            for (let t = 0; t < n; t++) list.push(rows.slice((slot * this.maxChunk + t) * D, (slot * this.maxChunk + t + 1) * D));
          });
        }
      }
      return { x: xOut, recorded };
    } finally {
      this.busy = false;
    }
  }

  private async runChunk(ids: number[], pos0: number, opts: RunOptions, out: RunResult): Promise<void> {
    const dev = this.device;
    const T = ids.length;
    const V = this.spec.vocabSize;
    const B = this.buf;
    this.attnChunks = attentionChunks(this.shape, T, pos0);
    dev.queue.writeBuffer(B.step, 0, attentionStep(this.shape, T, pos0));
    dev.queue.writeBuffer(B.ids, 0, new Uint32Array(ids));
    const allRows = opts.logits === 'all';
    // The last token's logits (one row in the shared buffer): for the next token and for 'last' / readLogits.
    const lastRow = opts.logits === 'last' || opts.readLogits || opts.argmax || opts.sample !== undefined;
    if (allRows && T > this.logitRows) throw new Error(`all-token logits need ${T} rows; this model's vocabulary allows ${this.logitRows} per chunk`);
    const D = this.spec.hiddenSize;
    const penalty = opts.penalty && opts.penalty.value !== 1 && opts.penalty.ids.length > 0 ? opts.penalty : null;
    const distinct = penalty ? [...new Set(penalty.ids)].slice(0, this.maxContext) : [];
    if (lastRow) {
      this.weights.lmHead.segments.forEach((seg, k) => dev.queue.writeBuffer(this.lmHeadParams[k], 0, matmulParamsFor(V, D, T - 1, this.spec.rmsNormEps, seg)));
      dev.queue.writeBuffer(B.lmHeadCount, 0, matmulCount(1));
      if (penalty) {
        dev.queue.writeBuffer(B.penaltyIds, 0, new Uint32Array(distinct));
        dev.queue.writeBuffer(B.penaltyParams, 0, repetitionPenaltyParams(distinct.length, 0, penalty.value));
      }
      if (opts.argmax) dev.queue.writeBuffer(B.argmaxParams, 0, argmaxParams(V, 0));
      if (opts.sample) dev.queue.writeBuffer(B.sampleParams, 0, sampleParams(V, 0, opts.sample));
    }
    // Every token's logits (reference comparisons only): a buffer of their own for this step.
    const all = allRows ? this.allLogits(T) : null;

    // One-token steps use the list with fused hooks.
    const decode = T === 1;
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass();
    encodeDispatches(pass, decode ? this.decodeLayerDispatches : this.layerDispatches, T);
    if (all) encodeDispatches(pass, all.head, T);
    if (lastRow) {
      encodeDispatches(pass, decode ? this.decodeHeadDispatches : this.headDispatches, 1);
      if (penalty) encodeDispatches(pass, [this.penaltyDispatch], distinct.length);
      if (opts.sample) encodeDispatches(pass, [this.sampleDispatch], 1);
      else if (opts.argmax) encodeDispatches(pass, [this.argmaxDispatch], 1);
    }
    pass.end();
    const nSlots = this.gatedHooks.length;
    const strengthBytes = T * Math.max(1, nSlots) * 4;
    enc.copyBufferToBuffer(B.result, 0, this.tokenStaging, 0, 16);
    if (nSlots > 0) enc.copyBufferToBuffer(this.strengths, 0, this.tokenStaging, 16, strengthBytes);
    // Logits read back: every row, or the last one.
    const readRows = all ? T : opts.readLogits || opts.logits === 'last' ? 1 : 0;
    let logitsStaging: GPUBuffer | null = null;
    if (readRows > 0) {
      logitsStaging = this.pool.staging(readRows * V * 4, 'logits-staging');
      enc.copyBufferToBuffer(all ? all.logits : B.logits, 0, logitsStaging, 0, readRows * V * 4);
    }
    dev.queue.submit([enc.finish()]);

    try {
      const recorded = this.rec ? readBuffer(dev, this.rec, this.recordHooks.length * this.maxChunk * D * 4) : null;
      // Awaited below; when an earlier read fails first (a lost device), its rejection must not go unhandled.
      recorded?.catch(() => undefined);
      await this.tokenStaging.mapAsync(GPUMapMode.READ, 0, 16 + strengthBytes);
      const mapped = this.tokenStaging.getMappedRange(0, 16 + strengthBytes);
      if (opts.argmax || opts.sample) {
        const word = decodeTokenWord(new Uint32Array(mapped, 0, 1)[0]);
        out.tokenId = word.tokenId;
        out.nonFiniteLogits = word.nonFinite;
      }
      if (nSlots > 0) {
        const strengths = new Float32Array(mapped, 16, T * nSlots);
        for (let t = 0; t < T; t++) out.strengths.push(strengths.slice(t * nSlots, (t + 1) * nSlots));
      }
      this.tokenStaging.unmap();
      if (logitsStaging) {
        await logitsStaging.mapAsync(GPUMapMode.READ, 0, readRows * V * 4);
        const rows = new Float32Array(logitsStaging.getMappedRange(0, readRows * V * 4));
        for (let t = 0; t < readRows; t++) out.logits.push(rows.slice(t * V, (t + 1) * V));
        logitsStaging.unmap();
      }
      if (this.gpuError) throw new Error(`GPU error: ${this.gpuError}`);
      if (recorded) {
        const rows = new Float32Array(await recorded);
        this.recordHooks.forEach((h, slot) => {
          const list = out.recorded.get(h)!;
          for (let t = 0; t < T; t++) list.push(rows.slice((slot * this.maxChunk + t) * D, (slot * this.maxChunk + t + 1) * D));
        });
      }
    } finally {
      if (logitsStaging) this.pool.release(logitsStaging);
      if (all) {
        this.pool.release(all.logits);
        for (const u of all.params) this.pool.release(u);
      }
    }
  }

  /** A logits buffer for `tokens` rows and the LM-head dispatches that fill it (freed after the step). */
  private allLogits(tokens: number): { logits: GPUBuffer; params: GPUBuffer[]; head: Dispatch[] } {
    const V = this.spec.vocabSize;
    const logits = this.pool.storage('scratch', tokens * V * 4, 'logits-all');
    const W = this.weights.lmHead;
    const params = W.segments.map((seg, k) => {
      const u = this.pool.uniform(MATMUL_PARAMS_BYTES, `lmHead-all.params#${k}`);
      this.device.queue.writeBuffer(u, 0, matmulParamsFor(V, this.spec.hiddenSize, 0, this.spec.rmsNormEps, seg));
      return u;
    });
    const head = W.segments.flatMap((seg, k) =>
      [1, 2].map((n): Dispatch => {
        const tiling = matmulTiling(n, this.spec.hiddenSize, this.barrierFree);
        const pipeline = matmulPipeline(this.cache, 'rmsnorm', seg.format, tiling);
        return {
          pipeline,
          bindGroup: bindGroup(this.device, pipeline, [params[k], this.buf.x, this.weights.finalNorm, seg.buffer, this.buf.dummy, logits, this.buf.step], 'lm_head-all'),
          workgroups: (t) => ((t > 1) === (n > 1) ? matmulWorkgroups(seg.rows, t, tiling) : [0, 0, 0]),
          label: 'lm_head-all',
        };
      }),
    );
    return { logits, params, head };
  }

  destroy(): void {
    this.pool.destroy();
  }
}

/** The LM head's uniform for one segment of its matrix (rows seg.firstRow.. of the V logits). */
function matmulParamsFor(V: number, D: number, inTokenOffset: number, eps: number, seg: WeightSegment): ArrayBuffer {
  return matmulParams({ rows: seg.rows, rowOffset: seg.firstRow, cols: D, inStride: D, outStride: V, inTokenOffset, hasBias: false, eps });
}
