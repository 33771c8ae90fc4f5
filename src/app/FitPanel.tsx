import { useMemo, useRef, useState } from 'react';
import { HookGrid } from './HookGrid.tsx';
import { checkDraft, defaultFitHooks, fitProblems, useLibrary, type SetName } from './library-store.ts';
import { FITTABLE_METHODS, steeringMethod } from '../steering/methods/registry.ts';
import { PRESETS } from './presets.ts';
import { formatBytes, formatSeconds, plural } from './format.ts';
import { hookName, type HookName } from '../model/spec.ts';
import { useEval } from './eval-store.ts';
import { isRunning, useApp } from './store.ts';
import { TrainMonitor, TrainSettingsFields } from './TrainPanel.tsx';
import { formatLoss } from './loss-chart.ts';

const SETS: { set: SetName; title: string; hint: string }[] = [
  { set: 'source', title: 'Source', hint: 'What to steer away from.' },
  { set: 'target', title: 'Target', hint: 'What to steer toward.' },
  { set: 'control', title: 'Control', hint: 'Neutral text to leave alone (DSAS).' },
];


/** Above this many GPU bytes of weights, the CPU trainer gets slow enough to warn about. */
const CPU_TRAINER_COMFORT_BYTES = 64 * 2 ** 20;

async function readText(file: File): Promise<string> {
  return file.text();
}

function DatasetEditor() {
  const draft = useLibrary((s) => s.draft);
  const datasets = useLibrary((s) => s.datasets);
  const notice = useLibrary((s) => s.draftNotice);
  const { setDraft, choosePreset, openDataset, readDatasetText, saveDraft } = useLibrary.getState();
  const check = useMemo(() => checkDraft(draft), [draft]);
  const [fileIssues, setFileIssues] = useState<string[] | null>(null);
  const [paste, setPaste] = useState('');
  const fileInput = useRef<HTMLInputElement | null>(null);
  const fileTarget = useRef<SetName | undefined>(undefined);
  const value = draft.origin.kind === 'new' ? 'new' : draft.origin.kind === 'preset' ? draft.origin.id : `saved:${draft.origin.id}`;
  const invalidSet = (set: SetName) => check.issues.some((i) => i.includes(set));

  const openFile = (into?: SetName) => {
    fileTarget.current = into;
    fileInput.current?.click();
  };

  return (
    <div className="dataset-editor">
      <h3>Dataset</h3>
      <div className="grid2 wide-first">
        <div className="field">
          <label htmlFor="dataset-choice">Start from</label>
          <select
            id="dataset-choice"
            value={value}
            onChange={(e) => {
              const v = e.target.value;
              if (v.startsWith('preset:')) choosePreset(v);
              else if (v.startsWith('saved:')) openDataset(v.slice('saved:'.length));
            }}
          >
            <optgroup label="Presets for story models (stories260K)">
              {PRESETS.filter((p) => p.audience === 'stories').map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </optgroup>
            <optgroup label="Presets for instruction-tuned models">
              {PRESETS.filter((p) => p.audience === 'instruct').map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </optgroup>
            {datasets.length > 0 && (
              <optgroup label="Your datasets">
                {datasets.map((d) => (
                  <option key={d.id} value={`saved:${d.id}`}>
                    {d.name}
                  </option>
                ))}
              </optgroup>
            )}
            {draft.origin.kind === 'new' && <option value="new">{draft.name || 'Your dataset'} (not saved)</option>}
          </select>
        </div>
        <div className="field">
          <label htmlFor="dataset-name">Name</label>
          <input id="dataset-name" type="text" value={draft.name} onChange={(e) => setDraft({ name: e.target.value })} autoComplete="off" />
        </div>
      </div>
      {draft.description && <p className="hint dataset-desc">{draft.description}</p>}
      <div className="field check">
        <label>
          <input type="checkbox" checked={draft.chat === true} onChange={(e) => setDraft({ chat: e.target.checked })} aria-describedby="dataset-chat-hint" />
          Chat dataset
        </label>
        <span className="hint" id="dataset-chat-hint">
          {draft.chat
            ? 'Each prompt is a user message: fitting, training and evaluation put it through the model’s chat template, as Chat mode does.'
            : 'Prompts are raw text. Tick this to treat each one as a user message in the model’s chat template.'}
        </span>
      </div>
      {draft.chat && (
        <div className="field">
          <label htmlFor="dataset-system">System message for every prompt (optional)</label>
          <textarea
            id="dataset-system"
            rows={2}
            value={draft.system ?? ''}
            spellCheck={false}
            aria-describedby="dataset-system-hint"
            onChange={(e) => setDraft({ system: e.target.value })}
          />
          <p className="hint" id="dataset-system-hint">
            Put before every source, target and control prompt in fitting, training and evaluation (it counts towards the 128 tokens a prompt may have). Empty: none (the template may write its own default).
          </p>
        </div>
      )}
      <div className="sets">
        {SETS.map(({ set, title, hint }) => (
          <div className="field" key={set}>
            <label htmlFor={`set-${set}`}>
              {title} prompts <span className="muted">({check.counts[set]})</span>
            </label>
            <p className="hint" id={`set-${set}-hint`}>
              {hint} One per line.
            </p>
            <textarea
              id={`set-${set}`}
              rows={8}
              value={draft[set]}
              spellCheck={false}
              aria-invalid={invalidSet(set) || undefined}
              aria-describedby={`set-${set}-hint dataset-check`}
              onChange={(e) => setDraft({ [set]: e.target.value })}
            />
            <button type="button" className="secondary small" onClick={() => openFile(set)}>
              Open a list…
            </button>
          </div>
        ))}
      </div>
      <input
        ref={fileInput}
        type="file"
        hidden
        tabIndex={-1}
        accept=".json,.csv,.txt,text/plain,application/json,text/csv"
        aria-label="Dataset file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          setFileIssues(readDatasetText(await readText(f), f.name, fileTarget.current)?.map((i) => `${f.name}: ${i}`) ?? null);
        }}
      />
      <div className="row">
        <button type="button" className="secondary" onClick={() => openFile()}>
          Open a dataset file…
        </button>
        <button type="button" className="secondary" onClick={() => void saveDraft()} disabled={!check.dataset}>
          Save dataset
        </button>
      </div>
      <p className="hint">A JSON file {'{ "source": [...], "target": [...], "control": [...] }'} or a CSV with source, target and control columns fills all three lists; a plain text file, one prompt per line, fills one.</p>
      <details className="paste">
        <summary>Paste a whole dataset (JSON or CSV)</summary>
        <div className="field">
          <label htmlFor="dataset-paste">Dataset as JSON or CSV</label>
          <textarea id="dataset-paste" rows={5} value={paste} spellCheck={false} onChange={(e) => setPaste(e.target.value)} />
        </div>
        <button
          type="button"
          className="secondary small"
          disabled={!paste.trim()}
          onClick={() => {
            const isJson = /^\s*[[{]/.test(paste);
            const issues = readDatasetText(paste, isJson ? 'pasted.json' : 'pasted.csv');
            setFileIssues(issues?.map((i) => `Pasted text: ${i}`) ?? null);
            if (!issues) setPaste('');
          }}
        >
          Use it
        </button>
      </details>
      <div id="dataset-check" aria-live="polite">
        {fileIssues && (
          <div className="error" role="alert">
            <p>That file could not be used:</p>
            <ul>
              {fileIssues.map((i) => (
                <li key={i}>{i}</li>
              ))}
            </ul>
          </div>
        )}
        {check.issues.length > 0 ? (
          <div className="error">
            <p>The dataset needs fixing before it can be fitted or saved:</p>
            <ul>
              {check.issues.map((i) => (
                <li key={i}>{i}</li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="check-ok">
            Ready: {plural(check.counts.source, 'source prompt')}, {plural(check.counts.target, 'target prompt')}, {plural(check.counts.control, 'control prompt')}.
            {draft.edited ? ' Not saved in the library.' : ''}
          </p>
        )}
        {notice && <p className={notice.kind === 'ok' ? 'check-ok' : 'error'}>{notice.text}</p>}
      </div>
    </div>
  );
}

function FitProgress() {
  const fit = useLibrary((s) => s.fit);
  const p = fit.progress;
  const determinate = p !== null && p.stage === 'maps' && p.total > 0;
  const text = !p ? 'Starting…' : p.stage === 'dsas' ? 'Training the DSAS gates…' : `Hook ${Math.min(p.done + 1, p.total)} of ${p.total}: collecting activations and fitting its map`;
  return (
    <div className="progress">
      <label htmlFor="fit-progress">Fitting</label>
      <progress id="fit-progress" max={determinate ? p.total : undefined} value={determinate ? p.done : undefined} />
      <p className="muted">{fit.status === 'stopping' ? 'Stopping…' : text}</p>
    </div>
  );
}

export function FitPanel() {
  const model = useApp((s) => (s.load.status === 'ready' ? s.load.model : null));
  const draft = useLibrary((s) => s.draft);
  const method = useLibrary((s) => s.fitMethod);
  const dsas = useLibrary((s) => s.fitDsas);
  const fitHooks = useLibrary((s) => s.fitHooks);
  const fit = useLibrary((s) => s.fit);
  const evaluating = useEval((s) => isRunning(s.run));
  const { setFitMethod, setFitDsas, setFitHooks, runFit, stopFit, exportIntervention } = useLibrary.getState();
  const check = useMemo(() => checkDraft(draft), [draft]);
  const problems = fitProblems(check, method, dsas);
  const running = isRunning(fit);
  const lineas = method === 'lineas';
  const verb = lineas ? 'Train' : 'Fit';
  const allHooks: HookName[] = model ? Array.from({ length: model.numLayers }, (_, l) => [hookName(l, 'attn'), hookName(l, 'mlp'), hookName(l, 'resid')]).flat() : [];
  const chosen = model ? (fitHooks ?? defaultFitHooks(model.numLayers)) : [];
  const blocked = !model
    ? 'Load a model first.'
    : evaluating
      ? 'An evaluation is running: wait for it (or stop it).'
      : !check.dataset
        ? 'Fix the dataset first.'
        : (problems[0] ?? (chosen.length === 0 ? 'Choose at least one hook.' : null));

  return (
    <section className="panel fit" id="fit-panel" aria-labelledby="fit-h">
      <h2 id="fit-h">Make an intervention</h2>
      <p className="hint intro">Write or pick prompts that show what to steer away from and toward; fitting learns a map per hook from the model’s activations on them.</p>
      <DatasetEditor />

      <div className="fit-controls">
        <h3>Fit or train</h3>
        <fieldset className="segmented" disabled={running}>
          <legend>Method</legend>
          {FITTABLE_METHODS.map((m) => (
            <label key={m.id} className={method === m.id ? 'on' : ''}>
              <input type="radio" name="fit-method" value={m.id} checked={method === m.id} onChange={() => setFitMethod(m.id)} />
              {m.label}
            </label>
          ))}
        </fieldset>
        <p className="hint">{steeringMethod(method)?.description}</p>
        <div className="field check">
          <label>
            <input type="checkbox" checked={dsas} disabled={running} onChange={(e) => setFitDsas(e.target.checked)} aria-describedby="fit-dsas-hint" />
            Train DSAS gates{lineas ? ' end to end (E2E-DSAS)' : ''}
          </label>
          <span id="fit-dsas-hint" className="hint">
            Per hook, a detector of source-like text (vs control) that scales the steering token by token.
            {lineas ? ' With LinEAS the gates start from the detectors and train with the maps, while control prompts are kept in place.' : ''}
          </span>
        </div>
        {lineas && model && model.gpuBytes > CPU_TRAINER_COMFORT_BYTES && (
          <p className="warn">
            The LinEAS trainer runs on the CPU for now: with a model this size ({formatBytes(model.gpuBytes)}) each step is slow and needs a copy of the
            weights in memory. Start with few hooks and steps.
          </p>
        )}
        {lineas && <TrainSettingsFields disabled={running} />}
        {model && (
          <HookGrid
            id="fit-hooks"
            legend="Hooks to fit"
            hint="attn and mlp of every layer is the usual choice; fewer hooks fit faster."
            available={allHooks}
            selected={chosen}
            disabled={running}
            onChange={(h) => setFitHooks(h)}
            presets={[{ label: 'attn + mlp', hooks: defaultFitHooks(model.numLayers) }]}
          />
        )}
        <div className="actions">
          <button type="button" onClick={() => void runFit()} disabled={running || blocked !== null} aria-describedby="fit-blocked">
            {verb}
          </button>
          <button type="button" className="secondary" onClick={() => void stopFit()} disabled={fit.status !== 'running'}>
            {lineas ? 'Stop training' : 'Stop fitting'}
          </button>
        </div>
        {blocked && !running && (
          <p id="fit-blocked" className="hint">
            {blocked}
          </p>
        )}
        {running && !lineas && <FitProgress />}
        {fit.train && (running || lineas) && <TrainMonitor t={fit.train} running={running} stopping={fit.status === 'stopping'} />}
        {fit.status === 'done' && fit.record && (
          <p role="status" className="ok">
            {fit.record.method === 'lineas' ? (
              <>
                {fit.stopped ? 'Stopped; kept' : 'Trained'} “{fit.record.name}”: {String(fit.record.metrics.stepsDone ?? '?')} steps in {formatSeconds(Number(fit.record.metrics.fitMs ?? 0))}
                {typeof fit.record.metrics.finalLoss === 'number' ? `, final loss ${formatLoss(fit.record.metrics.finalLoss)}` : ''}.
              </>
            ) : (
              <>
                Fitted “{fit.record.name}” in {formatSeconds(Number(fit.record.metrics.fitMs ?? 0))}.
              </>
            )}{' '}
            It is steering now{fit.saveError ? '' : ' and is saved in the library'}.
          </p>
        )}
        {fit.status === 'done' && fit.fault && (
          <p role="alert" className="error" data-testid="train-fault">
            Training stopped by itself: {fit.fault}. The maps of step {String(fit.record?.metrics.stepsDone ?? '?')}, the last good one, are kept; a smaller learning rate may help.
          </p>
        )}
        {fit.status === 'done' && fit.record && fit.saveError && (
          <div role="alert" className="error">
            <p>It is steering, but it is not in the library. {fit.saveError} Export it to keep it.</p>
            <button type="button" className="secondary small" onClick={() => exportIntervention(fit.record!)}>
              Export it now
            </button>
          </div>
        )}
        {fit.status === 'error' && fit.error && (
          <div role="alert" className="error">
            <p>{fit.error}</p>
            {fit.issues.length > 0 && (
              <ul>
                {fit.issues.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
