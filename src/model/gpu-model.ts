/**
 * The forward pass on the GPU: embedding → per layer [RMSNorm·qkv → RoPE+KV write → attention (+ chunk combine) →
 * o_proj → hook attn (steer + residual) → RMSNorm·gate_up → SiLU·mul·down → hook mlp → (hook resid)] → final
 * RMSNorm·LM head → argmax. A hook with nothing to steer or record is only the residual add, done by its matmul
 * (accumulate). Matmuls have a one-token and a several-token dispatch (different tiles); a step runs one of them.
 * Every buffer and bind group is made once (or when the steering set changes); a step writes a few small uniforms,
 * submits one command buffer and maps one small staging buffer.
 */
import { BufferPool, readBuffer } from '../gpu/buffers.ts';
import type { GpuContext } from '../gpu/device.ts';
import { bindGroup, encodeDispatches, PipelineCache, type Dispatch } from '../gpu/pipelines.ts';
import { argmaxParams, argmaxPipeline } from '../kernels/argmax.ts';
import { attentionChunks, attentionParams, attentionPipeline, attentionScratchFloats, attentionStep, attentionWorkgroups, type AttentionPass } from '../kernels/attention.ts';
import { embedParams, embedPipeline, embedWorkgroups } from '../kernels/embed.ts';
import { matmulCount, matmulParams, matmulPipeline, matmulTiling, matmulWorkgroups, prefersBarrierFree, type MatmulInput, type MatmulShape } from '../kernels/matmul.ts';
import { repetitionPenaltyParams, repetitionPenaltyPipeline } from '../kernels/repetition-penalty.ts';
import { ropeKvParams, ropeKvPipeline, ropeKvWorkgroups, ropeTable, type AttentionShape } from '../kernels/rope-kv.ts';
import { packedMapLength, packMap, steerParams, steerPasses, steerPipeline, steerWorkgroups, type SteerSite } from '../kernels/steer-residual.ts';
import type { HookMap } from '../steering/intervention.ts';
import type { GpuWeights } from './gpu-weights.ts';
import { hookName, hookOrder, type HookKind, type HookName, type ModelSpec } from './spec.ts';

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

export interface RunOptions {
  /** Which logits to compute and read back: none, the last token's, or every token's. */
  logits: 'none' | 'last' | 'all';
  /** Compute the argmax of the last token's logits on the GPU and return it. */
  argmax?: boolean;
  /** Repetition penalty applied to the last token's logits before argmax / readback. */
  penalty?: { ids: number[]; value: number };
  /** Read back the last token's logits (for CPU sampling). */
  readLogits?: boolean;
}

export interface RunResult {
  tokenId: number | null;
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
}

export interface GpuModelOptions {
  /** KV-cache positions (default: min(max_position_embeddings, 2048)). */
  maxContext?: number;
  /** Tokens per forward chunk (prefill splits longer prompts). */
  maxChunk?: number;
}

const STEP_BYTES = 16;

export class GpuModel {
  readonly maxContext: number;
  readonly maxChunk: number;
  readonly pool: BufferPool;
  private readonly device: GPUDevice;
  private readonly cache: PipelineCache;
  private readonly shape: AttentionShape;
  private readonly qkvStride: number;
  private readonly logitRows: number;
  private readonly buf: Record<
    'step' | 'ids' | 'x' | 'z' | 'qkv' | 'attnOut' | 'attnPart' | 'gateUp' | 'logits' | 'result' | 'strengths' | 'kCache' | 'vCache' | 'ropeTable' | 'dummy' | 'dummyRw' | 'penaltyIds' | 'lmHeadParams' | 'lmHeadCount' | 'argmaxParams' | 'penaltyParams',
    GPUBuffer
  >;
  private readonly tokenStaging: GPUBuffer;
  private logitsStaging: GPUBuffer | null = null;
  private rec: GPUBuffer | null = null;
  private sites: HookSite[] = [];
  private steering: SteeringConfig | null = null;
  private recordHooks: HookName[] = [];
  private layerDispatches: Dispatch[] = [];
  private headDispatches: Dispatch[] = [];
  /** Attention position chunks of the step being encoded (the attention dispatch sizes depend on it). */
  private attnChunks = 1;
  /** CPU implementation of WebGPU: kernels without workgroup barriers only (see prefersBarrierFree). */
  private readonly barrierFree: boolean;
  private argmaxDispatch!: Dispatch;
  private penaltyDispatch!: Dispatch;
  private busy = false;
  /** First GPU validation/out-of-memory error seen: every later run fails with it instead of returning garbage. */
  private gpuError: string | undefined;
  /** Hooks with a gate, in forward order: the columns of `strengths`. */
  gatedHooks: HookName[] = [];

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
    this.maxChunk = opts.maxChunk ?? 128;
    this.qkvStride = (s.numHeads + 2 * s.numKvHeads) * s.headDim;
    this.shape = { nHeads: s.numHeads, nKv: s.numKvHeads, headDim: s.headDim, qkvStride: this.qkvStride, maxPos: this.maxContext, layerOffset: 0 };
    this.logitRows = s.vocabSize * this.maxChunk * 4 <= 64 * 2 ** 20 ? this.maxChunk : 1;
    const T = this.maxChunk;
    const kvFloats = s.numLayers * s.numKvHeads * this.maxContext * s.headDim;
    const maxSlots = 3 * s.numLayers;
    this.buf = {
      step: pool.uniform(STEP_BYTES, 'step'),
      ids: pool.storage('scratch', T * 4, 'ids'),
      x: pool.storage('scratch', T * s.hiddenSize * 4, 'x'),
      z: pool.storage('scratch', T * s.hiddenSize * 4, 'z'),
      qkv: pool.storage('scratch', T * this.qkvStride * 4, 'qkv'),
      attnOut: pool.storage('scratch', T * s.numHeads * s.headDim * 4, 'attnOut'),
      attnPart: pool.storage('scratch', attentionScratchFloats(this.shape, T) * 4, 'attnPart'),
      gateUp: pool.storage('scratch', T * 2 * s.intermediateSize * 4, 'gateUp'),
      logits: pool.storage('scratch', this.logitRows * s.vocabSize * 4, 'logits'),
      result: pool.storage('scratch', 16, 'result'),
      strengths: pool.storage('steering', T * maxSlots * 4, 'strengths'),
      kCache: pool.storage('kv', kvFloats * 4, 'kCache'),
      vCache: pool.storage('kv', kvFloats * 4, 'vCache'),
      ropeTable: pool.storage('scratch', this.maxContext * s.headDim * 4, 'rope'),
      dummy: pool.storage('scratch', 16, 'dummy'),
      dummyRw: pool.storage('scratch', 16, 'dummy-rw'),
      penaltyIds: pool.storage('scratch', this.maxContext * 4, 'penaltyIds'),
      lmHeadParams: pool.uniform(32, 'lmHead.params'),
      lmHeadCount: pool.uniform(16, 'lmHead.count'),
      argmaxParams: pool.uniform(16, 'argmax.params'),
      penaltyParams: pool.uniform(16, 'penalty.params'),
    };
    this.tokenStaging = pool.staging(16 + T * maxSlots * 4, 'token-staging');
    this.device.addEventListener('uncapturederror', (e) => {
      this.gpuError ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    this.device.queue.writeBuffer(this.buf.ropeTable, 0, ropeTable(s.headDim, s.ropeTheta, this.maxContext));
    this.rebuild();
  }

  /** Sets (or clears) the intervention and the hooks to record. Changing it invalidates the KV cache contents. */
  setSteering(steering: SteeringConfig | null, record: HookName[] = []): void {
    for (const h of [...(steering?.maps.keys() ?? []), ...record]) {
      const layer = Number(h.split('.')[0]);
      if (!(layer >= 0 && layer < this.spec.numLayers)) throw new Error(`hook ${h} is outside this model's ${this.spec.numLayers} layers`);
    }
    for (const [h, m] of steering?.maps ?? []) {
      const d = this.spec.hiddenSize;
      if (m.w.length !== d || m.b.length !== d || (m.gate && m.gate.a.length !== d)) {
        throw new Error(`hook ${h}: map has ${m.w.length} neurons, this model has ${d}`);
      }
    }
    this.steering = steering;
    this.recordHooks = [...new Set(record)].sort((a, b) => hookOrder(a) - hookOrder(b));
    this.rebuild();
  }

  /** Changes λ without rebuilding anything. */
  setLambda(lambda: number): void {
    if (!this.steering) return;
    this.steering.lambda = lambda;
    for (const s of this.sites) {
      s.site.lambda = lambda;
      this.device.queue.writeBuffer(s.params, 0, steerParams(s.site));
    }
  }

  get memory(): { gpuBytes: number; weightBytes: number; kvBytes: number } {
    return { gpuBytes: this.pool.total, weightBytes: this.pool.bytes.weights, kvBytes: this.pool.bytes.kv };
  }

  private rebuild(): void {
    const s = this.spec;
    const dev = this.device;
    for (const site of this.sites) site.map?.destroy();
    this.rec?.destroy();
    this.rec = null;
    const T = this.maxChunk;
    const D = s.hiddenSize;
    const dtype = this.weights.dtype;
    const steering = this.steering;
    const useGate = steering?.useGate ?? true;
    const allHooks: HookName[] = [];
    for (let l = 0; l < s.numLayers; l++) for (const k of ['attn', 'mlp', 'resid'] as HookKind[]) allHooks.push(hookName(l, k));
    this.gatedHooks = allHooks.filter((h) => useGate && steering?.maps.get(h)?.gate !== undefined);
    if (this.recordHooks.length > 0) this.rec = dev.createBuffer({ size: this.recordHooks.length * T * D * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });

    const staticUniform = (data: ArrayBuffer, label: string): GPUBuffer => {
      const b = dev.createBuffer({ size: Math.max(16, data.byteLength), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label });
      dev.queue.writeBuffer(b, 0, data);
      return b;
    };
    const B = this.buf;
    // One dispatch for one-token steps and one for several tokens (they compile different tiles); each runs only for
    // the token counts it is for. `count` holds the number of output tokens (the step uniform's first field).
    const matmulDispatches = (input: MatmulInput, rows: number, cols: number, params: GPUBuffer, buffers: GPUBuffer[], count: GPUBuffer, label: string): Dispatch[] =>
      [1, 2].map((tokens) => {
        const tiling = matmulTiling(tokens, cols, this.barrierFree);
        const pipeline = matmulPipeline(this.cache, input, dtype, tiling);
        return {
          pipeline,
          bindGroup: bindGroup(dev, pipeline, [params, ...buffers, count], label),
          workgroups: (t) => ((t > 1) === (tokens > 1) ? matmulWorkgroups(rows, t, tiling) : [0, 0, 0]),
          label,
        };
      });
    const matmul = (input: MatmulInput, shape: MatmulShape, x: GPUBuffer, g: GPUBuffer, W: GPUBuffer, bias: GPUBuffer, y: GPUBuffer, label: string): Dispatch[] =>
      matmulDispatches(input, shape.rows, shape.cols, staticUniform(matmulParams(shape), label), [x, g, W, bias, y], B.step, label);
    this.sites = [];
    const hookDispatch = (hook: HookName, mode: 0 | 1): Dispatch[] => {
      const map = steering?.maps.get(hook);
      const recordSlot = this.recordHooks.indexOf(hook);
      if (mode === 1 && !map && recordSlot < 0) return [];
      const site: SteerSite = {
        dim: D, mode, hasMap: Boolean(map), hasGate: Boolean(map?.gate && useGate), hasRange: Boolean(map?.range),
        record: recordSlot >= 0, slot: Math.max(0, this.gatedHooks.indexOf(hook)), nSlots: Math.max(1, this.gatedHooks.length),
        recordSlot: Math.max(0, recordSlot), maxTokens: T, lambda: steering?.lambda ?? 0,
      };
      let mapBuf: GPUBuffer | null = null;
      if (map) {
        mapBuf = dev.createBuffer({ size: packedMapLength(D) * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label: `${hook}.map` });
        dev.queue.writeBuffer(mapBuf, 0, packMap(map, D));
      }
      const params = staticUniform(steerParams(site), `${hook}.params`);
      this.sites.push({ hook, params, site, map: mapBuf });
      return steerPasses(site).map((pass) => {
        const steerP = steerPipeline(this.cache, pass);
        return { pipeline: steerP, bindGroup: bindGroup(dev, steerP, [params, B.z, B.x, mapBuf ?? B.dummy, B.strengths, this.rec ?? B.dummyRw, B.step], hook), workgroups: (t) => steerWorkgroups(D, t, pass), label: hook };
      });
    };

    const plainHook = (hook: HookName): boolean => !steering?.maps.has(hook) && !this.recordHooks.includes(hook);
    const list: Dispatch[] = [];
    const embedP = embedPipeline(this.cache, dtype);
    list.push({ pipeline: embedP, bindGroup: bindGroup(dev, embedP, [staticUniform(embedParams(D, s.vocabSize), 'embed'), B.ids, this.weights.embed, B.x, B.step], 'embed'), workgroups: (t) => embedWorkgroups(D, t), label: 'embed' });
    const ropeP = ropeKvPipeline(this.cache);
    const attPasses: AttentionPass[] = ['partial', 'combine'];
    const qOut = s.numHeads * s.headDim;
    for (let l = 0; l < s.numLayers; l++) {
      const w = this.weights.layers[l];
      const shape: AttentionShape = { ...this.shape, layerOffset: l * s.numKvHeads * this.maxContext * s.headDim };
      list.push(...matmul('rmsnorm', { rows: this.qkvStride, cols: D, inStride: D, outStride: this.qkvStride, inTokenOffset: 0, hasBias: Boolean(w.qkvBias), eps: s.rmsNormEps }, B.x, w.attnNorm, w.qkv, w.qkvBias ?? B.dummy, B.qkv, `${l}.qkv`));
      list.push({ pipeline: ropeP, bindGroup: bindGroup(dev, ropeP, [B.step, staticUniform(ropeKvParams(shape), `${l}.rope`), B.qkv, B.ropeTable, B.kCache, B.vCache], `${l}.rope`), workgroups: (t) => ropeKvWorkgroups(shape, t), label: `${l}.rope` });
      const attParams = staticUniform(attentionParams(shape, qOut), `${l}.attn`);
      for (const pass of attPasses) {
        const attP = attentionPipeline(this.cache, s.headDim, pass);
        const label = `${l}.attention-${pass}`;
        list.push({ pipeline: attP, bindGroup: bindGroup(dev, attP, [B.step, attParams, B.qkv, B.kCache, B.vCache, B.attnOut, B.attnPart], label), workgroups: (t) => attentionWorkgroups(shape, t, this.attnChunks, pass), label });
      }
      // A hook with no map and nothing to record is the plain residual add: fused into its matmul (x += W·in).
      const attnPlain = plainHook(hookName(l, 'attn'));
      list.push(...matmul('plain', { rows: D, cols: qOut, inStride: qOut, outStride: D, inTokenOffset: 0, hasBias: false, eps: 0, accumulate: attnPlain }, B.attnOut, B.dummy, w.o, B.dummy, attnPlain ? B.x : B.z, `${l}.o_proj`));
      if (!attnPlain) list.push(...hookDispatch(hookName(l, 'attn'), 0));
      const I = s.intermediateSize;
      list.push(...matmul('rmsnorm', { rows: 2 * I, cols: D, inStride: D, outStride: 2 * I, inTokenOffset: 0, hasBias: false, eps: s.rmsNormEps }, B.x, w.mlpNorm, w.gateUp, B.dummy, B.gateUp, `${l}.gate_up`));
      const mlpPlain = plainHook(hookName(l, 'mlp'));
      list.push(...matmul('silu-mul', { rows: D, cols: I, inStride: 2 * I, outStride: D, inTokenOffset: 0, hasBias: false, eps: 0, accumulate: mlpPlain }, B.gateUp, B.dummy, w.down, B.dummy, mlpPlain ? B.x : B.z, `${l}.down`));
      if (!mlpPlain) list.push(...hookDispatch(hookName(l, 'mlp'), 0));
      list.push(...hookDispatch(hookName(l, 'resid'), 1));
    }
    this.layerDispatches = list;
    this.headDispatches = matmulDispatches('rmsnorm', s.vocabSize, D, B.lmHeadParams, [B.x, this.weights.finalNorm, this.weights.lmHead, B.dummy, B.logits], B.lmHeadCount, 'lm_head');
    const argP = argmaxPipeline(this.cache);
    this.argmaxDispatch = { pipeline: argP, bindGroup: bindGroup(dev, argP, [B.argmaxParams, B.logits, B.result], 'argmax'), workgroups: () => [1, 1, 1], label: 'argmax' };
    const penP = repetitionPenaltyPipeline(this.cache);
    this.penaltyDispatch = { pipeline: penP, bindGroup: bindGroup(dev, penP, [B.penaltyParams, B.penaltyIds, B.logits], 'penalty'), workgroups: (n) => [Math.ceil(n / 64), 1, 1], label: 'penalty' };
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

  private async runChunk(ids: number[], pos0: number, opts: RunOptions, out: RunResult): Promise<void> {
    const dev = this.device;
    const T = ids.length;
    const V = this.spec.vocabSize;
    const B = this.buf;
    this.attnChunks = attentionChunks(this.shape, T, pos0);
    dev.queue.writeBuffer(B.step, 0, attentionStep(this.shape, T, pos0));
    dev.queue.writeBuffer(B.ids, 0, new Uint32Array(ids));
    const headTokens = opts.logits === 'all' ? T : opts.logits === 'last' || opts.argmax || opts.readLogits ? 1 : 0;
    if (headTokens > this.logitRows) throw new Error(`all-token logits need ${T} rows; this model's vocabulary allows ${this.logitRows} per chunk`);
    const D = this.spec.hiddenSize;
    dev.queue.writeBuffer(B.lmHeadParams, 0, matmulParamsFor(V, D, headTokens === 1 ? T - 1 : 0, this.spec.rmsNormEps));
    dev.queue.writeBuffer(B.lmHeadCount, 0, matmulCount(headTokens));
    const lastRow = headTokens === 1 ? 0 : T - 1;
    const penalty = opts.penalty && opts.penalty.value !== 1 && opts.penalty.ids.length > 0 ? opts.penalty : null;
    if (penalty) {
      const distinct = [...new Set(penalty.ids)].slice(0, this.maxContext);
      dev.queue.writeBuffer(B.penaltyIds, 0, new Uint32Array(distinct));
      dev.queue.writeBuffer(B.penaltyParams, 0, repetitionPenaltyParams(distinct.length, lastRow * V, penalty.value));
    }
    if (opts.argmax) dev.queue.writeBuffer(B.argmaxParams, 0, argmaxParams(V, lastRow * V));

    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass();
    encodeDispatches(pass, this.layerDispatches, T);
    if (headTokens > 0) encodeDispatches(pass, this.headDispatches, headTokens);
    if (penalty) encodeDispatches(pass, [this.penaltyDispatch], [...new Set(penalty.ids)].length);
    if (opts.argmax) encodeDispatches(pass, [this.argmaxDispatch], 1);
    pass.end();
    const nSlots = this.gatedHooks.length;
    const strengthBytes = T * Math.max(1, nSlots) * 4;
    enc.copyBufferToBuffer(B.result, 0, this.tokenStaging, 0, 16);
    if (nSlots > 0) enc.copyBufferToBuffer(B.strengths, 0, this.tokenStaging, 16, strengthBytes);
    let logitsBytes = 0;
    if (opts.readLogits || opts.logits !== 'none') {
      logitsBytes = headTokens * V * 4;
      if (!this.logitsStaging || this.logitsStaging.size < logitsBytes) {
        this.logitsStaging?.destroy();
        this.logitsStaging = dev.createBuffer({ size: logitsBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'logits-staging' });
      }
      enc.copyBufferToBuffer(B.logits, 0, this.logitsStaging, 0, logitsBytes);
    }
    dev.queue.submit([enc.finish()]);

    const recorded = this.rec ? readBuffer(dev, this.rec, this.recordHooks.length * this.maxChunk * D * 4) : null;
    await this.tokenStaging.mapAsync(GPUMapMode.READ, 0, 16 + strengthBytes);
    const mapped = this.tokenStaging.getMappedRange(0, 16 + strengthBytes);
    if (opts.argmax) out.tokenId = new Uint32Array(mapped, 0, 1)[0];
    if (nSlots > 0) {
      const all = new Float32Array(mapped, 16, T * nSlots);
      for (let t = 0; t < T; t++) out.strengths.push(all.slice(t * nSlots, (t + 1) * nSlots));
    }
    this.tokenStaging.unmap();
    if (logitsBytes > 0 && this.logitsStaging) {
      await this.logitsStaging.mapAsync(GPUMapMode.READ, 0, logitsBytes);
      const all = new Float32Array(this.logitsStaging.getMappedRange(0, logitsBytes));
      for (let t = 0; t < headTokens; t++) out.logits.push(all.slice(t * V, (t + 1) * V));
      this.logitsStaging.unmap();
    }
    if (this.gpuError) throw new Error(`GPU error: ${this.gpuError}`);
    if (recorded) {
      const all = new Float32Array(await recorded);
      this.recordHooks.forEach((h, slot) => {
        const rows = out.recorded.get(h)!;
        for (let t = 0; t < T; t++) rows.push(all.slice((slot * this.maxChunk + t) * D, (slot * this.maxChunk + t + 1) * D));
      });
    }
  }

  destroy(): void {
    for (const site of this.sites) site.map?.destroy();
    this.rec?.destroy();
    this.logitsStaging?.destroy();
    this.pool.destroy();
  }
}

function matmulParamsFor(V: number, D: number, inTokenOffset: number, eps: number): ArrayBuffer {
  return matmulParams({ rows: V, cols: D, inStride: D, outStride: V, inTokenOffset, hasBias: false, eps });
}
