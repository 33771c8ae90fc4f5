// `eval`: a λ sweep of an intervention folder on a model (spec section 7): for each gate setting and λ, the share of
// the dataset's source prompts continued source-like by the scorer (--scorer: the dataset's lexicon, VADER
// sentiment, or a text classifier from the hub or a folder) with its mean value, the perplexity of its control
// prompts under the steered model and of the continuations under the unsteered one, their diversity (distinct-n), and the Pareto fronts.
// Further --intervention folders are held at their --strength while the first one's λ is swept (λ = 0: them alone).
import { hubOptionsFrom } from './hub-cache.ts';
import { paretoFront } from '../src/eval/pareto.ts';
import { decodeIntervention } from '../src/steering/intervention-file.ts';
import type { EvalParams, EvalPoint, EvalProgressEvent } from '../src/engine/protocol.ts';
import { modelRef, openBrowserSession } from './browser-session.ts';
import { num, required, str, type Flags } from './args.ts';
import { readDatasetFile } from './dataset-file.ts';
import { readInterventionFolder, recordedModelId } from './intervention-folder.ts';
import { evalInterventionFlags } from './eval-interventions.ts';
import { checkInterventionModels } from './model-check.ts';
import { cleanError } from './browser-session.ts';
import { evalChatFormat } from './eval-chat.ts';
import { progress } from './progress.ts';
import { scorerParams } from './scorer-flags.ts';
import { checkStrength } from '../src/steering/strength.ts';

/** The sampling the papers evaluate with (spec section 7). */
export const EVAL_SAMPLING = { temperature: 1, topP: 0.3, topK: 0, repetitionPenalty: 1.2 };

function lambdaList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isFinite(values[i]));
  if (bad >= 0) throw new Error(`--lambdas needs numbers separated by commas, got "${text}"`);
  for (const v of values) checkStrength(v, `--lambdas value λ`);
  return values;
}

function count(flags: Flags, name: string, available: number): number {
  const n = num(flags, name, available)!;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`--${name} must be a whole number ≥ 1, got ${n}`);
  return Math.min(n, available);
}

/** Per gate setting, the indexes (into `points`) of its Pareto front of effect against neutral perplexity. */
export function frontsOf(points: EvalPoint[]): { gated: boolean; points: number[] }[] {
  return [true, false]
    .map((gated) => {
      const idx = points.map((p, i) => (p.gated === gated ? i : -1)).filter((i) => i >= 0);
      if (idx.length === 0) return null;
      const front = paretoFront(idx.map((i) => ({ x: points[i].effect, y: points[i].neutralPerplexity })));
      return { gated, points: front.map((k) => idx[k]) };
    })
    .filter((f): f is { gated: boolean; points: number[] } => f !== null);
}

/** "loading classifier X: 12.3 of 67.0 MB" (the total once known). */
export function scorerLoadLine(l: { what: string; loaded: number; total: number }): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return `loading ${l.what}: ${l.total > 0 ? `${mb(l.loaded)} of ${mb(l.total)} MB` : 'starting'}`;
}

/** Awaits `work`, printing its latest progress event (polled every few seconds) to stderr when it changed. */
async function reportingProgress<T>(work: Promise<T>, poll: () => Promise<EvalProgressEvent[]>, everyMs = 3000): Promise<T> {
  let last = '';
  let done = false;
  const loop = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, everyMs));
      if (done) break;
      const events = await poll().catch(() => []);
      const p = events[events.length - 1];
      const line = !p ? '' : p.scorerLoad ? scorerLoadLine(p.scorerLoad) : `eval ${p.done}/${p.total} (λ ${p.lambda}, gates ${p.gated ? 'on' : 'off'})`;
      if (line && line !== last) progress(line);
      last = line;
    }
  })();
  void loop;
  try {
    return await work;
  } finally {
    done = true;
  }
}

export async function runEval(flags: Flags): Promise<Record<string, unknown>> {
  const mounts: Record<string, string> = {};
  const model = modelRef(required(flags, 'model'), mounts);
  // The first --intervention is swept; the others are held at their --strength (eval-interventions.ts).
  const { swept: ivDir, held } = evalInterventionFlags(flags);
  const datasetPath = required(flags, 'dataset');
  const { dataset } = readDatasetFile(datasetPath);
  const lex = dataset.lexicon;
  const hasLexicon = lex !== undefined && Array.isArray(lex.source) && Array.isArray(lex.target);
  const scoring = scorerParams(flags, hasLexicon ? { source: lex.source, target: lex.target } : undefined, datasetPath, mounts);
  if (dataset.control.length === 0) throw new Error(`${datasetPath}: the dataset needs "control" prompts (the neutral texts whose perplexity is measured)`);
  const lambdas = lambdaList(str(flags, 'lambdas') ?? '0,0.5,1');
  const enc = readInterventionFolder(ivDir);
  const iv = decodeIntervention(enc.manifest, Buffer.from(enc.tensorsBase64, 'base64'));
  const heldFiles = held.map((h) => ({ ...h, files: readInterventionFolder(h.path) }));
  // Made for another model id: refused before the browser starts, unless --allow-other-model (model-check.ts).
  const warnings = checkInterventionModels(
    model,
    [{ path: ivDir, modelId: recordedModelId(ivDir, enc) }, ...heldFiles.map((h) => ({ path: h.path, modelId: recordedModelId(h.path, h.files) }))],
    Boolean(flags['allow-other-model']),
  );
  const heldGate = !flags['no-gate'];
  const hasGates = [...iv.hooks.values()].some((m) => m.gate !== undefined);
  const gates = str(flags, 'gates') ?? (hasGates ? 'both' : 'off');
  if (gates !== 'on' && gates !== 'off' && gates !== 'both') throw new Error(`--gates must be on, off or both, got "${gates}"`);
  const greedy = Boolean(flags.greedy);
  const params: EvalParams = {
    prompts: dataset.source.slice(0, count(flags, 'prompts', dataset.source.length)),
    neutral: dataset.control.slice(0, count(flags, 'neutral', dataset.control.length)),
    ...scoring,
    lambdas,
    gates,
    maxNewTokens: num(flags, 'max-new-tokens', 32)!,
    sampling: {
      greedy,
      temperature: num(flags, 'temperature', EVAL_SAMPLING.temperature)!,
      topP: num(flags, 'top-p', EVAL_SAMPLING.topP)!,
      topK: num(flags, 'top-k', EVAL_SAMPLING.topK)!,
      repetitionPenalty: num(flags, 'repetition-penalty', EVAL_SAMPLING.repetitionPenalty)!,
      seed: num(flags, 'seed', 0)!,
    },
    // A chat dataset's prompts are user messages: evaluated through the template (and its system message) as they were fitted.
    ...evalChatFormat(flags, dataset),
  };
  progress(`starting the browser and loading ${model}…`);
  const session = await openBrowserSession(mounts, hubOptionsFrom(flags));
  try {
    const loaded = await session.api.load(model, { maxContext: num(flags, 'max-context') });
    progress(`model loaded (${Math.round(loaded.loadMs)} ms); evaluating λ ${lambdas.join(', ')}, gates ${gates}, ${params.prompts.length} prompts, ${params.neutral.length} neutral texts`);
    // Applied in the order given, as generate applies them; the first is swept (index 0), the others keep their λ.
    const all = [{ path: ivDir, files: enc, strength: 1 as number | undefined, useGate: true }, ...heldFiles.map((h) => ({ ...h, useGate: heldGate }))];
    for (const [i, one] of all.entries()) {
      const opts = { strength: one.strength, useGate: one.useGate, checkModel: false };
      try {
        if (i === 0) await session.api.setIntervention(one.files, opts);
        else await session.api.addIntervention(one.files, opts);
      } catch (e) {
        const msg = cleanError(e).replace(/^Intervention \d+: /, '');
        throw new Error(all.length > 1 ? `--intervention ${one.path} (intervention ${i + 1} of ${all.length}): ${msg}` : `--intervention ${one.path}: ${msg}`);
      }
    }
    if (held.length > 0) progress(`holding ${held.length} intervention${held.length === 1 ? '' : 's'} at their own strength while λ of ${ivDir} is swept (λ = 0: the held ones only)`);
    const r = await reportingProgress(session.api.evaluate({ ...params, intervention: 0 }), () => session.api.evalProgress());
    progress(`evaluated in ${Math.round(r.evalMs)} ms`);
    return {
      ...(warnings.length > 0 ? { warnings } : {}),
      model: str(flags, 'model'),
      intervention: { folder: ivDir, method: r.intervention.method, hooks: r.intervention.hooks, hasGates: r.intervention.hasGates },
      // The interventions applied unchanged at every point (λ = 0 of the swept one: these alone); empty when none.
      held: r.held.map((h) => ({ intervention: all[h.index].path, modelId: h.modelId, method: h.method, hooks: h.hooks, strength: h.strength, useGate: h.useGate })),
      scorer: r.scorer,
      params: { ...params, dataset: datasetPath },
      points: r.points,
      front: frontsOf(r.points),
      evalMs: r.evalMs,
    };
  } finally {
    await session.close();
  }
}
