// `eval`'s scorer flags: --scorer lexicon|vader|classifier, --vader-source, and --classifier-model (a hub id or a
// local folder, which is mounted on the dev server) with --source-label / --target-label.
import { DEFAULT_CLASSIFIER } from '../src/eval/scorers/classifier-scorer.ts';
import { DEFAULT_SCORER, SCORERS } from '../src/eval/scorers/registry.ts';
import type { EvalParams } from '../src/engine/protocol.ts';
import { str, type Flags } from './args.ts';
import { modelRef } from './browser-session.ts';

type ScorerParams = Pick<EvalParams, 'scorer' | 'lexicon' | 'vaderSource' | 'classifier'>;

/** The scorer part of the sweep's parameters; a local --classifier-model folder is added to `mounts`. */
export function scorerParams(flags: Flags, lexicon: { source: string[]; target: string[] } | undefined, datasetPath: string, mounts: Record<string, string>): ScorerParams {
  const scorer = str(flags, 'scorer') ?? DEFAULT_SCORER;
  if (!SCORERS.some((s) => s.id === scorer)) throw new Error(`--scorer must be one of ${SCORERS.map((s) => s.id).join(', ')}, got "${scorer}"`);
  if (scorer === 'lexicon' && !lexicon) {
    throw new Error(`${datasetPath}: the dataset needs a "lexicon" with "source" and "target" word lists to score the continuations (or choose --scorer vader or classifier)`);
  }
  const vaderSource = str(flags, 'vader-source') ?? 'negative';
  if (vaderSource !== 'negative' && vaderSource !== 'positive') throw new Error(`--vader-source must be negative or positive, got "${vaderSource}"`);
  if (scorer !== 'vader' && flags['vader-source'] !== undefined) throw new Error('--vader-source goes with --scorer vader');
  const classifierFlags = ['classifier-model', 'source-label', 'target-label'].filter((f) => flags[f] !== undefined);
  if (scorer !== 'classifier' && classifierFlags.length > 0) throw new Error(`--${classifierFlags[0]} goes with --scorer classifier`);
  const out: ScorerParams = { scorer, ...(lexicon ? { lexicon } : {}) };
  if (scorer === 'vader') out.vaderSource = vaderSource;
  if (scorer === 'classifier') {
    const given = str(flags, 'classifier-model');
    const model = given === undefined ? DEFAULT_CLASSIFIER.model : modelRef(given, mounts);
    // The default labels are the default model's; another model needs its own.
    const sourceLabel = str(flags, 'source-label') ?? (given === undefined ? DEFAULT_CLASSIFIER.sourceLabel : undefined);
    if (sourceLabel === undefined) throw new Error('--source-label is required with --classifier-model: the label (as the model names it) that marks source text');
    const targetLabel = str(flags, 'target-label') ?? (given === undefined && flags['source-label'] === undefined ? DEFAULT_CLASSIFIER.targetLabel : undefined);
    if (targetLabel !== undefined && targetLabel === sourceLabel) throw new Error(`--target-label is the source label "${sourceLabel}" too`);
    out.classifier = { model, sourceLabel, ...(targetLabel !== undefined ? { targetLabel } : {}) };
  }
  return out;
}
