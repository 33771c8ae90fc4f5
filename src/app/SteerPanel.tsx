import { ExtraInterventions } from './ExtraInterventions.tsx';
import { HookGrid } from './HookGrid.tsx';
import { ImportButton } from './ImportButton.tsx';
import { activeFrom, useLibrary } from './library-store.ts';
import { methodName } from '../steering/methods/registry.ts';
import { plural } from './format.ts';
import { useApp } from './store.ts';

/** Scrolls to the fitting panel and puts the focus on its first control. */
export function goToFit(): void {
  const panel = document.getElementById('fit-panel');
  panel?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  (document.getElementById('dataset-choice') as HTMLElement | null)?.focus({ preventScroll: true });
}

export function SteerPanel() {
  const model = useApp((s) => (s.load.status === 'ready' ? s.load.model : null));
  const steer = useApp((s) => s.steer);
  const compare = useApp((s) => s.compare);
  const interventions = useLibrary((s) => s.interventions);
  const importError = useLibrary((s) => (s.importFrom === 'steer' ? s.importError : null));
  const { activate, setStrength, setUseGate, setSteerHooks, setCompare } = useApp.getState();
  const active = steer.active;
  const mine = interventions.filter((r) => model && r.modelId === model.id);
  const others = interventions.filter((r) => !model || r.modelId !== model.id);
  const selectValue = active ? (active.entryId ?? 'unsaved') : '';
  const noModel = !model;

  return (
    <section className="panel steer" aria-labelledby="steer-h">
      <h2 id="steer-h">Steer</h2>
      <div className="field">
        <label htmlFor="intervention">Intervention</label>
        <select
          id="intervention"
          value={selectValue}
          disabled={noModel || steer.busy}
          aria-describedby="intervention-hint"
          onChange={(e) => {
            const id = e.target.value;
            if (id === 'unsaved') return;
            const rec = interventions.find((r) => r.id === id);
            void activate(rec ? activeFrom(rec) : null);
          }}
        >
          <option value="">None (unsteered)</option>
          {active && !active.entryId && <option value="unsaved">{active.name} (not saved)</option>}
          {mine.length > 0 && (
            <optgroup label={`Made for ${model?.id}`}>
              {mine.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </optgroup>
          )}
          {others.length > 0 && (
            <optgroup label="Made for other models">
              {others.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.modelId})
                </option>
              ))}
            </optgroup>
          )}
        </select>
        <p id="intervention-hint" className="hint">
          {noModel ? 'Load a model first.' : 'Pick one from the library, fit one now, or import the files of one.'}
        </p>
        <div className="row">
          <button type="button" className="secondary small" onClick={goToFit}>
            Fit a new one
          </button>
          <ImportButton label="Import files…" inputLabel="Intervention files to import" activate />
        </div>
        {importError && (
          <p role="alert" className="error">
            {importError}
          </p>
        )}
      </div>

      {active && (
        <div className="active-info">
          <p className="meta">
            <strong>{active.name}</strong>: {methodName(active.method)}, {plural(active.hooks.length, 'hook')}, {active.hasGates ? 'with DSAS gates' : 'no DSAS gates'}.
          </p>
          {model && active.modelId !== model.id && (
            <p className="warn">
              Made for {active.modelId}; {model.id} has the same shape, so it runs, but it was not fitted on this model.
            </p>
          )}
          {!active.entryId && (
            <div className="row">
              <span className="warn">Not saved in the library.</span>
              <button type="button" className="secondary small" onClick={() => void useLibrary.getState().saveActive()}>
                Save to library
              </button>
              <button type="button" className="secondary small" onClick={() => useLibrary.getState().exportActive()}>
                Export
              </button>
            </div>
          )}
        </div>
      )}

      <div className={`field slider${active ? '' : ' disabled'}`}>
        <div className="row between">
          <label htmlFor="strength">Strength</label>
          <output htmlFor="strength" id="strength-value">
            λ = {steer.strength.toFixed(2)}
          </output>
        </div>
        <input
          id="strength"
          type="range"
          min={0}
          max={2}
          step={0.05}
          value={steer.strength}
          disabled={!active}
          aria-valuetext={`λ = ${steer.strength.toFixed(2)}`}
          aria-describedby="strength-hint"
          onChange={(e) => setStrength(Number(e.target.value))}
        />
        <div className="scale-ticks" aria-hidden="true">
          <span>0 off</span>
          <span>1 as fitted</span>
          <span>2</span>
        </div>
        <p id="strength-hint" className="hint">
          {active ? 'The output re-generates with the same prompt and seed when you let go.' : 'Choose an intervention to steer with.'}
        </p>
      </div>

      <div className="field switch-field">
        <div className="row">
          <button
            type="button"
            role="switch"
            id="dsas-switch"
            className="switch"
            aria-checked={Boolean(active?.hasGates && steer.useGate)}
            aria-describedby="dsas-hint"
            disabled={!active?.hasGates || steer.busy}
            onClick={() => void setUseGate(!steer.useGate)}
          >
            <span className="knob" aria-hidden="true" />
          </button>
          <label htmlFor="dsas-switch" className="switch-label">
            DSAS
          </label>
        </div>
        <p id="dsas-hint" className="hint">
          {!active
            ? 'Dynamic strength: gates decide, token by token, how much to steer.'
            : !active.hasGates
              ? 'This intervention has no DSAS gates: every token is steered at strength λ.'
              : steer.useGate
                ? 'On: each hook’s gate scales λ per token (see the heatmap).'
                : 'Off: every token is steered at strength λ.'}
        </p>
      </div>

      {active && (
        <HookGrid
          id="steer-hooks"
          legend="Steer at these hooks"
          hint="The intervention’s hooks, by layer. Unchecked ones are left alone."
          available={active.hooks}
          selected={steer.hooks}
          disabled={steer.busy}
          onChange={(h) => void setSteerHooks(h)}
        />
      )}

      <ExtraInterventions />

      <div className="field check">
        <label>
          <input type="checkbox" checked={compare} disabled={!active} onChange={(e) => setCompare(e.target.checked)} aria-describedby="compare-hint" />
          Compare with unsteered
        </label>
        <span id="compare-hint" className="hint">
          Side by side: the same prompt and seed without and with steering.
        </span>
      </div>

      {steer.error && (
        <p role="alert" className="error">
          {steer.error}
        </p>
      )}
    </section>
  );
}
