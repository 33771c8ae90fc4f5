import type { SettingsField } from './settings.ts';
import { useApp } from './store.ts';

interface FieldProps {
  field: SettingsField;
  label: string;
  hint?: string;
  integer?: boolean;
  disabled?: boolean;
}

function NumberField({ field, label, hint, integer, disabled }: FieldProps) {
  const value = useApp((s) => s.settings[field]);
  const error = useApp((s) => s.settingsErrors[field]);
  const id = `setting-${field}`;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field num${disabled ? ' disabled' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode={integer ? 'numeric' : 'decimal'}
        value={value}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        onChange={(e) => useApp.getState().setSetting(field, e.target.value)}
        autoComplete="off"
      />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function SettingsPanel() {
  const greedy = useApp((s) => s.settings.greedy);
  const keepPromptEnd = useApp((s) => s.settings.keepPromptEnd);
  const setSetting = useApp.getState().setSetting;
  return (
    <section className="panel settings" aria-labelledby="settings-h">
      <h2 id="settings-h">Settings</h2>
      <div className="grid2">
        <NumberField field="maxNewTokens" label="Max new tokens" integer />
        <NumberField field="repetitionPenalty" label="Repetition penalty" hint="1 = none" />
      </div>
      <fieldset className="segmented">
        <legend>Decoding</legend>
        <label className={greedy ? 'on' : ''}>
          <input type="radio" name="decoding" checked={greedy} onChange={() => setSetting('greedy', true)} />
          Greedy
        </label>
        <label className={!greedy ? 'on' : ''}>
          <input type="radio" name="decoding" checked={!greedy} onChange={() => setSetting('greedy', false)} />
          Sample
        </label>
      </fieldset>
      <p className="hint">{greedy ? 'Always the most likely next token: the same prompt gives the same text.' : 'Draws each token at random from the most likely ones; the seed makes it repeatable.'}</p>
      <div className="grid2">
        <NumberField field="temperature" label="Temperature" disabled={greedy} />
        <NumberField field="topP" label="Top-p" disabled={greedy} />
        <NumberField field="topK" label="Top-k" hint="0 = off" integer disabled={greedy} />
        <NumberField field="seed" label="Seed" integer disabled={greedy} />
      </div>
      <div className="field check">
        <label>
          <input type="checkbox" checked={keepPromptEnd} onChange={(e) => setSetting('keepPromptEnd', e.target.checked)} aria-describedby="keep-end-hint" />
          Keep the end of a long prompt
        </label>
        <span id="keep-end-hint" className="hint">
          A prompt too long for the model’s context loses its start instead of being refused (not in chat mode).
        </span>
      </div>
    </section>
  );
}
