// The evaluation's plot: one curve per run and gate setting (effect against a perplexity), the Pareto front of all of
// them, and its legend. The geometry is pure (pareto-plot.ts); this draws it.
import { useMemo } from 'react';
import { UTILITY_LABEL, utilityOf, type EvalCurve, type UtilityChoice } from './eval-results.ts';
import { plural } from './format.ts';
import { formatPerplexity, formatShare, paretoPlotGeometry, type ChartBox } from './pareto-plot.ts';
import { ChartYGrid } from './ChartYGrid.tsx';

/** Okabe–Ito colours (distinguishable with colour-blindness); one per run, its gated curve solid, ungated dashed. */
const COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];
const colourOf = (runIndex: number) => COLOURS[runIndex % COLOURS.length];

const BOX: ChartBox = { width: 640, height: 380, left: 62, right: 18, top: 16, bottom: 48 };

interface PlotProps {
  curves: EvalCurve[];
  utility: UtilityChoice;
}

/** Key of a point for the front lookup. */
export const pointKey = (c: EvalCurve, lambda: number) => `${c.key}@${lambda}`;

export function useGeometry({ curves, utility }: PlotProps) {
  return useMemo(() => {
    const g = paretoPlotGeometry(
      curves.map((c) => c.points.map((p) => ({ x: p.effect, y: utilityOf(p, utility), label: String(p.lambda) }))),
      BOX,
    );
    const front = new Set<string>();
    g.curves.forEach((gc, i) => gc.points.forEach((p, j) => p.front && front.add(pointKey(curves[i], curves[i].points[j].lambda))));
    return { g, front };
  }, [curves, utility]);
}

export function ParetoPlot({ curves, utility, g }: PlotProps & { g: ReturnType<typeof paretoPlotGeometry> }) {
  const x0 = BOX.left;
  const x1 = BOX.width - BOX.right;
  const yb = BOX.height - BOX.bottom;
  const hidden = curves.reduce((n, c) => n + c.points.length, 0) - g.drawnCount;
  const summary =
    `Effect against utility: ${plural(curves.length, 'curve')}, ${plural(g.drawnCount, 'point')}, ${g.frontCount} on the Pareto front` +
    (hidden > 0 ? `, ${hidden} not drawn (perplexity not finite)` : '') +
    '. Every number is in the tables below.';
  return (
    <svg
      className="pareto-plot"
      viewBox={`0 0 ${BOX.width} ${BOX.height}`}
      role="img"
      aria-label={summary}
      data-curves={curves.length}
      data-points={g.drawnCount}
      preserveAspectRatio="xMidYMid meet"
    >
      <title>{summary}</title>
      <ChartYGrid ticks={g.yTicks} x0={x0} x1={x1} gap={5} />
      {g.xTicks.map((t) => (
        <g key={`x${t.label}`} className="tick">
          <line x1={t.at} x2={t.at} y1={BOX.top} y2={yb} className="grid" />
          <text x={t.at} y={yb + 15} textAnchor="middle">
            {t.label}
          </text>
        </g>
      ))}
      <line x1={x0} x2={x1} y1={yb} y2={yb} className="axis" />
      <line x1={x0} x2={x0} y1={BOX.top} y2={yb} className="axis" />
      <text className="axis-label" x={(x0 + x1) / 2} y={BOX.height - 8} textAnchor="middle">
        Effect: source-like continuations (%), lower is stronger steering
      </text>
      <text className="axis-label" transform={`translate(14 ${(BOX.top + yb) / 2}) rotate(-90)`} textAnchor="middle">
        {UTILITY_LABEL[utility]}
        {g.log ? ', log scale' : ''}
      </text>
      {g.frontPath && <path d={g.frontPath} className="front-line" />}
      {g.curves.map((gc, i) => (
        <path key={curves[i].key} d={gc.path} className="curve" stroke={colourOf(curves[i].runIndex)} strokeDasharray={curves[i].gated ? undefined : '6 4'} />
      ))}
      {g.curves.map((gc, i) =>
        gc.points.map((p, j) => {
          if (!p.drawn) return null;
          const c = curves[i];
          const pt = c.points[j];
          const colour = colourOf(c.runIndex);
          return (
            <g key={`${c.key}@${pt.lambda}`} className="pt" data-lambda={pt.lambda} data-gated={c.gated} data-front={p.front}>
              <title>
                {c.label}: λ {pt.lambda}, {formatShare(pt.effect)} source-like, perplexity {formatPerplexity(utilityOf(pt, utility))}
                {p.front ? ', on the Pareto front' : ''}
              </title>
              {p.front && <circle cx={p.px} cy={p.py} r={8.5} className="front-ring" />}
              {c.gated ? (
                <circle cx={p.px} cy={p.py} r={4.5} fill={colour} stroke={colour} />
              ) : (
                <rect x={p.px - 4} y={p.py - 4} width={8} height={8} fill="#ffffff" stroke={colour} strokeWidth={2} />
              )}
              {p.showLabel && (
                <text x={p.labelX} y={p.labelY} textAnchor={p.labelAnchor} className="pt-label">
                  {pt.lambda}
                </text>
              )}
            </g>
          );
        }),
      )}
    </svg>
  );
}

export function Legend({ curves }: { curves: EvalCurve[] }) {
  return (
    <ul className="pareto-legend" aria-label="Curves">
      {curves.map((c) => (
        <li key={c.key}>
          <svg width="34" height="12" aria-hidden="true">
            <line x1="1" x2="33" y1="6" y2="6" stroke={colourOf(c.runIndex)} strokeWidth="2" strokeDasharray={c.gated ? undefined : '6 4'} />
            {c.gated ? <circle cx="17" cy="6" r="4" fill={colourOf(c.runIndex)} /> : <rect x="13" y="2" width="8" height="8" fill="#fff" stroke={colourOf(c.runIndex)} strokeWidth="2" />}
          </svg>
          {c.label}
          {c.run.aborted ? ' (stopped early)' : ''}
        </li>
      ))}
      <li>
        <svg width="34" height="12" aria-hidden="true">
          <circle cx="17" cy="6" r="5" className="front-ring" />
        </svg>
        Pareto front (no other point has both fewer source-like continuations and a lower perplexity)
      </li>
    </ul>
  );
}
