/**
 * One engine session: the GPU context, at most one loaded model, the active intervention with how it is applied, and
 * the running job (generate, fit, train, evaluate). The worker is a thin message switch over it (handle), and the
 * harness page (CLI, benchmark, browser tests) drives the same object, so every caller runs the app's code.
 *
 * Calls run one at a time (load, generate, fit, … queue behind each other); adapter and stop answer at once.
 */
import { ContextOverflowError, fitPromptToContext } from '../model/context-fit.ts';
import { createGpuContext, type GpuContext } from '../gpu/device.ts';
import { prefersBarrierFree } from '../kernels/matmul.ts';
import type { SamplingOptions } from '../core/sampler.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { CpuWeights } from '../model/cpu/weights.ts';
import { cpuWeightsFromFiles } from '../model/cpu/weights-from-files.ts';
import type { ModelFiles } from '../model/formats/model-files.ts';
import { encodePrompt, endOfTurn, RAW, withEndOfTurn } from '../model/chat-format.ts';
import { generate } from '../model/generate.ts';
import type { SteeringConfig } from '../model/gpu/gpu-model.ts';
import { loadModel, type LoadedModel } from '../model/load-model.ts';
import type { HookName } from '../model/spec.ts';
import { parseDataset, type PromptDataset } from '../steering/dataset.ts';
import { parseHookSelection } from '../steering/hook-selection.ts';
import { decodeIntervention, encodeIntervention } from '../steering/intervention-file.ts';
import type { Intervention } from '../steering/intervention.ts';
import { closedFormMethod } from '../steering/methods/registry.ts';
import { fitClosedForm } from '../steering/fit-intervention.ts';
import { fitLineas } from '../steering/fit-lineas.ts';
import { chooseTrainer } from '../steering/lineas/choose-trainer.ts';
import { checkStrength as checkLambda } from '../steering/strength.ts';
import type { TrainProgress } from '../steering/lineas/index.ts';
import { EngineFailure, describeFailure } from './engine-errors.ts';
import { memoText, modelFilesOf } from './model-source.ts';
import { ProgressThrottle } from './progress-throttle.ts';
import type {
  AdapterInfo,
  EncodedIntervention,
  EngineEvent,
  EngineRequest,
  EvalParams,
  EvalProgressEvent,
  FitParams,
  FitProgressEvent,
  GenerateDone,
  GenerateParams,
  LoadProgressEvent,
  ModelInfo,
  ModelSource,
  RequestType,
  ResultOf,
  SteeringOptions,
  SteeringState,
  TokenEvent,
  TrainParams,
  TrainProgressEvent,
} from './protocol.ts';
import { runEvaluation } from './run-eval.ts';
import { leadingSpace, tokenTexts } from './token-texts.ts';

/** How long a failed call waits for device.lost to settle before reporting its own error. */
const LOSS_SETTLE_MS = 250;

/** The loss reason when `ctx`'s device is lost within `ms`, else null. */
function lostWithin(ctx: GpuContext, ms: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([ctx.lost, late]).finally(() => clearTimeout(timer));
}

/** Events of one call (progress, tokens) go to its sink; unsolicited ones (device lost) to the session's. */
export type EventSink = (e: EngineEvent) => void;

/** Generation as the session takes it: the protocol's params, or prompt ids and the options reference checks use. */
export interface GenerateInput extends Omit<GenerateParams, 'prompt' | 'sampling'> {
  prompt?: string;
  promptIds?: number[];
  sampling: SamplingOptions;
  ignoreEos?: boolean;
  stopStrings?: string[];
}

/** Training as the session takes it: unset numbers take fitLineas's defaults. */
export type TrainInput = Omit<TrainParams, 'steps' | 'lr' | 'batch' | 'l1' | 'group' | 'seed'> & Partial<Pick<TrainParams, 'steps' | 'lr' | 'batch' | 'l1' | 'group' | 'seed'>>;

export interface LoadOptions {
  maxContext?: number;
  /** Models run on token ids only (random benchmark checkpoints) load without a tokenizer. */
  allowMissingTokenizer?: boolean;
}

export interface SetInterventionOptions extends Partial<SteeringOptions> {
  /** Refuse an intervention made for another model id (the harness checks; the page loads files from anywhere). */
  modelId?: string;
  /** Append it after the active interventions instead of replacing them. */
  add?: boolean;
}

interface ActiveSteering {
  iv: Intervention;
  strength: number;
  useGate: boolean;
  hooks: HookName[];
}

type JobKind = 'generate' | 'fit' | 'eval';

/** λ must be finite and within ±MAX_STRENGTH (src/steering/strength.ts): larger values only overflow the activations. */
function checkStrength(strength: number): number {
  try {
    return checkLambda(strength, 'The strength');
  } catch (e) {
    throw new EngineFailure('input', (e as Error).message);
  }
}

function checkTrainParams(p: TrainInput): void {
  const bad = (what: string, v: unknown) => new EngineFailure('input', `${what}, got ${String(v)}.`);
  const given = (v: unknown) => v !== undefined;
  if (given(p.steps) && !(Number.isInteger(p.steps) && p.steps! >= 1)) throw bad('Steps must be a whole number of at least 1', p.steps);
  if (given(p.lr) && !(Number.isFinite(p.lr) && p.lr! > 0)) throw bad('The learning rate must be a positive number', p.lr);
  if (given(p.batch) && !(Number.isInteger(p.batch) && p.batch! >= 1)) throw bad('The batch size must be a whole number of at least 1', p.batch);
  if (given(p.l1) && !(Number.isFinite(p.l1) && p.l1! >= 0)) throw bad('L1 must be a number ≥ 0', p.l1);
  if (given(p.group) && !(Number.isFinite(p.group) && p.group! >= 0)) throw bad('The sparse-group strength must be a number ≥ 0', p.group);
  if (given(p.seed) && !Number.isInteger(p.seed)) throw bad('The seed must be a whole number', p.seed);
}

const record = (m: Map<HookName, number> | undefined): Partial<Record<HookName, number>> | undefined => (m ? Object.fromEntries(m) : undefined);

function encoded(iv: Intervention): EncodedIntervention {
  const { manifest, tensors } = encodeIntervention(iv);
  return { manifest, tensors: tensors.buffer.slice(tensors.byteOffset, tensors.byteOffset + tensors.byteLength) as ArrayBuffer };
}

export class EngineSession {
  private ctx: GpuContext | null = null;
  private ctxPromise: Promise<GpuContext> | null = null;
  private loadedModel: LoadedModel | null = null;
  /** Where the loaded model's files are (the CPU trainer and reference checks read its weights from them). */
  private loadedFiles: ModelFiles | null = null;
  /** The name the model was loaded by (a ref, or the picked folder's id). */
  private loadedRef = '';
  /** The loaded model's weights on the CPU, read once on first use. */
  private cpuWeightsCache: { of: LoadedModel; weights: Promise<CpuWeights> } | null = null;
  private running: AbortController | null = null;
  private runningKind: JobKind | null = null;
  /**
   * The active interventions and how each is applied, in the order they are applied (cleared when a model loads).
   * At a hook two of them share, A then B: z ← steer_B(steer_A(z)), each with its own λ and gate.
   */
  private steers: ActiveSteering[] = [];
  /** λ kept while no intervention is set, so the next one starts at it. */
  private strengthWithout = 1;
  private queue: Promise<unknown> = Promise.resolve();

  /** `unsolicited` receives the events no call asked for (device lost). */
  constructor(private readonly unsolicited: EventSink = () => undefined) {}

  // ---- state the harness reads --------------------------------------------------------------------------------

  /** The loaded model (throws "Load a model first." when none). */
  get model(): LoadedModel {
    if (!this.loadedModel) throw new EngineFailure('no-model', 'Load a model first.');
    return this.loadedModel;
  }

  get modelRef(): string {
    return this.loadedRef;
  }

  get modelFiles(): ModelFiles {
    if (!this.loadedFiles) throw new EngineFailure('no-model', 'Load a model first.');
    return this.loadedFiles;
  }

  /** The first active intervention. */
  private get steer(): ActiveSteering | null {
    return this.steers[0] ?? null;
  }

  get intervention(): Intervention | null {
    return this.steer?.iv ?? null;
  }

  /** Every active intervention, in the order they are applied. */
  get interventions(): Intervention[] {
    return this.steers.map((s) => s.iv);
  }

  /** The maps the model runs with now: each active intervention's selected hooks, in order (empty: unsteered). */
  steeringConfig(): SteeringConfig[] {
    return this.steers.map((s) => {
      const maps = new Map<HookName, HookMap>();
      for (const h of s.hooks) maps.set(h, s.iv.hooks.get(h)!);
      return { maps, lambda: s.strength, useGate: s.useGate };
    });
  }

  steeringState(): SteeringState {
    const s = this.steer;
    const describe = (iv: Intervention) => ({ modelId: iv.modelId, method: iv.method, hooks: [...iv.hooks.keys()], hasGates: [...iv.hooks.values()].some((m) => m.gate !== undefined), created: iv.created ?? null });
    const slots = this.loadedModel && s ? this.loadedModel.model.gateSlots : [];
    return {
      intervention: s ? describe(s.iv) : null,
      activeHooks: s ? [...s.hooks] : [],
      gatedHooks: slots.map((g) => g.hook),
      gateInterventions: slots.map((g) => g.intervention),
      strength: s?.strength ?? this.strengthWithout,
      useGate: s?.useGate ?? true,
      interventions: this.steers.map((a) => ({ ...describe(a.iv), activeHooks: [...a.hooks], strength: a.strength, useGate: a.useGate })),
    };
  }

  /** The loaded model's weights as f32 on the CPU, read from its files once. */
  cpuWeights(): Promise<CpuWeights> {
    const m = this.model;
    if (this.cpuWeightsCache?.of !== m) {
      const weights = cpuWeightsFromFiles(this.modelFiles);
      const entry = { of: m, weights };
      weights.catch(() => {
        if (this.cpuWeightsCache === entry) this.cpuWeightsCache = null;
      });
      this.cpuWeightsCache = entry;
    }
    return this.cpuWeightsCache.weights;
  }

  gpu(): Promise<GpuContext> {
    if (this.ctx) return Promise.resolve(this.ctx);
    this.ctxPromise ??= createGpuContext().then(
      (c) => {
        this.ctx = c;
        void c.lost.then((reason) => {
          if (this.ctx !== c) return;
          this.ctx = null;
          this.ctxPromise = null;
          this.forgetModel();
          this.running?.abort();
          this.unsolicited({ id: 0, type: 'device-lost', error: { kind: 'gpu', message: `The GPU stopped working (${reason}). Load the model again.` } });
        });
        return c;
      },
      (e) => {
        this.ctxPromise = null;
        throw e;
      },
    );
    return this.ctxPromise;
  }

  // ---- the message switch -------------------------------------------------------------------------------------

  /** Runs one request; its progress events and then exactly one done / error event go to `post`. */
  async handle(req: EngineRequest, post: EventSink): Promise<void> {
    const ctx = this.ctx;
    try {
      const result = await this.run(req, post);
      post({ id: req.id, type: 'done', request: req.type, result } as EngineEvent);
    } catch (e) {
      // A destroyed device fails the running call (a readback, a submit) before device.lost settles: wait for it a
      // moment, so 'device-lost' goes out first and this call's error says what really happened.
      const lost = ctx ? await lostWithin(ctx, LOSS_SETTLE_MS) : null;
      post({ id: req.id, type: 'error', error: lost !== null ? { kind: 'gpu', message: `The GPU stopped working (${lost}).` } : describeFailure(e, req.type) });
    }
  }

  private run(req: EngineRequest, post: EventSink): Promise<ResultOf[RequestType]> {
    const id = req.id;
    switch (req.type) {
      case 'adapter':
        return this.adapter();
      case 'load':
        return this.load(req.source, { maxContext: req.maxContext }, (progress) => post({ id, type: 'progress', progress }));
      case 'generate':
        return this.generate(req.params, (token) => post({ id, type: 'token', token }));
      case 'stop':
        return Promise.resolve({ stopped: this.stop(req.what) });
      case 'unload':
        return this.unload();
      case 'loseDevice':
        return Promise.resolve(this.loseDevice());
      case 'fit':
        return this.fit(req.params, (progress) => post({ id, type: 'fit-progress', progress }));
      case 'train':
        return this.train(req.params, (progress) => post({ id, type: 'train-progress', progress }));
      case 'evaluate':
        return this.evaluate(req.params, (progress) => post({ id, type: 'eval-progress', progress }));
      case 'setIntervention':
        return this.setIntervention(req.intervention, { strength: req.strength, useGate: req.useGate, hooks: req.hooks, add: req.add });
      case 'removeIntervention':
        return this.removeIntervention(req.index);
      case 'updateSteering':
        return this.updateSteering({ strength: req.strength, useGate: req.useGate, hooks: req.hooks, index: req.index });
      case 'setStrength':
        return this.setStrength(req.strength, req.index);
    }
  }

  // ---- calls --------------------------------------------------------------------------------------------------

  async adapter(): Promise<AdapterInfo> {
    const c = await this.gpu();
    return { ...c.adapterInfo, hasF16: c.hasF16, maxBufferSize: c.limits.maxBufferSize, maxStorageBufferBindingSize: c.limits.maxStorageBufferBindingSize };
  }

  load(source: ModelSource, opts: LoadOptions = {}, onProgress: (p: LoadProgressEvent) => void = () => undefined): Promise<ModelInfo> {
    this.stop();
    return this.serial(async () => {
      const t0 = performance.now();
      const files = memoText(modelFilesOf(source));
      const c = await this.gpu();
      let last = 0;
      let lastFile = '';
      const report = (p: LoadProgressEvent) => {
        const now = performance.now();
        const important = p.phase !== 'weights' || p.file !== lastFile || p.loadedBytes === p.totalBytes;
        if (!important && now - last < 50) return;
        last = now;
        lastFile = p.file;
        onProgress(p);
      };
      const m = await loadModel(files, c, {
        maxContext: opts.maxContext,
        allowMissingTokenizer: opts.allowMissingTokenizer,
        // The model it had is freed only once the new one passed every check: a bad file leaves it usable.
        beforeUpload: () => this.forgetModel(),
        onProgress: report,
      });
      this.loadedModel = m;
      this.loadedFiles = files;
      this.loadedRef = source.kind === 'ref' ? source.ref.trim() : source.id;
      return this.info(m, performance.now() - t0);
    });
  }

  /** Destroys the device now (not queued: it must land mid-job); device.lost then runs the loss handling above. */
  loseDevice(): { lost: boolean } {
    if (!this.ctx) return { lost: false };
    this.ctx.device.destroy();
    return { lost: true };
  }

  unload(): Promise<{ unloaded: boolean }> {
    this.stop();
    return this.serial(async () => {
      const had = this.loadedModel !== null;
      this.forgetModel();
      return { unloaded: had };
    });
  }

  /** Encodes a prompt for the loaded model (as a user message, after `system`, with the chat template when `chat`). */
  encode(text: string, chat: boolean, system?: string): number[] {
    const m = this.model;
    if (chat && !m.tokenizer.hasChatTemplate) throw new EngineFailure('input', 'This model has no chat template; turn off Chat to use plain completion.');
    return encodePrompt(m.tokenizer, text, chat ? { chat, system } : RAW);
  }

  generate(p: GenerateInput, onToken: (t: TokenEvent) => void = () => undefined): Promise<GenerateDone> {
    return this.serial(async () => {
      const m = this.model;
      let promptIds: number[];
      if (p.promptIds) promptIds = p.promptIds;
      else if (p.prompt) promptIds = this.encode(p.prompt, p.chat, p.system);
      else throw new EngineFailure('input', 'Write a prompt first.');
      let promptTokensCut = 0;
      if (Number.isInteger(p.maxNewTokens) && p.maxNewTokens >= 0) {
        try {
          const keepFirst = promptIds[0] === m.tokenizer.bosTokenId ? 1 : 0;
          const fit = fitPromptToContext(promptIds, { maxContext: m.model.maxContext, maxNewTokens: p.maxNewTokens, truncate: p.keepPromptEnd === true, keepFirst, chat: p.chat });
          promptIds = fit.ids;
          promptTokensCut = fit.cut;
        } catch (e) {
          throw e instanceof ContextOverflowError ? new EngineFailure('input', e.message) : e;
        }
      }
      const controller = this.startJob('generate');
      let prev = '';
      const steers = [...this.steers];
      const steered = !p.unsteered && steers.some((a) => a.hooks.length > 0);
      if (p.unsteered && steers.length > 0) m.model.setSteering(null);
      try {
        const s = p.sampling;
        const r = await generate(m, promptIds, {
          maxNewTokens: p.maxNewTokens,
          greedy: s.greedy,
          ...(s.greedy ? {} : { temperature: s.temperature, topP: s.topP, topK: s.topK, seed: s.seed }),
          repetitionPenalty: s.repetitionPenalty,
          ignoreEos: p.ignoreEos,
          // Chat: the assistant's turn ends at the template's end-of-turn marker (often the EOS token already).
          ...(p.chat ? withEndOfTurn(endOfTurn(m.tokenizer), p.stopStrings) : { stopStrings: p.stopStrings }),
          signal: controller.signal,
          onToken: (t) => {
            const token: TokenEvent = {
              index: t.index,
              tokenId: t.tokenId,
              text: t.text.startsWith(prev) ? t.text.slice(prev.length) : t.text,
              fullText: t.text,
              strengths: t.strengths,
            };
            if (t.index === 0 && !p.chat) token.lead = leadingSpace(m.tokenizer, promptIds[promptIds.length - 1], t.tokenId, t.text);
            prev = t.text;
            onToken(token);
          },
        });
        const hookInterventions = m.model.gateSlots.map((g) => g.intervention);
        return {
          promptTokenCount: promptIds.length,
          ...(promptTokensCut > 0 ? { promptTokensCut } : {}),
          promptTokenIds: promptIds,
          tokenIds: r.tokenIds,
          text: r.text,
          stopReason: r.stopReason,
          hooks: r.hooks,
          hookInterventions,
          interventions: steered ? steers.map((a) => ({ modelId: a.iv.modelId, method: a.iv.method, strength: a.strength, useGate: a.useGate, hooks: [...a.hooks] })) : [],
          promptStrengths: r.promptStrengths,
          promptTokens: r.promptStrengths.length > 0 ? tokenTexts(m.tokenizer, promptIds) : undefined,
          strengths: r.strengths,
          strength: steered ? steers[0].strength : null,
          timings: r.timings,
        };
      } finally {
        this.endJob(controller);
        if (p.unsteered && steers.length > 0) m.model.setSteering(this.steeringConfig());
      }
    });
  }

  setIntervention(enc: EncodedIntervention | null, o: SetInterventionOptions): Promise<SteeringState> {
    return this.serial(async () => {
      const m = this.model;
      if (o.strength !== undefined) checkStrength(o.strength);
      if (!enc) {
        if (o.add) throw new EngineFailure('input', 'There is no intervention to add.');
        this.steers = [];
        if (o.strength !== undefined) this.strengthWithout = o.strength;
        return this.apply();
      }
      // Shapes are always checked; the model id only when asked (a file fitted through the CLI names the model by its path).
      let iv: Intervention;
      try {
        iv = decodeIntervention(enc.manifest, new Uint8Array(enc.tensors), { modelId: o.modelId, hiddenSize: m.spec.hiddenSize, numLayers: m.spec.numLayers });
      } catch (e) {
        // Added to others: say which one it is (the active ones stay as they are).
        if (o.add) throw new EngineFailure('input', `Intervention ${this.steers.length + 1}: ${(e as Error).message}`);
        throw e;
      }
      const entry = { iv, strength: o.strength ?? iv.strength, useGate: o.useGate ?? true, hooks: this.pickHooks(iv, o.hooks) };
      const before = this.steers;
      this.steers = o.add ? [...before, entry] : [entry];
      try {
        return this.apply();
      } catch (e) {
        // The model refused the new set: the one it had stays.
        this.steers = before;
        this.apply();
        throw e;
      }
    });
  }

  /** Removes the active intervention at `index` (the others keep their order, strengths and gates). */
  removeIntervention(index: number): Promise<SteeringState> {
    return this.serial(async () => {
      this.model; // throws "Load a model first." when none is loaded
      this.checkIndex(index);
      this.steers = this.steers.filter((_, i) => i !== index);
      return this.apply();
    });
  }

  updateSteering(o: Partial<SteeringOptions>): Promise<SteeringState> {
    return this.serial(async () => {
      this.model; // throws "Load a model first." when none is loaded
      if (o.strength !== undefined) checkStrength(o.strength);
      const index = o.index ?? 0;
      if (this.steers.length === 0 && index === 0) {
        if (o.strength !== undefined) this.strengthWithout = o.strength;
        return this.steeringState();
      }
      const s = this.steers[this.checkIndex(index)];
      this.steers = this.steers.map((a, i) => (i === index ? { iv: s.iv, strength: o.strength ?? s.strength, useGate: o.useGate ?? s.useGate, hooks: o.hooks ? this.pickHooks(s.iv, o.hooks) : s.hooks } : a));
      return this.apply();
    });
  }

  setStrength(strength: number, index = 0): Promise<SteeringState> {
    return this.serial(async () => {
      const m = this.model;
      checkStrength(strength);
      if (this.steers.length === 0 && index === 0) this.strengthWithout = strength;
      else {
        this.steers[this.checkIndex(index)].strength = strength;
        m.model.setLambda(strength, index);
      }
      return this.steeringState();
    });
  }

  /** Fits a closed-form method (± DSAS gates); the result becomes the active intervention. */
  fit(p: FitParams, onProgress: (e: FitProgressEvent) => void = () => undefined): Promise<ResultOf['fit']> {
    return this.serial(async () => {
      const { m, dataset, hooks } = this.fitInputs(p);
      const method = closedFormMethod(p.method);
      if (!method) throw new EngineFailure('input', `Unknown method "${String(p.method)}".`);
      const controller = this.startJob('fit');
      const t0 = performance.now();
      try {
        onProgress({ stage: 'maps', done: 0, total: hooks.length });
        const iv = await fitClosedForm(
          this.loadedRef || m.id,
          m.model,
          m.tokenizer,
          dataset,
          {
            method,
            hooks,
            dsas: p.dsas,
            mode: p.mode,
            sourceRange: p.sourceRange,
            signal: controller.signal,
            onProgress: (_stage, done, total) => {
              onProgress({ stage: 'maps', done, total });
              if (done === total && p.dsas) onProgress({ stage: 'dsas', done: 0, total: 0 });
            },
          },
          this.steeringConfig(),
        );
        if (controller.signal.aborted) throw new EngineFailure('aborted', 'Fitting was stopped.');
        const fitMs = performance.now() - t0;
        iv.metrics = { ...(iv.metrics ?? {}), fitMs, prompts: { source: dataset.source.length, target: dataset.target.length, control: dataset.control.length } };
        this.steers = [{ iv, strength: checkStrength(p.strength ?? 1), useGate: p.dsas, hooks: [...iv.hooks.keys()] }];
        return { intervention: encoded(iv), hooks, fitMs, metrics: iv.metrics, steering: this.apply() };
      } catch (e) {
        if (controller.signal.aborted) {
          this.loadedModel?.model.setSteering(this.steeringConfig());
          throw new EngineFailure('aborted', 'Fitting was stopped.');
        }
        throw e;
      } finally {
        this.endJob(controller);
      }
    });
  }

  /** LinEAS (± E2E-DSAS) on the GPU or CPU trainer (chooseTrainer), with throttled progress; stopping keeps the maps trained so far. */
  train(p: TrainInput, onProgress: (e: TrainProgressEvent) => void = () => undefined): Promise<ResultOf['train']> {
    return this.serial(async () => {
      checkTrainParams(p);
      const { m, dataset, hooks } = this.fitInputs(p);
      const controller = this.startJob('fit');
      const t0 = performance.now();
      const base: TrainProgressEvent = {
        phase: 'weights',
        step: 0,
        steps: p.steps ?? 0,
        loss: null,
        perHook: {},
        controlLoss: 0,
        lr: p.lr ?? 0,
        activeNeurons: 0,
        activeHooks: 0,
        hooks,
        totalNeurons: hooks.length * m.spec.hiddenSize,
        elapsedMs: 0,
        points: [],
      };
      const stoppedEarly = () => new EngineFailure('aborted', 'Training was stopped before its first step, so there is nothing to keep.');
      onProgress(base);
      const throttle = new ProgressThrottle<TrainProgressEvent>((b) => onProgress({ ...b.state, points: b.points }));
      try {
        const c = await this.gpu();
        const trainer = chooseTrainer(p.trainer ?? 'auto', { softwareAdapter: prefersBarrierFree(c.adapterInfo), weightBytes: m.model.memory.weightBytes });
        const weights = trainer === 'cpu' ? await this.cpuWeights() : null;
        if (controller.signal.aborted) throw stoppedEarly();
        onProgress({ ...base, phase: 'prepare', elapsedMs: performance.now() - t0 });
        const onGpu = trainer === 'gpu' ? { device: c.device, weights: m.model.weights } : undefined;
        const iv = await fitLineas(
          this.loadedRef || m.id,
          m.spec,
          weights,
          m.tokenizer,
          dataset,
          {
            hooks,
            steps: p.steps,
            lr: p.lr,
            batch: p.batch,
            l1: p.l1,
            group: p.group,
            seed: p.seed,
            dsas: p.dsas ? 'e2e' : undefined,
            signal: controller.signal,
            onProgress: (tp: TrainProgress) =>
              throttle.push({
                ...base,
                phase: 'train',
                step: tp.step,
                loss: tp.loss,
                perHook: Object.fromEntries(tp.perHook),
                controlLoss: tp.controlLoss,
                lr: tp.lr,
                activeNeurons: tp.activeNeurons,
                activeHooks: tp.activeHooks,
                perHookActive: record(tp.perHookSupport),
                elapsedMs: performance.now() - t0,
              }),
          },
          onGpu,
        );
        throttle.flush();
        const stepsDone = Number(iv.metrics?.stepsDone ?? 0);
        const aborted = iv.metrics?.aborted === true;
        if (aborted && stepsDone === 0) throw stoppedEarly();
        const fitMs = performance.now() - t0;
        iv.metrics = { ...(iv.metrics ?? {}), fitMs, prompts: { source: dataset.source.length, target: dataset.target.length, control: dataset.control.length } };
        this.steers = [{ iv, strength: checkStrength(p.strength ?? 1), useGate: p.dsas, hooks: [...iv.hooks.keys()] }];
        const fault = typeof iv.metrics?.fault === 'string' ? iv.metrics.fault : undefined;
        return { intervention: encoded(iv), hooks, fitMs, metrics: iv.metrics, steering: this.apply(), aborted, stepsDone, trainer, ...(fault ? { fault } : {}) };
      } catch (e) {
        throttle.flush();
        throw e;
      } finally {
        this.endJob(controller);
      }
    });
  }

  /**
   * A λ sweep of one active intervention (params.intervention, default the first; run-eval.ts) with the other active
   * ones held at their own strengths and gate switches; the steering in force is put back afterwards, whatever happens.
   */
  evaluate(p: EvalParams, onProgress: (e: EvalProgressEvent) => void = () => undefined): Promise<ResultOf['evaluate']> {
    return this.serial(async () => {
      const m = this.model;
      if (!this.steer) throw new EngineFailure('input', 'Fit, train or load an intervention first: evaluation sweeps the active one.');
      const swept = typeof p === 'object' && p !== null && p.intervention !== undefined ? p.intervention : 0;
      if (!Number.isInteger(swept) || swept < 0 || swept >= this.steers.length) {
        const n = this.steers.length;
        throw new EngineFailure('input', `intervention is ${String(swept)}; it must name an active intervention: ${n === 1 ? '0 (1 is active)' : `0 to ${n - 1} (${n} are active)`}.`);
      }
      const configs = this.steeringConfig();
      const active = this.steers.map((a, i) => ({ iv: a.iv, config: configs[i] }));
      const controller = this.startJob('eval');
      const ctx = this.ctx;
      try {
        const r = await runEvaluation(m, active, swept, p, { signal: controller.signal, onProgress, inputError: (message) => new EngineFailure('input', message) });
        // Failed part-way: when the device went, 'device-lost' goes out first and the failure says so (see handle).
        const lost = r.failure !== undefined && ctx ? await lostWithin(ctx, LOSS_SETTLE_MS) : null;
        return lost !== null ? { ...r, failure: `The GPU stopped working (${lost}).` } : r;
      } finally {
        this.endJob(controller);
        try {
          this.apply();
        } catch {
          // The device is gone or the model changed: the call's own outcome is what gets reported.
        }
      }
    });
  }

  /** Aborts the running job (only that kind when given); true when one was running. */
  stop(kind?: JobKind): boolean {
    if (!this.running || (kind && this.runningKind !== kind)) return false;
    this.running.abort();
    return true;
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private startJob(kind: JobKind): AbortController {
    const controller = new AbortController();
    this.running = controller;
    this.runningKind = kind;
    return controller;
  }

  private endJob(controller: AbortController): void {
    if (this.running === controller) this.running = null;
  }

  private forgetModel(): void {
    this.loadedModel?.model.destroy();
    this.loadedModel = null;
    this.loadedFiles = null;
    this.loadedRef = '';
    this.cpuWeightsCache = null;
    this.steers = [];
  }

  private info(m: LoadedModel, loadMs: number): ModelInfo {
    return {
      id: m.id,
      modelType: m.spec.modelType,
      numLayers: m.spec.numLayers,
      hiddenSize: m.spec.hiddenSize,
      vocabSize: m.spec.vocabSize,
      maxContext: m.model.maxContext,
      hasChatTemplate: m.tokenizer.hasChatTemplate,
      weightDType: m.model.weights.dtype,
      gpuBytes: m.model.memory.gpuBytes,
      loadMs,
    };
  }

  private pickHooks(iv: Intervention, hooks: HookName[] | undefined): HookName[] {
    const all = [...iv.hooks.keys()];
    if (hooks === undefined) return all;
    const unknown = hooks.filter((h) => !iv.hooks.has(h));
    if (unknown.length) throw new EngineFailure('input', `The intervention has no map at ${unknown.join(', ')}; it has ${all.join(', ')}.`);
    return all.filter((h) => hooks.includes(h));
  }

  /** `index` if it names an active intervention, else an input error. */
  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.steers.length) {
      throw new EngineFailure('input', `There is no active intervention ${String(index + 1)}; ${this.steers.length} ${this.steers.length === 1 ? 'is' : 'are'} active.`);
    }
    return index;
  }

  private apply(): SteeringState {
    this.loadedModel?.model.setSteering(this.steeringConfig());
    return this.steeringState();
  }

  /** The loaded model, the parsed dataset and the hooks a fit or a training run asks for (input errors in plain words). */
  private fitInputs(p: { dataset: { text: string; fileName: string }; hooks: string }): { m: LoadedModel; dataset: PromptDataset; hooks: HookName[] } {
    const m = this.model;
    const dataset = parseDataset(p.dataset.text, p.dataset.fileName || 'dataset.json');
    if (dataset.chat && !m.tokenizer.hasChatTemplate) {
      throw new EngineFailure('input', 'This is a chat dataset (each prompt a user message), but this model has no chat template to format it with: turn Chat off for the dataset, or load a chat model.');
    }
    try {
      return { m, dataset, hooks: parseHookSelection(p.hooks, m.spec.numLayers) };
    } catch (e) {
      throw new EngineFailure('input', `The hook selection is not usable: ${(e as Error).message}.`);
    }
  }
}
