import { useApp, type GenState } from './store.ts';
import { plural } from './format.ts';

const REASONS = {
  eos: 'the model ended the text',
  'max-tokens': 'reached max new tokens',
  'stop-string': 'hit a stop string',
  aborted: 'stopped',
} as const;

function stats(g: GenState): string {
  const parts = [plural(g.tokens, 'token')];
  if (g.tokensPerSecond !== null) parts.push(`${g.tokensPerSecond.toFixed(1)} tokens/s`);
  if (g.status === 'done' && g.stopReason) parts.push(REASONS[g.stopReason]);
  const text = parts.join(' · ');
  return g.status === 'running' ? `Generating… ${text}` : g.status === 'stopping' ? `Stopping… ${text}` : text;
}

export function OutputPanel() {
  const gen = useApp((s) => s.gen);
  const running = gen.status === 'running' || gen.status === 'stopping';
  const started = gen.status !== 'idle' && (running || gen.tokens > 0 || gen.prompt !== '');
  return (
    <section className="panel output">
      <h2>Output</h2>
      {started ? (
        <>
          <div className="output-text" aria-busy={running}>
            {!gen.chat && <span className="echo">{gen.prompt}</span>}
            <span className="generated" data-testid="generated">
              {gen.text}
            </span>
            {running && <span className="cursor" aria-hidden="true" />}
          </div>
          <p role="status" className="stats" aria-live={running ? 'off' : 'polite'}>
            {stats(gen)}
          </p>
        </>
      ) : (
        <p className="muted">The generated text appears here, token by token.</p>
      )}
    </section>
  );
}
