import { useState } from 'react';
import { Heatmap } from './Heatmap.tsx';
import { gateView, type GateView } from './gate-view.ts';
import { plural } from './format.ts';
import { isBusy, isRunning, useApp, type GenState } from './store.ts';
import { SCALE_GRADIENT } from './strength-scale.ts';
import { TokenText } from './TokenText.tsx';

const REASONS = {
  eos: 'the model ended the text',
  'max-tokens': 'reached max new tokens',
  'stop-string': 'hit a stop string',
  aborted: 'stopped',
} as const;

function stats(g: GenState): string {
  if (g.status === 'queued') return 'Waiting for the unsteered run…';
  const parts = [plural(g.tokens, 'token')];
  if (g.tokensPerSecond !== null) parts.push(`${g.tokensPerSecond.toFixed(1)} tokens/s`);
  if (g.status === 'done' && g.stopReason) parts.push(REASONS[g.stopReason]);
  const text = parts.join(' · ');
  return g.status === 'running' ? `Generating… ${text}` : g.status === 'stopping' ? `Stopping… ${text}` : text;
}

function started(g: GenState): boolean {
  return g.status !== 'idle' && (isBusy(g) || g.tokens > 0 || g.prompt !== '');
}

function Generation({ g, testId, title, highlight, onActive }: { g: GenState; testId: string; title?: string; highlight: number | null; onActive?: (i: number | null) => void }) {
  const running = isRunning(g);
  return (
    <div className="generation">
      {title && <h3>{title}</h3>}
      <TokenText
        items={g.items}
        text={g.text}
        hooks={g.hooks}
        echo={g.chat ? null : g.prompt + g.lead}
        promptItems={g.promptItems}
        lead={g.lead}
        running={running}
        testId={testId}
        highlight={highlight}
        onActive={onActive}
      />
      <p role="status" className="stats" aria-live={isBusy(g) ? 'off' : 'polite'}>
        {stats(g)}
      </p>
      {g.status === 'done' && (g.promptCut ?? 0) > 0 && (
        <p className="hint" data-testid="prompt-cut">
          The prompt was too long for the model’s context: its first {plural(g.promptCut ?? 0, 'token')} were left out.
        </p>
      )}
      {g.status === 'error' && g.error && title && (
        <p role="alert" className="error">
          {g.error}
        </p>
      )}
    </div>
  );
}

/** Where the steering acted: legend and heatmap for gated runs, a plain statement otherwise. */
function WhereItSteers({ g, highlight, onHover }: { g: GenState; highlight: number | null; onHover(i: number | null): void }) {
  const gatesOff = useApp((s) => Boolean(s.steer.active?.hasGates) && !s.steer.useGate);
  const [view, setView] = useState<GateView>('sum');
  if (g.strength === null) return null;
  // Several interventions ran: the heatmap shows one's gates or, per hook, their sum.
  const several = g.interventionNames.length > 1 && g.hooks.length > 0;
  const shown = several ? gateView(g.items, g.hooks, g.hookInterventions, view) : { items: g.items, hooks: g.hooks, scaleMax: 1 };
  if (g.hooks.length === 0) {
    return (
      <div className="where">
        <h3>Where it steers</h3>
        <p className="uniform" data-testid="uniform-note">
          {gatesOff ? 'DSAS is off' : 'This intervention has no DSAS gates'}, so the strength is uniform: λ = {g.strength.toFixed(2)} at every token and every steered hook.
        </p>
      </div>
    );
  }
  return (
    <div className="where">
      <h3>Where it steers</h3>
      <div className="legend">
        <span>{several ? 'Gate values s:' : <>Gate value s, mean over {plural(g.hooks.length, 'hook')}:</>}</span>
        <span className="legend-scale">
          <span>0</span>
          <span className="legend-bar" style={{ background: SCALE_GRADIENT }} aria-hidden="true" />
          <span>{shown.scaleMax}</span>
        </span>
        <span className="muted">{several ? 'each intervention i gets λᵢ·sᵢ, applied in order' : <>each token gets λ·s, λ = {g.strength.toFixed(2)}</>}</span>
        {g.promptItems.length > 0 && !g.chat && (
          <span className="legend-prompt">
            <span className="tok prompt-tok" aria-hidden="true">
              prompt
            </span>{' '}
            tokens are underlined and greyed; the heatmap shows generated tokens
          </span>
        )}
      </div>
      {several && (
        <div className="field">
          <label htmlFor="gate-view">Heatmap shows</label>
          <select id="gate-view" value={String(view)} onChange={(e) => setView(e.target.value === 'sum' ? 'sum' : Number(e.target.value))}>
            <option value="sum">The sum of every intervention’s gates, per hook</option>
            {g.interventionNames.map((name, k) => (
              <option key={k} value={k} disabled={!g.hookInterventions.includes(k)}>
                {k + 1}. {name}’s gates{g.hookInterventions.includes(k) ? '' : ' (none)'}
              </option>
            ))}
          </select>
        </div>
      )}
      <Heatmap items={shown.items} hooks={shown.hooks} highlight={highlight} onHover={onHover} scaleMax={shown.scaleMax} />
    </div>
  );
}

export function OutputPanel() {
  const gen = useApp((s) => s.gen);
  const base = useApp((s) => s.base);
  const compare = useApp((s) => s.compare);
  const [highlight, setHighlight] = useState<number | null>(null);
  const showCompare = compare && started(base);
  const steeredTitle = gen.strength === null ? 'Unsteered' : `Steered · λ = ${gen.strength.toFixed(2)}`;
  return (
    <section className="panel output" aria-labelledby="output-h">
      <h2 id="output-h">Output</h2>
      {showCompare ? (
        <div className="compare" data-testid="compare">
          <Generation g={base} testId="generated-unsteered" title="Unsteered" highlight={null} />
          <Generation g={gen} testId="generated" title={steeredTitle} highlight={highlight} onActive={setHighlight} />
        </div>
      ) : started(gen) ? (
        <Generation g={gen} testId="generated" highlight={highlight} onActive={setHighlight} />
      ) : (
        <p className="muted">The generated text appears here, token by token.</p>
      )}
      {started(gen) && <WhereItSteers g={gen} highlight={highlight} onHover={setHighlight} />}
    </section>
  );
}
