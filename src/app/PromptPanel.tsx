import { useEval } from './eval-store.ts';
import { useLibrary } from './library-store.ts';
import { isBusy, isRunning, useApp } from './store.ts';

export function PromptPanel() {
  const prompt = useApp((s) => s.prompt);
  const chat = useApp((s) => s.chat);
  const model = useApp((s) => (s.load.status === 'ready' ? s.load.model : null));
  const status = useApp((s) => s.gen.status);
  const busy = useApp((s) => isBusy(s.gen) || isBusy(s.base));
  const error = useApp((s) => s.gen.error);
  const fitting = useLibrary((s) => isRunning(s.fit));
  const evaluating = useEval((s) => isRunning(s.run));
  const waitFor = fitting ? 'Fitting an intervention' : evaluating ? 'Evaluating the intervention' : null;
  const { setPrompt, setChat, generate, stop } = useApp.getState();
  const running = busy;
  const hasTemplate = Boolean(model?.hasChatTemplate);
  const chatHint = !model ? 'Load a model to see whether it has a chat template.' : hasTemplate ? 'Wraps the prompt in the model’s chat template, as a user message.' : 'This model has no chat template: plain completion only.';

  return (
    <section className="panel prompt">
      <h2>Prompt</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void generate();
        }}
      >
        <div className="field">
          <label htmlFor="prompt">Prompt</label>
          <textarea
            id="prompt"
            rows={5}
            value={prompt}
            placeholder="Once upon a time"
            onChange={(e) => setPrompt(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void generate();
              }
            }}
            aria-describedby="prompt-hint"
          />
          <p id="prompt-hint" className="hint">
            The model continues this text. Ctrl+Enter generates.
          </p>
        </div>
        <div className="field check">
          <label>
            <input type="checkbox" checked={chat && hasTemplate} disabled={!hasTemplate} onChange={(e) => setChat(e.target.checked)} aria-describedby="chat-hint" />
            Chat
          </label>
          <span id="chat-hint" className="hint">
            {chatHint}
          </span>
        </div>
        <div className="actions">
          <button type="submit" disabled={!model || running || waitFor !== null} aria-describedby={waitFor ? 'generate-wait' : undefined}>
            Generate
          </button>
          <button type="button" className="secondary" disabled={!busy || status === 'stopping'} onClick={() => void stop()}>
            Stop
          </button>
        </div>
        {waitFor && (
          <p id="generate-wait" className="hint">
            {waitFor}: generation waits until it is done.
          </p>
        )}
        {error && status === 'error' && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
