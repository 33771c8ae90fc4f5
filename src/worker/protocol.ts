/**
 * The message protocol between the page and the engine worker. Plain data only (structured-clone safe), apart from the
 * File objects of a picked folder.
 *
 *   page → worker   EngineRequest       { id, type, ... }            one per call; `id` is unique per client
 *   worker → page   EngineEvent         { id, type: 'progress' }     load progress (throttled), zero or more
 *                                       { id, type: 'token' }        one per generated token
 *                                       { id, type: 'done', result } the call's result, exactly one of done / error
 *                                       { id, type: 'error', error } a user-readable failure
 *                                       { id: 0, type: 'device-lost' } the GPU went away (unsolicited)
 */
import type { HookName } from '../model/spec.ts';

/** Where a model comes from: a name the app resolves (dev-server folder, hub id, URL), or files the user picked. */
export type ModelSource =
  | { kind: 'ref'; ref: string }
  /** `files[i].path` is the File's webkitRelativePath (the picked folder's name first). */
  | { kind: 'files'; id: string; files: { path: string; file: File }[] };

export interface SamplingSettings {
  greedy: boolean;
  temperature: number;
  topP: number;
  topK: number;
  repetitionPenalty: number;
  seed: number;
}

export interface GenerateParams {
  prompt: string;
  /** Render the prompt with the model's chat template (as one user message). */
  chat: boolean;
  maxNewTokens: number;
  sampling: SamplingSettings;
}

export type EngineRequest =
  | { id: number; type: 'adapter' }
  | { id: number; type: 'load'; source: ModelSource; maxContext?: number }
  | { id: number; type: 'generate'; params: GenerateParams }
  /** Stops the running generation (if any); answers at once. The generate call then finishes with stopReason 'aborted'. */
  | { id: number; type: 'stop' }
  | { id: number; type: 'unload' };

export type RequestType = EngineRequest['type'];

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  hasF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface LoadProgressEvent {
  phase: 'config' | 'headers' | 'weights' | 'done';
  /** Weight bytes read so far / in all (0 / 0 before the weights start). */
  loadedBytes: number;
  totalBytes: number;
  /** The file being read. */
  file: string;
  /** 1-based index of the weight file being read, and how many there are (0 while not known). */
  fileIndex: number;
  fileCount: number;
}

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

export interface TokenEvent {
  index: number;
  tokenId: number;
  /** The text this token added (may be empty while a multi-byte character is incomplete). */
  text: string;
  /** All generated text so far. */
  fullText: string;
  /** Steering gate values for this token, one per gated hook (empty when unsteered). */
  strengths: number[];
}

export type StopReason = 'eos' | 'max-tokens' | 'stop-string' | 'aborted';

export interface GenerateDone {
  promptTokenCount: number;
  tokenIds: number[];
  text: string;
  stopReason: StopReason;
  hooks: HookName[];
  timings: { prefillMs: number; decodeMs: number; decodeTokensPerSecond: number };
}

/** What each request type resolves with. */
export interface ResultOf {
  adapter: AdapterInfo;
  load: ModelInfo;
  generate: GenerateDone;
  stop: { stopped: boolean };
  unload: { unloaded: boolean };
}

/**
 * Kinds of failure, so the UI can put the message where it belongs:
 * webgpu (no WebGPU), model (the files or their contents), input (prompt / settings), no-model (nothing loaded),
 * gpu (device lost, out of memory), internal (a bug).
 */
export type EngineErrorKind = 'webgpu' | 'model' | 'input' | 'no-model' | 'gpu' | 'internal';

export interface EngineErrorInfo {
  kind: EngineErrorKind;
  /** Plain words, shown to the user as is. */
  message: string;
}

export type EngineEvent =
  | { id: number; type: 'progress'; progress: LoadProgressEvent }
  | { id: number; type: 'token'; token: TokenEvent }
  | { [K in RequestType]: { id: number; type: 'done'; request: K; result: ResultOf[K] } }[RequestType]
  | { id: number; type: 'error'; error: EngineErrorInfo }
  | { id: 0; type: 'device-lost'; error: EngineErrorInfo };
