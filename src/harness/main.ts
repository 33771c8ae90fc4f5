import { api } from './api.ts';
import { evalApi } from './eval-api.ts';
import { ggufApi } from './gguf-api.ts';
import { kernelChecksApi } from './kernel-checks-api.ts';
import { lineasApi } from './lineas-api.ts';
import { referenceApi } from './reference-api.ts';
import { steeringApi } from './steering-api.ts';
import { workerApi } from './worker-api.ts';

const steerscope = { ...api, ...steeringApi, ...referenceApi, ...kernelChecksApi, ...lineasApi, ...evalApi, ...workerApi, ...ggufApi };
export type SteerscopeHarness = typeof steerscope;

declare global {
  interface Window {
    steerscope: SteerscopeHarness;
  }
}
window.steerscope = steerscope;
document.body.dataset.ready = 'true';
