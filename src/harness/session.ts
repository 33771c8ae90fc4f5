/** The harness's one engine session: GPU context, loaded model, and the active intervention with its settings. */
import { createGpuContext, type GpuContext } from '../gpu/device.ts';
import type { SteeringConfig } from '../model/gpu/gpu-model.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { Intervention } from '../steering/intervention.ts';

export interface SessionState {
  ctx: GpuContext | null;
  loaded: LoadedModel | null;
  ref: string;
  intervention: Intervention | null;
  strength: number;
  useGate: boolean;
}

export const session: SessionState = { ctx: null, loaded: null, ref: '', intervention: null, strength: 1, useGate: true };

export async function gpu(): Promise<GpuContext> {
  session.ctx ??= await createGpuContext();
  return session.ctx;
}

export function current(): LoadedModel {
  if (!session.loaded) throw new Error('no model is loaded');
  return session.loaded;
}

/** The steering the model should run with now (null: unsteered). */
export function activeSteering(): SteeringConfig | null {
  const iv = session.intervention;
  if (!iv) return null;
  return { maps: iv.hooks, lambda: session.strength, useGate: session.useGate };
}

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
