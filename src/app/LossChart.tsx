import { useMemo } from 'react';
import { lossChartGeometry, lossChartLabel, type ChartBox, type LossPoint } from './loss-chart.ts';
import { ChartYGrid } from './ChartYGrid.tsx';

const FULL: ChartBox = { width: 480, height: 170, left: 52, right: 12, top: 10, bottom: 26 };
const SMALL: ChartBox = { width: 320, height: 90, left: 46, right: 8, top: 6, bottom: 18 };

/** The training loss over steps, log scale; an image to assistive technology, described by its first and last loss. */
export function LossChart({ points, totalSteps, small = false, id }: { points: LossPoint[]; totalSteps?: number; small?: boolean; id?: string }) {
  const box = small ? SMALL : FULL;
  const g = useMemo(() => lossChartGeometry(points, box, { totalSteps }), [points, box, totalSteps]);
  const label = lossChartLabel(points, totalSteps);
  const x0 = box.left;
  const x1 = box.width - box.right;
  const yb = box.height - box.bottom;
  return (
    <svg
      id={id}
      className={`loss-chart${small ? ' small' : ''}`}
      viewBox={`0 0 ${box.width} ${box.height}`}
      role="img"
      aria-label={label}
      data-points={points.length}
      preserveAspectRatio="xMidYMid meet"
    >
      <title>{label}</title>
      <ChartYGrid ticks={g.yTicks} x0={x0} x1={x1} gap={4} />
      {g.xTicks.map((t) => (
        <text key={`x${t.label}`} className="tick" x={t.at} y={yb + (small ? 12 : 16)} textAnchor="middle">
          {t.label}
        </text>
      ))}
      <line x1={x0} x2={x1} y1={yb} y2={yb} className="axis" />
      <line x1={x0} x2={x0} y1={box.top} y2={yb} className="axis" />
      {g.path && <path d={g.path} className="curve" />}
      {g.last && <circle cx={g.last.x} cy={g.last.y} r={small ? 2.5 : 3.5} className="dot" />}
      {!small && (
        <text className="axis-label" x={x1} y={box.top + 10} textAnchor="end">
          loss{g.log ? ' (log scale)' : ''} by step
        </text>
      )}
    </svg>
  );
}
