/**
 * The harness page's engine: one EngineSession, the same object the worker wraps, so the CLI, the benchmark and the
 * browser tests run the app's code. The helpers below are what the harness functions share.
 */
import type { GpuContext } from '../gpu/device.ts';
import type { SteeringConfig } from '../model/gpu/gpu-model.ts';
import type { LoadedModel } from '../model/load-model.ts';
import { EngineSession } from '../engine/engine-session.ts';

export const engine = new EngineSession();

export function gpu(): Promise<GpuContext> {
  return engine.gpu();
}

/** The loaded model (throws when none). */
export function current(): LoadedModel {
  return engine.model;
}

/** The steering the model runs with now, one entry per active intervention in order (empty: unsteered). */
export function activeSteering(): SteeringConfig[] {
  return engine.steeringConfig();
}

/** Puts the session's steering back on the model (after a check that ran it with other maps). */
export function applySteering(): void {
  current().model.setSteering(activeSteering());
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
