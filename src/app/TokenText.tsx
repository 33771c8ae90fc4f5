import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { HookName } from '../model/spec.ts';
import type { TokenItem } from './store.ts';
import { fmt, mean, strengthColor, tokenLabel } from './strength-scale.ts';

interface Props {
  items: TokenItem[];
  /** The whole generated text (shown as is when there are no per-token strengths). */
  text: string;
  /** Gated hooks (columns of each item's `s`); empty: no per-token strengths, plain text. */
  hooks: HookName[];
  /** Shown before the generated text, greyed (completion mode). */
  echo: string | null;
  running: boolean;
  testId: string;
  /** Token highlighted from outside (the heatmap), and the callback when a token is hovered or focused. */
  highlight?: number | null;
  onActive?: (i: number | null) => void;
  /**
   * The prompt's tokens with their gate values (completion mode, gated runs): shown tinted in place of `echo`, set
   * apart from the generated tokens (dotted underline, muted ink). Generated tokens keep indices 0..; prompt token
   * k is index -(k + 1) internally (onActive reports generated tokens only).
   */
  promptItems?: TokenItem[];
  /** Whitespace between the tinted prompt and the generated text (the end of `echo` after the prompt). */
  lead?: string;
}

/** Per-hook gate values of one token, as a small bar list. */
export function HookValues({ hooks, values }: { hooks: HookName[]; values: number[] }) {
  return (
    <ul className="hook-values">
      {hooks.map((h, k) => (
        // A hook comes once per intervention gated there (several interventions): the column index keeps keys unique.
        <li key={`${h}#${k}`}>
          <span className="hv-name">{h}</span>
          <span className="hv-bar" aria-hidden="true">
            <span style={{ width: `${Math.round(Math.min(1, Math.max(0, values[k] ?? 0)) * 100)}%`, background: strengthColor(values[k] ?? 0) }} />
          </span>
          <span className="hv-val">{fmt(values[k] ?? null)}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * The generated text, one span per token. With gates, each token is tinted by its mean gate value and can be focused
 * (arrow keys move between tokens) or hovered to show its value at every hook.
 */
export function TokenText({ items, text, hooks, echo, running, testId, highlight = null, onActive, promptItems = [], lead = '' }: Props) {
  const tipId = useId();
  const [active, setActive] = useState<number | null>(null);
  const [focusIdx, setFocusIdx] = useState(0);
  const [tipPos, setTipPos] = useState<{ left: number; top: number } | null>(null);
  const box = useRef<HTMLDivElement | null>(null);
  const spans = useRef<(HTMLSpanElement | null)[]>([]);
  const promptSpans = useRef<(HTMLSpanElement | null)[]>([]);
  const gated = hooks.length > 0;
  const tintPrompt = gated && echo !== null && promptItems.length > 0 && promptItems.every((it) => it.s.length === hooks.length);
  const itemAt = (i: number) => (i >= 0 ? items[i] : tintPrompt ? promptItems[-i - 1] : undefined);
  const spanAt = (i: number) => (i >= 0 ? spans.current[i] : promptSpans.current[-i - 1]);

  const show = (i: number | null) => {
    setActive(i);
    onActive?.(i !== null && i < 0 ? null : i);
  };

  useLayoutEffect(() => {
    const el = active !== null ? spanAt(active) : null;
    const container = box.current;
    if (!el || !container) {
      setTipPos(null);
      return;
    }
    const b = container.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    const width = Math.min(hooks.length > 12 ? 544 : 288, b.width - 16);
    const left = Math.max(8, Math.min(r.left - b.left, b.width - width - 8));
    setTipPos({ left, top: r.bottom - b.top + container.scrollTop + 6 });
  }, [active, items.length, hooks.length]);

  const move = (e: KeyboardEvent<HTMLSpanElement>, i: number) => {
    const promptVisible = tintPrompt ? promptItems.map((it, k) => (it.text ? -(k + 1) : 0)).filter((k) => k < 0) : [];
    const visible = [...promptVisible, ...items.map((it, k) => (it.text ? k : -1)).filter((k) => k >= 0)];
    const at = visible.indexOf(i);
    let next: number | undefined;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = visible[Math.min(visible.length - 1, at + 1)];
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = visible[Math.max(0, at - 1)];
    else if (e.key === 'Home') next = visible[0];
    else if (e.key === 'End') next = visible[visible.length - 1];
    else if (e.key === 'Escape') {
      show(null);
      return;
    }
    if (next === undefined) return;
    e.preventDefault();
    setFocusIdx(next);
    spanAt(next)?.focus();
  };

  const firstPrompt = tintPrompt ? promptItems.findIndex((it) => it.text) : -1;
  const firstVisible = firstPrompt >= 0 ? -(firstPrompt + 1) : items.findIndex((it) => it.text);
  const tabStop = itemAt(focusIdx)?.text ? focusIdx : firstVisible;
  const tip = active !== null ? itemAt(active) : undefined;
  const tokenSpan = (it: TokenItem, i: number, prompt: boolean) => {
    const m = mean(it.s);
    return (
      <span
        key={i}
        ref={(el) => {
          if (prompt) promptSpans.current[-i - 1] = el;
          else spans.current[i] = el;
        }}
        className={`tok${prompt ? ' prompt-tok' : ''}${highlight === i || active === i ? ' hl' : ''}`}
        style={{ backgroundColor: m === null ? undefined : strengthColor(m) }}
        tabIndex={i === tabStop ? 0 : -1}
        data-strength={m === null ? undefined : m.toFixed(3)}
        aria-describedby={active === i ? tipId : undefined}
        onMouseEnter={() => show(i)}
        onMouseLeave={() => show(null)}
        onFocus={() => {
          setFocusIdx(i);
          show(i);
        }}
        onBlur={() => show(null)}
        onKeyDown={(e) => move(e, i)}
      >
        {it.text}
      </span>
    );
  };

  return (
    <div className={`output-text${gated ? ' tinted' : ''}`} aria-busy={running} ref={box}>
      {echo !== null &&
        (tintPrompt ? (
          <span className="echo prompt-tokens" data-testid={`${testId}-prompt`} role="group" aria-label="Prompt, tokens tinted by steering strength">
            {promptItems.map((it, k) => (it.text ? tokenSpan(it, -(k + 1), true) : null))}
            {lead}
          </span>
        ) : (
          <span className="echo">{echo}</span>
        ))}
      <span className="generated" data-testid={testId} role={gated ? 'group' : undefined} aria-label={gated ? 'Generated text, tokens tinted by steering strength (arrow keys move between tokens)' : undefined}>
        {gated ? items.map((it, i) => (it.text ? tokenSpan(it, i, false) : null)) : text}
      </span>
      {running && <span className="cursor" aria-hidden="true" />}
      {tip && tipPos && (
        <div role="tooltip" id={tipId} className={`token-tip${hooks.length > 12 ? ' wide' : ''}`} style={{ left: tipPos.left, top: tipPos.top }}>
          <p>
            <strong>“{tokenLabel(tip.text)}”</strong> · {active! < 0 ? `prompt token ${-active!}` : `token ${active! + 1}`} · mean gate {fmt(mean(tip.s))}
          </p>
          {tip.s.length === hooks.length ? <HookValues hooks={hooks} values={tip.s} /> : <p className="muted">No gate values for this token.</p>}
        </div>
      )}
    </div>
  );
}
