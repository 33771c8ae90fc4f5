import { api } from './api.ts';
import { evalApi } from './eval-api.ts';
import { ggufApi } from './gguf-api.ts';
import { kernelChecksApi } from './kernel-checks-api.ts';
import { lineasApi } from './lineas-api.ts';
import { logitsApi } from './logits-api.ts';
import { quantChecksApi } from './quant-checks-api.ts';
import { referenceApi } from './reference-api.ts';
import { steeringApi } from './steering-api.ts';
import { workerApi } from './worker-api.ts';
import { EngineFailure } from '../engine/engine-errors.ts';

const functions = { ...api, ...steeringApi, ...referenceApi, ...kernelChecksApi, ...lineasApi, ...evalApi, ...workerApi, ...quantChecksApi, ...ggufApi, ...logitsApi };
export type SteerscopeHarness = typeof functions;

/** The session's own failures cross the page boundary as plain errors with their message (no class name prefixed). */
function plainError(e: unknown): unknown {
  return e instanceof EngineFailure ? new Error(e.message) : e;
}

type AnyFn = (...args: unknown[]) => unknown;
const steerscope = Object.fromEntries(
  Object.entries(functions).map(([name, fn]) => [
    name,
    (...args: unknown[]) => {
      try {
        const r = (fn as AnyFn)(...args);
        return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(plainError(e))) : r;
      } catch (e) {
        throw plainError(e);
      }
    },
  ]),
) as SteerscopeHarness;

declare global {
  interface Window {
    steerscope: SteerscopeHarness;
  }
}
window.steerscope = steerscope;
document.body.dataset.ready = 'true';
