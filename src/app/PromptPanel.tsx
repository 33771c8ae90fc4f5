import type { KeyboardEvent } from 'react';
import { useEval } from './eval-store.ts';
import { useLibrary } from './library-store.ts';
import { chatExamplesFor } from './presets.ts';
import { isBusy, isRunning, useApp } from './store.ts';

export function PromptPanel() {
  const prompt = useApp((s) => s.prompt);
  const chatChoice = useApp((s) => s.chat);
  const chatSystem = useApp((s) => s.chatSystem);
  const chatUser = useApp((s) => s.chatUser);
  const model = useApp((s) => (s.load.status === 'ready' ? s.load.model : null));
  const status = useApp((s) => s.gen.status);
  const busy = useApp((s) => isBusy(s.gen) || isBusy(s.base));
  const error = useApp((s) => s.gen.error);
  const fitting = useLibrary((s) => isRunning(s.fit));
  const origin = useLibrary((s) => s.draft.origin);
  const evaluating = useEval((s) => isRunning(s.run));
  const waitFor = fitting ? 'Fitting an intervention' : evaluating ? 'Evaluating the intervention' : null;
  const { setPrompt, setChat, setChatMessage, generate, stop } = useApp.getState();
  const running = busy;
  const hasTemplate = Boolean(model?.hasChatTemplate);
  const chat = chatChoice && hasTemplate;
  const examples = chatExamplesFor(origin);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void generate();
    }
  };

  return (
    <section className="panel prompt">
      <h2>Prompt</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void generate();
        }}
      >
        {hasTemplate ? (
          <>
            <fieldset className="segmented">
              <legend>Prompt format</legend>
              <label className={!chat ? 'on' : ''}>
                <input type="radio" name="prompt-format" checked={!chat} onChange={() => setChat(false)} />
                Raw text
              </label>
              <label className={chat ? 'on' : ''}>
                <input type="radio" name="prompt-format" checked={chat} onChange={() => setChat(true)} />
                Chat
              </label>
            </fieldset>
            <p className="hint" id="format-hint">
              {chat
                ? 'Your messages go through the model’s chat template; the reply stops at the end of the assistant’s turn.'
                : 'The model continues the text as it is, without its chat template.'}
            </p>
          </>
        ) : (
          <p className="hint" id="format-hint">
            {model ? 'This model has no chat template: raw text only.' : 'Load a model to see whether it has a chat template (then Chat is offered).'}
          </p>
        )}
        {chat ? (
          <>
            <div className="field">
              <label htmlFor="chat-system">System message (optional)</label>
              <textarea id="chat-system" rows={2} value={chatSystem} placeholder="You are a helpful assistant." onChange={(e) => setChatMessage('system', e.target.value)} onKeyDown={onKeyDown} />
            </div>
            <div className="field">
              <label htmlFor="chat-user">User message</label>
              <textarea id="chat-user" rows={4} value={chatUser} placeholder={examples.messages[0] ?? 'Ask something'} onChange={(e) => setChatMessage('user', e.target.value)} onKeyDown={onKeyDown} aria-describedby="chat-user-hint" />
              <p id="chat-user-hint" className="hint">
                Ctrl+Enter generates.
              </p>
            </div>
            {examples.messages.length > 0 && (
              <div className="field">
                <label htmlFor="chat-example">Example messages ({examples.name})</label>
                <select
                  id="chat-example"
                  value=""
                  onChange={(e) => {
                    if (e.target.value) setChatMessage('user', e.target.value);
                  }}
                >
                  <option value="">Choose one to put in the user message…</option>
                  {examples.messages.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              </div>
            )}
          </>
        ) : (
          <div className="field">
            <label htmlFor="prompt">Prompt</label>
            <textarea id="prompt" rows={5} value={prompt} placeholder="Once upon a time" onChange={(e) => setPrompt(e.target.value)} onKeyDown={onKeyDown} aria-describedby="prompt-hint" />
            <p id="prompt-hint" className="hint">
              The model continues this text. Ctrl+Enter generates.
            </p>
          </div>
        )}
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
