/**
 * The message protocol between the page and the engine worker. Plain data only (structured-clone safe), apart from the
 * File objects of a picked folder.
 *
 *   page → worker   EngineRequest       { id, type, ... }            one per call; `id` is unique per client
 *   worker → page   EngineEvent         { id, type: 'progress' }     load progress (throttled), zero or more
 *                                       { id, type: 'fit-progress' } fitting progress (per hook, then DSAS)
 *                                       { id, type: 'train-progress' } LinEAS training progress (throttled, the
 *                                                                     last step always sent)
 *                                       { id, type: 'eval-progress' } evaluation progress (one per continuation, one per λ's neutral texts)
 *                                       { id, type: 'token' }        one per generated token
 *                                       { id, type: 'done', result } the call's result, exactly one of done / error
 *                                       { id, type: 'error', error } a user-readable failure
 *                                       { id: 0, type: 'device-lost' } the GPU went away (unsolicited)
 */
import type { HubSettings } from '../model/formats/hub.ts';
import type { HookName } from '../model/spec.ts';
import type { LoadProgress } from '../model/load-model.ts';
import type { ClosedFormMethodId } from '../steering/methods/registry.ts';
import type { FitMode } from '../steering/fit-incremental.ts';
import type { Trainer, TrainerChoice } from '../steering/lineas/choose-trainer.ts';
import type { SamplingSettings } from '../core/sampler.ts';
import type { EvalDone, EvalParams, EvalProgressEvent } from '../eval/types.ts';

export type { SamplingSettings } from '../core/sampler.ts';
export type { ClassifierChoice, EvalDone, EvalParams, EvalPoint, EvalProgressEvent, HeldIntervention } from '../eval/types.ts';

/** Where a model comes from: a name the app resolves (dev-server folder, hub id, URL), or files the user picked. */
export type ModelSource =
  /** `hub`: the hub endpoint and access token for hub ids (default huggingface.co, no token). */
  | { kind: 'ref'; ref: string; hub?: HubSettings }
  /** `files[i].path` is the File's webkitRelativePath (the picked folder's name first). */
  | { kind: 'files'; id: string; files: { path: string; file: File }[] };

export interface GenerateParams {
  prompt: string;
  /** Render the prompt with the model's chat template (as one user message, ending with the assistant prompt); the text stops at the end of the assistant's turn. */
  chat: boolean;
  /** Chat only: a system message before the user message (blank: none). */
  system?: string;
  maxNewTokens: number;
  sampling: SamplingSettings;
  /** Run without the active intervention (the compare view's left side). The intervention stays set. */
  unsteered?: boolean;
  /** A prompt that does not fit the context with the new tokens loses its start (the BOS kept) instead of being refused. */
  keepPromptEnd?: boolean;
}

/** An intervention as two files: `intervention.json` (text) and `intervention.safetensors` (bytes). */
export interface EncodedIntervention {
  manifest: string;
  tensors: ArrayBuffer;
}

export type FitMethod = ClosedFormMethodId;

export interface FitParams {
  /** The dataset file's text (JSON, CSV or one prompt per line) and its name (the extension picks the format). */
  dataset: { text: string; fileName: string };
  method: FitMethod;
  /** Hook selection: `all`, `attn`, `mlp`, `resid` or a list like `0.attn,1.mlp` (see hook-selection.ts). */
  hooks: string;
  /** Also fit DSAS gates (needs control prompts). */
  dsas: boolean;
  /** λ the fitted intervention becomes active with (default 1). */
  strength?: number;
  /** Fit each hook on activations steered by the hooks before it (default 'incremental') or all on unsteered ones. */
  mode?: FitMode;
  /** Linear-AcT: apply the maps only inside the source range. */
  sourceRange?: boolean;
}

/** LinEAS training settings (spec section 5); the trainer runs inside the worker (GPU float32 or CPU float64). */
export interface TrainParams {
  /** As FitParams.dataset. */
  dataset: { text: string; fileName: string };
  /** As FitParams.hooks. */
  hooks: string;
  /** Optimizer steps (≥ 1). */
  steps: number;
  /** Peak learning rate of the cosine schedule. */
  lr: number;
  /** Source prompts per step (capped at the number of source prompts). */
  batch: number;
  /** L1 strength on w − 1 and b (0: off). */
  l1: number;
  /** Sparse-group strength λ₂ (0: off). */
  group: number;
  seed: number;
  /** E2E-DSAS: gates initialised from per-hook detectors and trained jointly (needs control prompts). */
  dsas: boolean;
  /** λ the trained intervention becomes active with (default 1). */
  strength?: number;
  /** Where the gradients are computed; 'auto' (default) as chooseTrainer decides. */
  trainer?: TrainerChoice;
}

export interface SteeringOptions {
  /** λ, the steering strength. */
  strength: number;
  /** Use the DSAS gates (when the intervention has them). */
  useGate: boolean;
  /** Steer only at these of the intervention's hooks (default: all of them). */
  hooks?: HookName[];
  /** Which active intervention updateSteering / setStrength change (0, the first, by default). */
  index?: number;
}

export type EngineRequest =
  | { id: number; type: 'adapter' }
  | { id: number; type: 'load'; source: ModelSource; maxContext?: number }
  | { id: number; type: 'generate'; params: GenerateParams }
  /**
   * Stops the running generation, fit or training (if any); answers at once. A generate call then finishes with
   * stopReason 'aborted'; a fit call fails with kind 'aborted'; a train call resolves with what it has trained so far
   * (see 'train'). With `what`, only that kind of call is stopped ('fit' covers training).
   */
  | { id: number; type: 'stop'; what?: 'generate' | 'fit' | 'eval' }
  | { id: number; type: 'unload' }
  /**
   * Destroys the GPU device at once, as a lost GPU would (tests and the debug hook use it to check recovery): the
   * running call ends, 'device-lost' follows, and the next call gets a new device.
   */
  | { id: number; type: 'loseDevice' }
  /** Fits Mean-AcT / Linear-AcT (± DSAS) on the loaded model; the result becomes the active intervention. Stop cancels it. */
  | { id: number; type: 'fit'; params: FitParams }
  /**
   * Trains LinEAS (± E2E-DSAS) on the loaded model; the result becomes the active intervention. Stop (what: 'fit')
   * ends training after the current step and the call resolves with the maps trained so far (`aborted: true`); it
   * fails with kind 'aborted' only when stopped before the first step.
   */
  | { id: number; type: 'train'; params: TrainParams }
  /**
   * Evaluates the active intervention over a λ sweep (EvalParams). The steering settings in force before the call are
   * restored after it. Stop (what: 'eval') ends it after the current continuation; the call then resolves with the
   * finished points (`aborted: true`).
   */
  | { id: number; type: 'evaluate'; params: EvalParams }
  /**
   * Sets (null: clears) the active intervention and how it is applied; with `add`, appends it after the active ones
   * (several are applied in that order: at a shared hook z ← steer_B(steer_A(z)), each with its own λ and gate).
   */
  | ({ id: number; type: 'setIntervention'; intervention: EncodedIntervention | null; add?: boolean } & SteeringOptions)
  /** Removes one of the active interventions (index in `SteeringState.interventions`). */
  | { id: number; type: 'removeIntervention'; index: number }
  /** Changes how the active intervention is applied, keeping it (cheaper than setIntervention: no files). */
  | ({ id: number; type: 'updateSteering' } & Partial<SteeringOptions>)
  /** Changes λ only (no rebuild). */
  | { id: number; type: 'setStrength'; strength: number; index?: number };

export type RequestType = EngineRequest['type'];

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  hasF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** Load progress, as the loader reports it (load-model.ts). */
export type LoadProgressEvent = LoadProgress;

export interface ModelInfo {
  id: string;
  modelType: string;
  numLayers: number;
  hiddenSize: number;
  vocabSize: number;
  maxContext: number;
  hasChatTemplate: boolean;
  weightDType: string;
  gpuBytes: number;
  loadMs: number;
}

export interface FitProgressEvent {
  /** maps: fitting one hook's map after another; dsas: fitting the gates. */
  stage: 'maps' | 'dsas';
  /** Hooks done / in all for `maps` (0 / 0 for `dsas`). */
  done: number;
  total: number;
  /** The hook just fitted. */
  hook?: HookName;
}

export interface TrainProgressEvent {
  /** weights: reading the model's weights for the CPU trainer; prepare: target activations (and DSAS detectors); train: stepping. */
  phase: 'weights' | 'prepare' | 'train';
  /** Steps done (0 before the first) and in all. */
  step: number;
  steps: number;
  /** The batch loss of the last step (null before the first). */
  loss: number | null;
  /** Sorted-W2 per hook on the last batch. */
  perHook: Partial<Record<HookName, number>>;
  /** E2E-DSAS control term (0 without it). */
  controlLoss: number;
  lr: number;
  activeNeurons: number;
  activeHooks: number;
  /** Active neurons per hook after the last step, when the trainer reports them (else only the totals). */
  perHookActive?: Partial<Record<HookName, number>>;
  /** The trained hooks and their neurons in all (hooks × hidden size). */
  hooks: HookName[];
  totalNeurons: number;
  /** Since the call started (weights and preparation included). */
  elapsedMs: number;
  /** Every step's loss since the previous event, in order (events are throttled, the curve is not). */
  points: { step: number; loss: number }[];
}

export interface FitDone {
  intervention: EncodedIntervention;
  hooks: HookName[];
  fitMs: number;
  metrics: Record<string, unknown>;
  steering: SteeringState;
}

export interface TrainDone extends FitDone {
  /** Stopped before the last step (the maps are those trained so far). */
  aborted: boolean;
  stepsDone: number;
  /** Why training stopped itself (a non-finite loss, say); the maps are those of the last good step. */
  fault?: string;
  /** The trainer that ran. */
  trainer: Trainer;
}

/** One active intervention: what it is and how it is applied. */
export interface ActiveInterventionState {
  modelId: string;
  method: string;
  /** All its hooks, and those steered now. */
  hooks: HookName[];
  activeHooks: HookName[];
  hasGates: boolean;
  created: string | null;
  strength: number;
  useGate: boolean;
}

/** What the engine steers with now. The top-level fields describe the first active intervention. */
export interface SteeringState {
  /** The active intervention's model id, method and hooks (all of them), or null when unsteered. */
  intervention: { modelId: string; method: string; hooks: HookName[]; hasGates: boolean; created: string | null } | null;
  /** Hooks steered now (a subset of the intervention's). */
  activeHooks: HookName[];
  /** Hooks whose gates run now: the columns of per-token strengths (a hook once per intervention gated there). */
  gatedHooks: HookName[];
  /** For each column of `gatedHooks`, the index of its intervention in `interventions`. */
  gateInterventions: number[];
  strength: number;
  useGate: boolean;
  /** Every active intervention, in the order they are applied (empty when unsteered). */
  interventions: ActiveInterventionState[];
}

export interface TokenEvent {
  index: number;
  tokenId: number;
  /** The text this token added (may be empty while a multi-byte character is incomplete). */
  text: string;
  /** All generated text so far. */
  fullText: string;
  /**
   * First token only, completion mode: whitespace between the prompt and the generated text that decoding the generated
   * tokens alone drops (SentencePiece's leading space), so prompt + lead + fullText reads as the model wrote it.
   */
  lead?: string;
  /** Steering gate values for this token, one per gated hook (empty when unsteered). */
  strengths: number[];
}

export type StopReason = 'eos' | 'max-tokens' | 'stop-string' | 'aborted';

export interface GenerateDone {
  promptTokenCount: number;
  /** Tokens cut from the prompt's start to fit the context (keepPromptEnd); absent when none were. */
  promptTokensCut?: number;
  /** The prompt as token ids (BOS and the chat template included). */
  promptTokenIds: number[];
  tokenIds: number[];
  text: string;
  stopReason: StopReason;
  /** Gated hooks: the columns of `strengths` and `promptStrengths` (a hook once per intervention gated there). */
  hooks: HookName[];
  /** For each column, the index of its intervention in `interventions`. */
  hookInterventions: number[];
  /** The interventions applied, in order, with their λ (empty: unsteered). */
  interventions: { modelId: string; method: string; strength: number; useGate: boolean; hooks: HookName[] }[];
  /** Gate values per prompt token / per generated token (rows of `hooks.length`; empty without gates). */
  promptStrengths: number[][];
  /** The prompt's tokens as text, one per row of `promptStrengths` (only when there are gate values). */
  promptTokens?: string[];
  strengths: number[][];
  /** Whether the intervention was applied, and at which λ (null: unsteered). */
  strength: number | null;
  timings: { prefillMs: number; decodeMs: number; decodeSteps: number; decodeTokensPerSecond: number };
}

/** What each request type resolves with. */
export interface ResultOf {
  adapter: AdapterInfo;
  load: ModelInfo;
  generate: GenerateDone;
  stop: { stopped: boolean };
  unload: { unloaded: boolean };
  loseDevice: { lost: boolean };
  fit: FitDone;
  train: TrainDone;
  evaluate: EvalDone;
  setIntervention: SteeringState;
  updateSteering: SteeringState;
  setStrength: SteeringState;
  removeIntervention: SteeringState;
}

/**
 * Kinds of failure, so the UI can put the message where it belongs:
 * webgpu (no WebGPU), model (the files or their contents), input (prompt / settings / dataset / intervention file),
 * no-model (nothing loaded),
 * gpu (device lost, out of memory), aborted (a fit was stopped), internal (a bug).
 */
export type EngineErrorKind = 'webgpu' | 'model' | 'input' | 'no-model' | 'gpu' | 'aborted' | 'internal';

export interface EngineErrorInfo {
  kind: EngineErrorKind;
  /** Plain words, shown to the user as is. */
  message: string;
  /** Every problem found, one line each (a dataset's validation issues). */
  issues?: string[];
}

export type EngineEvent =
  | { id: number; type: 'progress'; progress: LoadProgressEvent }
  | { id: number; type: 'fit-progress'; progress: FitProgressEvent }
  | { id: number; type: 'train-progress'; progress: TrainProgressEvent }
  | { id: number; type: 'eval-progress'; progress: EvalProgressEvent }
  | { id: number; type: 'token'; token: TokenEvent }
  | { [K in RequestType]: { id: number; type: 'done'; request: K; result: ResultOf[K] } }[RequestType]
  | { id: number; type: 'error'; error: EngineErrorInfo }
  | { id: 0; type: 'device-lost'; error: EngineErrorInfo };
