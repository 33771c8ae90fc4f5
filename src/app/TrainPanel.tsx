/** LinEAS in the page: its settings, and the run as it trains (loss chart, per-hook loss and sparsity bars). */
import { formatLoss } from './loss-chart.ts';
import { LossChart } from './LossChart.tsx';
import { formatSeconds } from './format.ts';
import { useLibrary } from './library-store.ts';
import type { TrainLive } from './train-data.ts';
import { TRAIN_FIELDS } from './train-settings.ts';
import { hookOrder, type HookName } from '../model/spec.ts';
import type { TrainerChoice } from '../steering/lineas/choose-trainer.ts';

/** Steps, learning rate, batch, L1, sparse-group and seed, as text fields checked when Train is pressed. */
export function TrainSettingsFields({ disabled }: { disabled: boolean }) {
  const values = useLibrary((s) => s.trainSettings);
  const errors = useLibrary((s) => s.trainErrors);
  const trainer = useLibrary((s) => s.trainer);
  const { setTrainSetting, setTrainer } = useLibrary.getState();
  return (
    <fieldset className="train-settings" disabled={disabled}>
      <legend>LinEAS settings</legend>
      <div className="train-grid">
        {TRAIN_FIELDS.map(({ field, label, hint }) => (
          <div className="field" key={field}>
            <label htmlFor={`train-${field}`}>{label}</label>
            <input
              id={`train-${field}`}
              type="text"
              inputMode="decimal"
              autoComplete="off"
              spellCheck={false}
              value={values[field]}
              aria-invalid={errors[field] ? true : undefined}
              aria-describedby={`train-${field}-hint`}
              onChange={(e) => setTrainSetting(field, e.target.value)}
            />
            <p className={errors[field] ? 'error small-text' : 'hint'} id={`train-${field}-hint`}>
              {errors[field] ?? hint}
            </p>
          </div>
        ))}
        <div className="field">
          <label htmlFor="train-trainer">Trainer</label>
          <select id="train-trainer" value={trainer} onChange={(e) => setTrainer(e.target.value as TrainerChoice)} aria-describedby="train-trainer-hint">
            <option value="auto">Auto</option>
            <option value="gpu">GPU (float32)</option>
            <option value="cpu">CPU (float64)</option>
          </select>
          <p className="hint" id="train-trainer-hint">
            Auto uses the GPU, except for small models on a software GPU (like SwiftShader), where the CPU is faster.
          </p>
        </div>
      </div>
    </fieldset>
  );
}

function Bar({ label, value, max, text }: { label: string; value: number | null; max: number; text: string }) {
  const frac = value === null || !(max > 0) ? 0 : Math.max(0, Math.min(1, value / max));
  return (
    <div
      className={`bar${value === null ? ' unknown' : ''}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value ?? undefined}
      aria-valuetext={text}
    >
      <span className="fill" style={{ width: `${(100 * frac).toFixed(1)}%` }} />
      <span className="bar-text">{text}</span>
    </div>
  );
}

const PHASE_TEXT: Record<TrainLive['phase'], string> = {
  weights: 'Reading the model’s weights for the trainer…',
  prepare: 'Pooling the target activations (and fitting the DSAS detectors)…',
  train: '',
};

/** The run: counters, the loss chart, and a row per hook with its loss and its share of active neurons. */
export function TrainMonitor({ t, running, stopping }: { t: TrainLive; running: boolean; stopping: boolean }) {
  const hooks = [...t.hooks].sort((a, b) => hookOrder(a) - hookOrder(b));
  const d = t.hooks.length ? t.totalNeurons / t.hooks.length : 0;
  let lossMax = 0;
  for (const h of hooks) lossMax = Math.max(lossMax, t.firstPerHook[h] ?? 0, t.perHook[h] ?? 0);
  const training = t.phase === 'train';
  return (
    <div className="train-monitor" aria-labelledby="train-monitor-h">
      <h4 id="train-monitor-h">{running ? (stopping ? 'Stopping after this step…' : 'Training') : 'Last training run'}</h4>
      {running && (
        <progress
          className="train-progress"
          aria-label="Training"
          max={t.steps}
          value={training ? t.step : undefined}
          aria-valuetext={training ? `step ${t.step} of ${t.steps}` : PHASE_TEXT[t.phase]}
        />
      )}
      {!training && running ? (
        <p className="muted">{PHASE_TEXT[t.phase]}</p>
      ) : (
        <dl className="train-stats" data-testid="train-stats">
          <div>
            <dt>Step</dt>
            <dd>
              {t.step} of {t.steps}
            </dd>
          </div>
          <div>
            <dt>Loss</dt>
            <dd>{t.loss === null ? '–' : formatLoss(t.loss)}</dd>
          </div>
          {t.controlLoss > 0 && (
            <div>
              <dt>Control term</dt>
              <dd>{formatLoss(t.controlLoss)}</dd>
            </div>
          )}
          <div>
            <dt>Learning rate</dt>
            <dd>{t.lr.toExponential(2)}</dd>
          </div>
          <div>
            <dt>Active</dt>
            <dd>
              {t.activeNeurons} of {t.totalNeurons} neurons, {t.activeHooks} of {t.hooks.length} hooks
            </dd>
          </div>
          <div>
            <dt>Elapsed</dt>
            <dd>{formatSeconds(t.elapsedMs)}</dd>
          </div>
        </dl>
      )}
      <LossChart points={t.points} totalSteps={t.steps} id="train-loss-chart" />
      <table className="hook-bars">
        <caption>Per hook: loss on the last batch (bars shrink from their first-step length) and active neurons</caption>
        <thead>
          <tr>
            <th scope="col">Hook</th>
            <th scope="col">Loss</th>
            <th scope="col">Active neurons</th>
          </tr>
        </thead>
        <tbody>
          {hooks.map((h: HookName) => {
            const loss = t.perHook[h];
            const active = t.perHookActive?.[h];
            return (
              <tr key={h}>
                <th scope="row">{h}</th>
                <td>
                  <Bar label={`${h} loss`} value={loss ?? null} max={lossMax} text={loss === undefined ? '–' : formatLoss(loss)} />
                </td>
                <td>
                  <Bar
                    label={`${h} active neurons`}
                    value={active ?? null}
                    max={d}
                    text={active === undefined ? (training ? 'known at the end' : '–') : `${active} of ${d} (${Math.round((100 * active) / (d || 1))} %)`}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
