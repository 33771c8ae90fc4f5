import type { Tick } from './loss-chart.ts';

/** A chart's horizontal grid lines from x0 to x1, each labelled at the left, `gap` units before the axis. */
export function ChartYGrid({ ticks, x0, x1, gap }: { ticks: readonly Tick[]; x0: number; x1: number; gap: number }) {
  return (
    <>
      {ticks.map((t) => (
        // Keyed by position: two ticks may read the same where a chart's labels are rounded.
        <g key={`y${t.at}`} className="tick">
          <line x1={x0} x2={x1} y1={t.at} y2={t.at} className="grid" />
          <text x={x0 - gap} y={t.at} dy="0.32em" textAnchor="end">
            {t.label}
          </text>
        </g>
      ))}
    </>
  );
}
