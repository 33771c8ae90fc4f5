/** The engine's failures in plain words, sorted into kinds so the page can put each message where it belongs. */
import { WebGpuUnavailableError } from '../gpu/device.ts';
import { ModelConfigError } from '../model/config.ts';
import { ContextOverflowError } from '../model/gpu/gpu-model.ts';
import { ModelFileError } from '../model/formats/model-files.ts';
import { SafetensorsError } from '../model/formats/safetensors.ts';
import { ShardIndexError } from '../model/formats/shard-index.ts';
import { CheckpointTensorError } from '../model/formats/weight-names.ts';
import { TokenizerError } from '../model/tokenizer.ts';
import { DatasetError } from '../steering/dataset.ts';
import { InterventionFileError } from '../steering/intervention-file.ts';
import type { EngineErrorInfo, EngineErrorKind, RequestType } from './protocol.ts';

/** An error that already carries its kind and a user-readable message. */
export class EngineFailure extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Errors of the model's files and contents: they name the model, file or field first, so their spelling is kept. */
const MODEL_ERRORS = [ModelFileError, ModelConfigError, TokenizerError, SafetensorsError, ShardIndexError, CheckpointTensorError];

/** What the page is told when `e` ends a call of type `during`. */
export function describeFailure(e: unknown, during: RequestType): EngineErrorInfo {
  if (e instanceof EngineFailure) return { kind: e.kind, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  if (e instanceof WebGpuUnavailableError) return { kind: 'webgpu', message };
  if (MODEL_ERRORS.some((cls) => e instanceof cls)) return { kind: during === 'generate' ? 'input' : 'model', message };
  if (e instanceof ContextOverflowError) return { kind: 'input', message: sentence };
  if (e instanceof DatasetError) return { kind: 'input', message: `The dataset has problems: ${e.issues.join('; ')}`, issues: e.issues };
  if (e instanceof InterventionFileError) return { kind: 'input', message: sentence };
  if (/^GPU error|out of memory|device (was )?lost/i.test(message)) return { kind: 'gpu', message: `The GPU failed: ${message}` };
  if (during === 'load') return { kind: 'model', message: `The model could not be loaded: ${message}` };
  if (during === 'adapter' || during === 'stop' || during === 'unload') return { kind: 'internal', message: `Something went wrong in the engine: ${message}` };
  return { kind: 'input', message: sentence };
}
