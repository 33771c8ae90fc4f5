/** Evaluation results in the page (pure, tested in Node): runs, the curves they make, and what makes runs comparable. */
import type { ClassifierChoice, EvalPoint, SamplingSettings } from '../engine/protocol.ts';
import { classifierName } from './classifier-settings.ts';
import type { GateChoice } from './eval-settings.ts';

/** One Evaluate press: the intervention and settings it ran with, and its points (kept in IndexedDB, storage/db.ts). */
export interface EvalRun {
  /** Its key in the browser's storage (unique, never reused). */
  id: string;
  /** "Run 3": 1, 2, … in this browser (never reused, also after reloads and Clear). */
  number: number;
  /** The intervention's name (as the Steer panel showed it) and method. */
  name: string;
  method: string;
  modelId: string;
  hasGates: boolean;
  datasetName: string;
  /** The prompts continued (their order is the continuations' order). */
  prompts: string[];
  neutralCount: number;
  lexicon: { source: string[]; target: string[] };
  /** How continuations were scored (absent in runs saved before there was a choice: the lexicon). */
  scorer?: string;
  /** The classifier scorer's model and labels (with scorer 'classifier'). */
  classifier?: ClassifierChoice;
  lambdas: number[];
  gates: GateChoice;
  maxNewTokens: number;
  sampling: SamplingSettings;
  chat: boolean;
  /** The chat dataset's system message before each prompt (absent: none, and in runs saved before there was one). */
  system?: string;
  points: EvalPoint[];
  /**
   * The other active interventions ("Also apply"), applied unchanged at every point in the order given: λ = 0 of the
   * swept one means these alone. Absent (or empty) when it was evaluated alone.
   */
  held?: HeldRun[];
  /** Stopped before the end (the points are those finished). */
  aborted: boolean;
  evalMs: number;
  /** When it finished (ISO). */
  at: string;
}

/** An intervention held during a run: its name with its method (as the Steer panel showed it) and how it was applied. */
export interface HeldRun {
  label: string;
  modelId: string;
  hookCount: number;
  strength: number;
  useGate: boolean;
}

/** "holding B (Mean-AcT) at λ 0.5, gates on; …" for a run with held interventions ('' when none). */
export function heldText(held: readonly HeldRun[] | undefined): string {
  if (!held || held.length === 0) return '';
  const one = (h: HeldRun) => `${h.label} at λ ${h.strength}${h.useGate ? '' : ', gates off'} (${h.hookCount} hook${h.hookCount === 1 ? '' : 's'})`;
  return `holding ${held.map(one).join('; ')}`;
}

/** One curve of the plot: a run's points with one gate setting, in λ order. */
export interface EvalCurve {
  key: string;
  run: EvalRun;
  gated: boolean;
  label: string;
  /** Index of its run among the runs shown (its colour). */
  runIndex: number;
  points: EvalPoint[];
}

export type UtilityChoice = 'neutral' | 'generation';

export const UTILITY_LABEL: Record<UtilityChoice, string> = {
  neutral: 'Perplexity of neutral text (steered model)',
  generation: 'Perplexity of the continuations (unsteered model)',
};

export function utilityOf(p: EvalPoint, u: UtilityChoice): number {
  return u === 'neutral' ? p.neutralPerplexity : p.generationPerplexity;
}

/** The name a run goes by: its intervention's, with the run number when another run has the same name. */
export function runName(run: EvalRun, runs: readonly EvalRun[]): string {
  return runs.some((r) => r !== run && r.name === run.name) ? `${run.name} (run ${run.number})` : run.name;
}

/** Curves in run order, gated before ungated (as the engine sweeps); runs with no points make none. */
export function curvesOf(runs: readonly EvalRun[]): EvalCurve[] {
  const out: EvalCurve[] = [];
  runs.forEach((run, runIndex) => {
    for (const gated of [true, false]) {
      const points = run.points.filter((p) => p.gated === gated).sort((a, b) => a.lambda - b.lambda);
      if (points.length === 0) continue;
      const label = `${runName(run, runs)} · ${gated ? 'gated' : 'ungated'}`;
      out.push({ key: `${run.id}:${gated ? 'g' : 'u'}`, run, gated, label, runIndex, points });
    }
  });
  return out;
}

/** How a run's continuations were scored, in words ("the lexicon", "VADER", "classifier m (NEGATIVE → POSITIVE)"). */
export function scorerName(r: Pick<EvalRun, 'scorer' | 'classifier'>): string {
  const id = r.scorer ?? 'lexicon';
  if (id === 'classifier' && r.classifier) return classifierName(r.classifier);
  return id === 'lexicon' ? 'the lexicon' : id === 'vader' ? 'VADER' : id;
}

/** What differs between the runs shown, so a comparison on one plot can be read with care ([] when nothing does). */
export function runDifferences(runs: readonly EvalRun[]): string[] {
  if (runs.length < 2) return [];
  const aspects: [string, (r: EvalRun) => string][] = [
    ['model', (r) => r.modelId],
    ['dataset', (r) => r.datasetName],
    ['prompts', (r) => JSON.stringify(r.prompts)],
    ['neutral texts', (r) => String(r.neutralCount)],
    ['scorer', scorerName],
    ['lexicon', (r) => JSON.stringify(r.lexicon)],
    ['new tokens', (r) => String(r.maxNewTokens)],
    ['sampling', (r) => JSON.stringify(r.sampling)],
    ['chat template', (r) => String(r.chat)],
    ['held interventions', (r) => JSON.stringify(r.held ?? [])],
    ['system message', (r) => r.system ?? ''],
  ];
  return aspects.filter(([, f]) => new Set(runs.map(f)).size > 1).map(([name]) => name);
}

/** The runs as one JSON document (to keep them elsewhere). Version 2: a run's `id` is a string key, `number` its run number. */
export function runsJson(runs: readonly EvalRun[]): string {
  return JSON.stringify({ kind: 'steerscope-evaluation', version: 2, runs }, null, 2);
}

/** The saved runs with those in memory that are not among them, in run-number order. */
export function mergeRuns(saved: readonly EvalRun[], shown: readonly EvalRun[]): EvalRun[] {
  const ids = new Set(saved.map((r) => r.id));
  return [...saved, ...shown.filter((r) => !ids.has(r.id))].sort((a, b) => a.number - b.number || a.at.localeCompare(b.at));
}

/** The next run number: after every run shown and every number handed out before (`taken`, 0 when none). */
export function nextRunNumber(runs: readonly EvalRun[], taken: number): number {
  return Math.max(taken, ...runs.map((r) => r.number)) + 1;
}
