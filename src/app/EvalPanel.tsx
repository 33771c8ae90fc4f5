/**
 * Evaluate: a λ sweep of the active intervention (spec section 7, scaled to the browser). Effect = share of sampled
 * continuations of the dataset's source prompts that the scorer (lexicon, VADER or a text classifier) labels source-like;
 * utility = a perplexity. The plot
 * shows one curve per run and gate setting with the Pareto front of all of them; the tables below give every number.
 */
import { useEffect, useMemo, useState } from 'react';
import { curvesOf, heldText, runDifferences, runsJson, type EvalRun, type UtilityChoice } from './eval-results.ts';
import { chosenScorer, EVAL_FIELDS, SCORER_CHOICES, type GateChoice } from './eval-settings.ts';
import { presetScorer } from './presets.ts';
import { evalBlocker, nameWithMethod, useEval } from './eval-store.ts';
import { formatSeconds, plural } from './format.ts';
import { checkDraft, useLibrary, type Lexicon } from './library-store.ts';
import { isBusy, isRunning, useApp } from './store.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { download } from './download.ts';
import { Legend, ParetoPlot, useGeometry } from './EvalPlot.tsx';
import { Continuations, RunTable } from './EvalRunDetails.tsx';
import { ClassifierFields } from './ClassifierFields.tsx';

const GATE_CHOICES: { value: GateChoice; label: string }[] = [
  { value: 'both', label: 'Gated and ungated' },
  { value: 'on', label: 'Gated only' },
  { value: 'off', label: 'Ungated only' },
];

const UTILITY_CHOICES: { value: UtilityChoice; label: string }[] = [
  { value: 'neutral', label: 'Neutral text' },
  { value: 'generation', label: 'Continuations' },
];

const words = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);

/** The dataset's word lists, editable (they belong to the dataset draft, and are saved with it). */
function LexiconFields({ lexicon, disabled }: { lexicon: Lexicon | undefined; disabled: boolean }) {
  const { setDraft } = useLibrary.getState();
  const [text, setText] = useState({ source: lexicon?.source.join(', ') ?? '', target: lexicon?.target.join(', ') ?? '' });
  // Another dataset (or a file) brought other words: show them.
  useEffect(() => {
    setText((t) => {
      const same = (side: 'source' | 'target') => words(t[side]).join(' ') === (lexicon?.[side] ?? []).join(' ');
      return same('source') && same('target') ? t : { source: lexicon?.source.join(', ') ?? '', target: lexicon?.target.join(', ') ?? '' };
    });
  }, [lexicon]);
  const change = (side: 'source' | 'target', value: string) => {
    const next = { ...text, [side]: value };
    setText(next);
    const source = words(next.source);
    const target = words(next.target);
    setDraft({ lexicon: source.length || target.length ? { source, target } : undefined });
  };
  return (
    <div className="lexicon-grid">
      {(['source', 'target'] as const).map((side) => (
        <div className="field" key={side}>
          <label htmlFor={`eval-lexicon-${side}`}>
            {side === 'source' ? 'Source words' : 'Target words'} <span className="muted">({lexicon?.[side].length ?? 0})</span>
          </label>
          <textarea
            id={`eval-lexicon-${side}`}
            rows={4}
            spellCheck={false}
            disabled={disabled}
            value={text[side]}
            aria-describedby="eval-lexicon-hint"
            onChange={(e) => change(side, e.target.value)}
          />
        </div>
      ))}
      <p className="hint" id="eval-lexicon-hint">
        Separated by commas or spaces; whole words, any case. A continuation with more source words than target words counts as source-like. The words are part
        of the dataset (saved with it).
      </p>
    </div>
  );
}

function EvalProgress() {
  const run = useEval((s) => s.run);
  const p = run.progress;
  return (
    <div className="progress">
      <label htmlFor="eval-progress">Evaluating</label>
      {p?.scorerLoad ? (
        <progress id="eval-progress" max={p.scorerLoad.total || undefined} value={p.scorerLoad.total ? p.scorerLoad.loaded : undefined} aria-valuetext={`loading the ${p.scorerLoad.what}`} />
      ) : (
        <progress id="eval-progress" max={p ? p.total : undefined} value={p ? p.done : undefined} aria-valuetext={p ? `${p.done} of ${p.total}` : 'starting'} />
      )}
      <p className="muted" data-testid="eval-progress-text">
        {run.status === 'stopping'
          ? 'Stopping after this continuation…'
          : p?.scorerLoad
            ? `Loading the ${p.scorerLoad.what}${p.scorerLoad.total > 0 ? `: ${(p.scorerLoad.loaded / 1e6).toFixed(1)} of ${(p.scorerLoad.total / 1e6).toFixed(1)} MB` : '…'}`
            : p
              ? `${p.done} of ${p.total} continuations and scorings · now λ ${p.lambda}, ${p.gated ? 'gated' : 'ungated'}`
              : 'Starting…'}
      </p>
    </div>
  );
}

function ClearButton({ count, disabled }: { count: number; disabled: boolean }) {
  return (
    <ConfirmButton label="Clear" question="Clear the results?" confirmLabel="Clear them" keepLabel="Keep them" onConfirm={() => void useEval.getState().clear()} disabled={disabled}>
      Clear {plural(count, 'evaluation run')}? They are deleted from this browser too (download them first to keep them).
    </ConfirmButton>
  );
}

/** Deletes one run, after asking (as Clear does). */
function DeleteRunButton({ run, disabled }: { run: EvalRun; disabled: boolean }) {
  return (
    <ConfirmButton
      label="Delete"
      ariaLabel={`Delete run ${run.number}`}
      question={`Delete run ${run.number}?`}
      confirmLabel="Delete it"
      keepLabel="Keep it"
      onConfirm={() => void useEval.getState().deleteRun(run.id)}
      disabled={disabled}
    >
      Delete run {run.number} ({run.name})? It is deleted from this browser (download the results first to keep it).
    </ConfirmButton>
  );
}

/** A storage problem (reading, saving or deleting runs) in words, with Try again when runs are unsaved. */
function StorageProblem() {
  const error = useEval((s) => s.storageError);
  const unsaved = useEval((s) => s.unsaved.length);
  if (!error) return null;
  return (
    <div role="alert" className="error" data-testid="eval-storage-error">
      <p>{error}</p>
      {unsaved > 0 && (
        <button type="button" className="secondary small" onClick={() => void useEval.getState().saveAgain()}>
          Try saving again
        </button>
      )}
    </div>
  );
}

function EvalResults() {
  const runs = useEval((s) => s.runs);
  const utility = useEval((s) => s.utility);
  const running = useEval((s) => isRunning(s.run));
  const { setUtility } = useEval.getState();
  const curves = useMemo(() => curvesOf(runs), [runs]);
  const { g, front } = useGeometry({ curves, utility });
  const differences = runDifferences(runs);
  if (runs.length === 0) return null;
  return (
    <div className="eval-results" aria-labelledby="eval-results-h">
      <div className="row between">
        <h3 id="eval-results-h">Results</h3>
        <div className="row">
          <button type="button" className="secondary small" onClick={() => download('steerscope-evaluation.json', runsJson(runs), 'application/json')}>
            Download as JSON
          </button>
          <ClearButton count={runs.length} disabled={running} />
        </div>
      </div>
      <fieldset className="segmented">
        <legend>Utility axis</legend>
        {UTILITY_CHOICES.map((u) => (
          <label key={u.value} className={utility === u.value ? 'on' : ''}>
            <input type="radio" name="eval-utility" value={u.value} checked={utility === u.value} onChange={() => setUtility(u.value)} />
            {u.label}
          </label>
        ))}
      </fieldset>
      <p className="hint">
        {utility === 'neutral'
          ? 'How well the steered model still predicts the dataset’s control prompts.'
          : 'How natural the unsteered model finds the steered continuations (given their prompts).'}{' '}
        Both axes are costs: points toward the lower left are better. Runs are kept in this browser until you delete them.
      </p>
      {differences.length > 0 && (
        <p className="warn" data-testid="eval-differences">
          These runs differ in {differences.join(', ')}: compare their curves with care.
        </p>
      )}
      <ParetoPlot curves={curves} utility={utility} g={g} />
      <Legend curves={curves} />
      {runs.map((run) => (
        <div key={run.id} className="eval-run">
          <RunTable run={run} runs={runs} front={front} curves={curves} />
          <DeleteRunButton run={run} disabled={running} />
          <Continuations run={run} />
        </div>
      ))}
    </div>
  );
}

export function EvalPanel() {
  const model = useApp((s) => (s.load.status === 'ready' ? s.load.model : null));
  const active = useApp((s) => s.steer.active);
  const extra = useApp((s) => s.steer.extra);
  const steerBusy = useApp((s) => s.steer.busy);
  const generating = useApp((s) => isBusy(s.gen) || isBusy(s.base));
  const draft = useLibrary((s) => s.draft);
  const fitting = useLibrary((s) => isRunning(s.fit));
  const settings = useEval((s) => s.settings);
  const errors = useEval((s) => s.errors);
  const gatesChoice = useEval((s) => s.gates);
  const chatChoice = useEval((s) => s.chat);
  const scorerChoice = useEval((s) => s.scorer);
  const run = useEval((s) => s.run);
  const lastRun = useEval((s) => s.runs.at(-1));
  const savedRuns = useEval((s) => s.savedRuns);
  const { setSetting, setGates, setChat, setScorer, evaluate, stop } = useEval.getState();
  const scorer = chosenScorer(scorerChoice, draft.origin);
  const hinted = presetScorer(draft.origin);
  const check = useMemo(() => checkDraft(draft), [draft]);
  const running = isRunning(run);
  const blocked = evalBlocker({ modelReady: model !== null, active, steerBusy, fitting, draft, scorer });
  const gates: GateChoice = active?.hasGates ? (gatesChoice ?? 'both') : 'off';
  const lexicon = draft.lexicon;
  const noLexicon = !lexicon || lexicon.source.length === 0 || lexicon.target.length === 0;
  const needLexicon = noLexicon && scorer === 'lexicon';
  // Open by itself when the words are missing; otherwise the user opens and closes it.
  const [lexiconOpen, setLexiconOpen] = useState(needLexicon);
  useEffect(() => {
    if (needLexicon) setLexiconOpen(true);
  }, [needLexicon]);

  return (
    <section className="panel eval" id="eval-panel" aria-labelledby="eval-h" data-saved-runs={savedRuns}>
      <h2 id="eval-h">Evaluate</h2>
      <p className="hint intro">
        Sweeps the steering strength λ and measures, at each λ, the effect (how many sampled continuations of the source prompts still read source-like, by the
        scorer below) against the utility (perplexities: lower is better). Each sweep is a curve; the best trade-offs form the Pareto front.
      </p>
      <dl className="eval-what">
        <div>
          <dt>Intervention</dt>
          <dd data-testid="eval-intervention">{active ? nameWithMethod(active.name, active.method, active.hasGates) : 'none: choose or fit one first'}</dd>
        </div>
        {active && extra.length > 0 && (
          <div>
            <dt>Held</dt>
            <dd data-testid="eval-held">
              {heldText(extra.map((e) => ({ label: nameWithMethod(e.iv.name, e.iv.method, e.iv.hasGates), modelId: e.iv.modelId, hookCount: e.iv.hooks.length, strength: e.strength, useGate: e.useGate && e.iv.hasGates })))}
              : applied as they are at every point (added with Also apply), so λ = 0 is these alone.
            </dd>
          </div>
        )}
        <div>
          <dt>Dataset</dt>
          <dd>
            {draft.name || 'unnamed'}: {plural(check.counts.source, 'source prompt')}, {plural(check.counts.control, 'control prompt')} (the neutral texts)
          </dd>
        </div>
      </dl>
      {check.dataset && check.counts.control === 0 && (
        <p className="warn" data-testid="eval-no-control">
          This dataset has no control prompts, so there is no neutral text to measure the steered model’s perplexity on. Add some in the dataset editor above.
        </p>
      )}
      <fieldset className="segmented" disabled={running}>
        <legend>Scorer</legend>
        {SCORER_CHOICES.map((c) => (
          <label key={c.id} className={scorer === c.id ? 'on' : ''}>
            <input type="radio" name="eval-scorer" value={c.id} checked={scorer === c.id} onChange={() => setScorer(c.id)} />
            {c.label}
          </label>
        ))}
      </fieldset>
      <p className="hint" data-testid="eval-scorer-hint">
        {SCORER_CHOICES.find((c) => c.id === scorer)?.hint}
        {hinted && scorerChoice === null ? ` Suggested by the preset “${draft.name}”.` : ''}
      </p>
      {scorer === 'classifier' && <ClassifierFields disabled={running} />}
      <details className="lexicon" open={lexiconOpen} onToggle={(e) => setLexiconOpen(e.currentTarget.open)}>
        <summary>
          Lexicon: {noLexicon ? 'none yet' : `${plural(lexicon.source.length, 'source word')}, ${plural(lexicon.target.length, 'target word')}`}
        </summary>
        {needLexicon && (
          <p className="warn" data-testid="eval-no-lexicon">
            The dataset “{draft.name}” has no lexicon, so continuations cannot be scored. List words that mark source and target text below, or open a dataset file
            with a "lexicon" ({'{ "source": [...], "target": [...] }'}).
          </p>
        )}
        <LexiconFields lexicon={lexicon} disabled={running} />
      </details>

      <fieldset className="train-settings eval-settings" disabled={running}>
        <legend>Evaluation settings</legend>
        <div className="train-grid">
          {EVAL_FIELDS.map(({ field, label, hint }) => (
            <div className={`field${field === 'lambdas' ? ' span2' : ''}`} key={field}>
              <label htmlFor={`eval-${field}`}>{label}</label>
              <input
                id={`eval-${field}`}
                type="text"
                inputMode={field === 'lambdas' ? 'text' : 'decimal'}
                autoComplete="off"
                spellCheck={false}
                value={settings[field]}
                aria-invalid={errors[field] ? true : undefined}
                aria-describedby={`eval-${field}-hint`}
                onChange={(e) => setSetting(field, e.target.value)}
              />
              <p className={errors[field] ? 'error small-text' : 'hint'} id={`eval-${field}-hint`}>
                {errors[field] ?? hint}
              </p>
            </div>
          ))}
        </div>
        <p className="hint">Sampling as in the papers: temperature 1, top-p 0.3, repetition penalty 1.2 (no top-k).</p>
        {active?.hasGates && (
          <fieldset className="segmented">
            <legend>DSAS gates</legend>
            {GATE_CHOICES.map((c) => (
              <label key={c.value} className={gates === c.value ? 'on' : ''}>
                <input type="radio" name="eval-gates" value={c.value} checked={gates === c.value} onChange={() => setGates(c.value)} />
                {c.label}
              </label>
            ))}
          </fieldset>
        )}
        {active && !active.hasGates && <p className="hint">This intervention has no DSAS gates: it is evaluated ungated.</p>}
        {model?.hasChatTemplate && (
          <div className="field check">
            <label>
              <input type="checkbox" checked={chatChoice ?? true} onChange={(e) => setChat(e.target.checked)} />
              Use the chat template
            </label>
          </div>
        )}
      </fieldset>

      <div className="actions">
        <button type="button" onClick={() => void evaluate()} disabled={running || blocked !== null || !model} aria-describedby="eval-blocked">
          Evaluate
        </button>
        <button type="button" className="secondary" onClick={() => void stop()} disabled={run.status !== 'running'}>
          Stop evaluating
        </button>
      </div>
      {blocked && !running && (
        <p id="eval-blocked" className="hint">
          {blocked}
        </p>
      )}
      {!blocked && !running && generating && (
        <p id="eval-blocked" className="hint">
          Evaluate stops the generation that is running.
        </p>
      )}
      {running && <EvalProgress />}
      {run.status === 'done' && (
        <p role="status" className="ok">
          {run.stopped
            ? run.stopped.kept > 0
              ? `Stopped: kept ${plural(run.stopped.kept, 'point')} of ${run.stopped.planned}${lastRun ? ` as run ${lastRun.number}` : ''}.`
              : 'Stopped before the first point: nothing to show.'
            : lastRun
              ? `Evaluated run ${lastRun.number}: ${plural(lastRun.points.length, 'point')} in ${formatSeconds(lastRun.evalMs)}.`
              : 'Evaluated.'}
        </p>
      )}
      {run.status === 'error' && run.error && (
        <p role="alert" className="error">
          {run.error}
        </p>
      )}
      <StorageProblem />
      <EvalResults />
    </section>
  );
}
