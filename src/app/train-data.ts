/** Pure helpers for LinEAS runs and records (tested in Node): support the totals decide, the saved curve and settings. */
import type { HookName } from '../model/spec.ts';
import type { TrainProgressEvent } from '../engine/protocol.ts';
import type { LossPoint } from './loss-chart.ts';

/** A LinEAS run as the page shows it: the newest progress and the whole loss curve so far. */
export interface TrainLive extends Omit<TrainProgressEvent, 'points'> {
  points: LossPoint[];
  /** Per-hook loss at the first step (the bars' scale). */
  firstPerHook: Partial<Record<HookName, number>>;
}

/** The run after one more progress event: the curve grows by the event's points; per-hook support as far as known. */
export function nextTrainLive(prev: TrainLive | null, p: TrainProgressEvent): TrainLive {
  const points = p.points.length ? (prev?.points ?? []).concat(p.points) : (prev?.points ?? []);
  const firstPerHook = prev && Object.keys(prev.firstPerHook).length ? prev.firstPerHook : p.perHook;
  return { ...p, perHookActive: p.perHookActive ?? knownSupport(p), points, firstPerHook };
}

/** The run once the intervention is back: its recorded curve and final per-hook support replace the streamed ones. */
export function finishTrainLive(live: TrainLive | null, metrics: Record<string, unknown>): TrainLive | null {
  if (!live) return null;
  const perHook = (metrics.support as { perHook?: unknown } | undefined)?.perHook;
  const support = perHook && typeof perHook === 'object' ? (perHook as Partial<Record<HookName, number>>) : undefined;
  return { ...live, perHookActive: support ?? live.perHookActive, points: curveOf(metrics) ?? live.points };
}

/** Per-hook support that the totals alone decide: every neuron active, or none. */
export function knownSupport(p: TrainProgressEvent): Partial<Record<HookName, number>> | undefined {
  if (p.phase !== 'train' || p.hooks.length === 0) return undefined;
  const d = p.totalNeurons / p.hooks.length;
  if (p.activeNeurons === p.totalNeurons) return Object.fromEntries(p.hooks.map((h) => [h, d]));
  if (p.activeHooks === 0) return Object.fromEntries(p.hooks.map((h) => [h, 0]));
  return undefined;
}

/** The steps a LinEAS run was set to (its manifest's settings), when recorded. */
export function plannedSteps(manifest: string): number | undefined {
  try {
    const steps = (JSON.parse(manifest) as { settings?: { steps?: unknown } | null }).settings?.steps;
    return typeof steps === 'number' && steps > 0 ? steps : undefined;
  } catch {
    return undefined;
  }
}

/** The training curve a LinEAS intervention records in its metrics (null when it has none). */
export function curveOf(metrics: Record<string, unknown>): LossPoint[] | null {
  const c = metrics.curve;
  if (!Array.isArray(c)) return null;
  const out: LossPoint[] = [];
  for (const p of c as unknown[]) {
    const q = p as { step?: unknown; loss?: unknown } | null;
    if (q && typeof q.step === 'number' && typeof q.loss === 'number') out.push({ step: q.step, loss: q.loss });
  }
  return out.length ? out : null;
}
