// One evaluation run in words and numbers: the table of its points (with the Pareto front marked) and its continuations.
import { useState } from 'react';
import { heldText, runName, scorerName, type EvalCurve, type EvalRun } from './eval-results.ts';
import { nameWithMethod } from './eval-store.ts';
import { formatSeconds, plural } from './format.ts';
import { formatPerplexity, formatShare } from './pareto-plot.ts';
import { pointKey } from './EvalPlot.tsx';

export function RunTable({ run, runs, front, curves }: { run: EvalRun; runs: EvalRun[]; front: Set<string>; curves: EvalCurve[] }) {
  const id = `eval-run-${run.id}`;
  const curveOf = (gated: boolean) => curves.find((c) => c.run === run && c.gated === gated);
  return (
    <div className="table-scroll eval-table-wrap">
      <table className="values-table eval-table" id={id} data-testid="eval-table">
        <caption>
          Run {run.number}: {nameWithMethod(runName(run, runs), run.method, run.hasGates)} on {run.modelId}, {plural(run.prompts.length, 'prompt')} × {run.maxNewTokens}{' '}
          tokens, {plural(run.neutralCount, 'neutral text')}, scored by {scorerName(run)}, {formatSeconds(run.evalMs)}
          {run.aborted ? ', stopped early' : ''}
          {run.held && run.held.length > 0 ? `; ${heldText(run.held)} (λ = 0: these alone)` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">λ</th>
            <th scope="col">Gates</th>
            <th scope="col">Source-like</th>
            <th scope="col">Target-like</th>
            <th scope="col">Neutral perplexity</th>
            <th scope="col">Continuation perplexity</th>
            <th scope="col">Mean gate value</th>
            <th scope="col">Pareto front</th>
            <th scope="col" title="The scorer's mean value: source − target words, VADER compound, or P(target label)">
              Mean score
            </th>
          </tr>
        </thead>
        <tbody>
          {run.points.map((p) => {
            const c = curveOf(p.gated);
            const onFront = c ? front.has(pointKey(c, p.lambda)) : false;
            return (
              <tr key={`${p.gated}-${p.lambda}`} className={onFront ? 'on-front' : undefined}>
                <th scope="row">{p.lambda}</th>
                <td>{p.gated ? 'on' : 'off'}</td>
                <td>{formatShare(p.effect)}</td>
                <td>{formatShare(p.targetShare)}</td>
                <td>{formatPerplexity(p.neutralPerplexity)}</td>
                <td>{formatPerplexity(p.generationPerplexity)}</td>
                <td>{p.meanStrength === null ? '–' : p.meanStrength.toFixed(3)}</td>
                <td>{onFront ? 'on the front' : ''}</td>
                <td>{p.meanScore === undefined ? '–' : p.meanScore.toFixed(3)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const SHOWN_PROMPTS = 3;

/** The continuations to read: prompts down, λ across, one gate setting at a time. */
export function Continuations({ run }: { run: EvalRun }) {
  const settings = [true, false].filter((g) => run.points.some((p) => p.gated === g));
  const [gated, setGated] = useState(settings[0] ?? false);
  const [all, setAll] = useState(false);
  const points = run.points.filter((p) => p.gated === gated).sort((a, b) => a.lambda - b.lambda);
  const prompts = all ? run.prompts : run.prompts.slice(0, SHOWN_PROMPTS);
  return (
    <details className="continuations">
      <summary>Read run {run.number}’s continuations</summary>
      {settings.length > 1 && (
        <fieldset className="segmented">
          <legend>Gates</legend>
          {settings.map((g) => (
            <label key={String(g)} className={gated === g ? 'on' : ''}>
              <input type="radio" name={`cont-gates-${run.id}`} checked={gated === g} onChange={() => setGated(g)} />
              {g ? 'Gated' : 'Ungated'}
            </label>
          ))}
        </fieldset>
      )}
      <div className="table-scroll">
        <table className="values-table continuations-table">
          <caption>
            Continuations, {gated ? 'gated' : 'ungated'}: the same seed per prompt at every λ
          </caption>
          <thead>
            <tr>
              <th scope="col">Prompt</th>
              {points.map((p) => (
                <th scope="col" key={p.lambda}>
                  λ {p.lambda}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {prompts.map((prompt, i) => (
              <tr key={i}>
                <th scope="row">{prompt}</th>
                {points.map((p) => (
                  <td key={p.lambda}>{p.continuations[i] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {run.prompts.length > SHOWN_PROMPTS && (
        <button type="button" className="secondary small" onClick={() => setAll(!all)}>
          {all ? `Show the first ${SHOWN_PROMPTS}` : `Show all ${run.prompts.length} prompts`}
        </button>
      )}
    </details>
  );
}
