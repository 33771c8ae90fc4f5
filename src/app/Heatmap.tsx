import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { HookName } from '../model/spec.ts';
import type { TokenItem } from './store.ts';
import { fmt, mean, strengthRgb, tokenLabel } from './strength-scale.ts';

interface Props {
  items: TokenItem[];
  hooks: HookName[];
  highlight: number | null;
  onHover(i: number | null): void;
  /** The value drawn at full colour (1 for gates; more for sums of several interventions' gates). */
  scaleMax?: number;
}

/** One-sentence description of the grid, for screen readers and as the visible caption. */
export function heatmapSummary(items: TokenItem[], hooks: HookName[]): string {
  const rows = items.filter((it) => it.s.length === hooks.length);
  if (rows.length === 0 || hooks.length === 0) return `Steering strength per hook and token: no tokens yet (${hooks.length} gated hooks).`;
  let best = { v: -1, i: 0, k: 0 };
  let sum = 0;
  items.forEach((it, i) =>
    it.s.forEach((v, k) => {
      sum += v;
      if (v > best.v) best = { v, i, k };
    }),
  );
  const perToken = items.map((it) => mean(it.s) ?? 0);
  const strongest = perToken.reduce((b, v, i) => (v > perToken[b] ? i : b), 0);
  return (
    `Steering strength, ${hooks.length} hooks × ${rows.length} tokens: mean gate ${fmt(sum / (rows.length * hooks.length))}; ` +
    `most steered token ${strongest + 1} “${tokenLabel(items[strongest].text)}” (mean ${fmt(perToken[strongest])}); ` +
    `highest single value ${fmt(best.v)} at ${hooks[best.k]}, token ${best.i + 1}.`
  );
}

/**
 * The hooks × tokens grid of gate values, drawn on a canvas; hovering a cell shows its value. The canvas takes focus:
 * arrow keys (Home / End, Page Up / Page Down for the first / last hook) move a cell cursor whose value is announced.
 */
export function Heatmap({ items, hooks, highlight, onHover, scaleMax = 1 }: Props) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const wrap = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(600);
  const [cell, setCell] = useState<{ i: number; k: number } | null>(null);
  const [showTable, setShowTable] = useState(false);
  const [focused, setFocused] = useState(false);
  const captionId = useId();
  const readoutId = useId();
  const n = items.length;
  const rowH = Math.max(6, Math.min(16, Math.floor(240 / Math.max(1, hooks.length))));
  const colW = Math.max(3, Math.min(18, Math.floor(width / Math.max(1, n))));
  const summary = useMemo(() => heatmapSummary(items, hooks), [items, hooks]);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(60, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, n * colW);
    const h = hooks.length * rowH;
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
    c.style.width = `${w}px`;
    c.style.height = `${h}px`;
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    items.forEach((it, i) => {
      hooks.forEach((_, k) => {
        const v = it.s[k];
        if (v === undefined) return;
        const [r, gg, b] = strengthRgb(v / scaleMax);
        g.fillStyle = `rgb(${r},${gg},${b})`;
        g.fillRect(i * colW, k * rowH, colW, rowH);
      });
    });
    if (colW >= 6) {
      g.strokeStyle = 'rgba(255,255,255,0.7)';
      g.lineWidth = 1;
      for (let i = 1; i < n; i++) {
        g.beginPath();
        g.moveTo(i * colW + 0.5, 0);
        g.lineTo(i * colW + 0.5, h);
        g.stroke();
      }
    }
    if (highlight !== null && highlight < n) {
      g.strokeStyle = '#14171c';
      g.lineWidth = 2;
      g.strokeRect(highlight * colW + 1, 1, colW - 2, h - 2);
    }
    if (focused && cell && cell.i < n && cell.k < hooks.length) {
      g.strokeStyle = '#f59e0b';
      g.lineWidth = 2;
      g.strokeRect(cell.i * colW + 1, cell.k * rowH + 1, Math.max(2, colW - 2), Math.max(2, rowH - 2));
    }
  }, [items, hooks, n, colW, rowH, highlight, focused, cell, scaleMax]);

  const keys = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if (n === 0 || hooks.length === 0) return;
    const c = cell ?? { i: 0, k: 0 };
    const last = { i: n - 1, k: hooks.length - 1 };
    const next: Record<string, { i: number; k: number }> = {
      ArrowRight: { i: Math.min(last.i, c.i + 1), k: c.k },
      ArrowLeft: { i: Math.max(0, c.i - 1), k: c.k },
      ArrowDown: { i: c.i, k: Math.min(last.k, c.k + 1) },
      ArrowUp: { i: c.i, k: Math.max(0, c.k - 1) },
      Home: { i: 0, k: c.k },
      End: { i: last.i, k: c.k },
      PageUp: { i: c.i, k: 0 },
      PageDown: { i: c.i, k: last.k },
    };
    const to = next[e.key];
    if (!to) return;
    e.preventDefault();
    setCell(to);
    onHover(to.i);
  };

  const pick = (e: MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const i = Math.floor((e.clientX - r.left) / colW);
    const k = Math.floor((e.clientY - r.top) / rowH);
    if (i >= 0 && i < n && k >= 0 && k < hooks.length) {
      setCell({ i, k });
      onHover(i);
    }
  };

  const labelEvery = rowH >= 11 ? 1 : Math.ceil(11 / rowH);
  const hovered = cell && items[cell.i] ? `Token ${cell.i + 1} “${tokenLabel(items[cell.i].text)}” at ${hooks[cell.k]}: gate ${fmt(items[cell.i].s[cell.k] ?? null)}` : null;

  return (
    <figure className="heatmap" aria-labelledby={captionId}>
      <div className="heatmap-grid">
        <div className="heatmap-labels" aria-hidden="true" style={{ gridTemplateRows: `repeat(${hooks.length}, ${rowH}px)` }}>
          {hooks.map((h, k) => (
            <span key={h} style={{ fontSize: Math.min(12, Math.max(9, rowH - 2)) }}>
              {k % labelEvery === 0 ? h : ''}
            </span>
          ))}
        </div>
        <div className="heatmap-canvas" ref={wrap}>
          <canvas
            ref={canvas}
            role="img"
            aria-label={summary}
            data-testid="heatmap"
            tabIndex={0}
            aria-describedby={readoutId}
            onMouseMove={pick}
            onMouseLeave={() => {
              if (focused) return;
              setCell(null);
              onHover(null);
            }}
            onKeyDown={keys}
            onFocus={() => {
              setFocused(true);
              const c = cell && cell.i < n ? cell : { i: 0, k: 0 };
              if (n > 0 && hooks.length > 0) {
                setCell(c);
                onHover(c.i);
              }
            }}
            onBlur={() => {
              setFocused(false);
              setCell(null);
              onHover(null);
            }}
          />
        </div>
      </div>
      <p className="heatmap-hover" id={readoutId} aria-live="polite" data-testid="heatmap-readout">
        {hovered ?? 'Rows: hooks in forward order. Columns: generated tokens. Hover a cell, or focus the grid and use the arrow keys, for its values.'}
      </p>
      <figcaption id={captionId} className="hint">
        {summary}
      </figcaption>
      <details onToggle={(e) => setShowTable((e.target as HTMLDetailsElement).open)}>
        <summary>Show the values as a table</summary>
        {showTable && (
          <div className="table-scroll">
            <table className="values-table">
              <caption className="sr-only">Gate value per hook (rows) and token (columns)</caption>
              <thead>
                <tr>
                  <th scope="col">Hook</th>
                  {items.map((it, i) => (
                    <th key={i} scope="col">
                      {i + 1} “{tokenLabel(it.text)}”
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {hooks.map((h, k) => (
                  <tr key={h}>
                    <th scope="row">{h}</th>
                    {items.map((it, i) => (
                      <td key={i}>{fmt(it.s[k] ?? null)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </figure>
  );
}
