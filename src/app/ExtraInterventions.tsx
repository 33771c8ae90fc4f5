// The interventions applied after the active one (each its own strength and DSAS switch, a Remove button) and the
// picker that adds another. Applied in order: at a hook two share, z ← steer_B(steer_A(z)).
import { activeFrom, useLibrary } from './library-store.ts';
import { useApp } from './store.ts';

export function ExtraInterventions() {
  const model = useApp((s) => (s.load.status === 'ready' ? s.load.model : null));
  const steer = useApp((s) => s.steer);
  const interventions = useLibrary((s) => s.interventions);
  const { addIntervention, removeExtra, setExtraStrength, setExtraUseGate } = useApp.getState();
  if (!steer.active || !model) return null;
  return (
    <div className="field extra-interventions">
      {steer.extra.map((e, k) => {
        const n = k + 2;
        return (
          <fieldset key={k} className="extra" aria-label={`Intervention ${n}: ${e.iv.name}`}>
            <legend>
              {n}. {e.iv.name}
            </legend>
            {e.iv.modelId !== model.id && <p className="warn">Made for {e.iv.modelId}; it has this model’s shape, so it runs.</p>}
            <div className="field slider">
              <div className="row between">
                <label htmlFor={`strength-${n}`}>Strength</label>
                <output htmlFor={`strength-${n}`}>λ = {e.strength.toFixed(2)}</output>
              </div>
              <input
                id={`strength-${n}`}
                type="range"
                min={0}
                max={2}
                step={0.05}
                value={e.strength}
                aria-valuetext={`λ = ${e.strength.toFixed(2)}`}
                onChange={(ev) => setExtraStrength(k, Number(ev.target.value))}
              />
            </div>
            <div className="row">
              <button
                type="button"
                role="switch"
                id={`dsas-switch-${n}`}
                className="switch"
                aria-checked={Boolean(e.iv.hasGates && e.useGate)}
                disabled={!e.iv.hasGates || steer.busy}
                onClick={() => void setExtraUseGate(k, !e.useGate)}
              >
                <span className="knob" aria-hidden="true" />
              </button>
              <label htmlFor={`dsas-switch-${n}`} className="switch-label">
                DSAS
              </label>
              <button type="button" className="secondary small" disabled={steer.busy} onClick={() => void removeExtra(k)}>
                Remove
              </button>
            </div>
          </fieldset>
        );
      })}
      <label htmlFor="add-intervention">Also apply, after {steer.extra.length === 0 ? 'it' : 'these'}</label>
      <select
        id="add-intervention"
        value=""
        disabled={steer.busy || interventions.length === 0}
        aria-describedby="add-intervention-hint"
        onChange={(ev) => {
          const rec = interventions.find((r) => r.id === ev.target.value);
          if (rec) void addIntervention(activeFrom(rec));
        }}
      >
        <option value="">Add another intervention…</option>
        {interventions.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
            {r.modelId !== model.id ? ` (${r.modelId})` : ''}
          </option>
        ))}
      </select>
      <p id="add-intervention-hint" className="hint">
        Several are applied in order: at a hook they share, each one’s map works on the output of the one before, with its own strength and gates.
      </p>
    </div>
  );
}
