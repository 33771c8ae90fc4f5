// The classifier scorer's model and labels on the Evaluate panel (shown when the classifier is the scorer).
import { CLASSIFIER_FIELDS } from './classifier-settings.ts';
import { useEval } from './eval-store.ts';

export function ClassifierFields({ disabled }: { disabled: boolean }) {
  const draft = useEval((s) => s.classifier);
  const error = useEval((s) => s.classifierError);
  const { setClassifier } = useEval.getState();
  return (
    <fieldset className="train-settings classifier-settings" disabled={disabled}>
      <legend>Classifier</legend>
      <div className="train-grid">
        {CLASSIFIER_FIELDS.map(({ field, label, hint }) => (
          <div className={`field${field === 'model' ? ' span2' : ''}`} key={field}>
            <label htmlFor={`eval-classifier-${field}`}>{label}</label>
            <input
              id={`eval-classifier-${field}`}
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={draft[field]}
              aria-describedby={`eval-classifier-${field}-hint`}
              onChange={(e) => setClassifier(field, e.target.value)}
            />
            <p className="hint" id={`eval-classifier-${field}-hint`}>
              {hint}
            </p>
          </div>
        ))}
      </div>
      {error && (
        <p className="error small-text" data-testid="eval-classifier-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
