import { HOOK_KINDS, hookName, hookOrder, parseHookName, type HookKind, type HookName } from '../model/spec.ts';

interface Props {
  /** Unique prefix for ids. */
  id: string;
  legend: string;
  hint?: string;
  /** The hooks that can be chosen (a checkbox each); others are shown as not available. */
  available: readonly HookName[];
  selected: readonly HookName[];
  onChange(next: HookName[]): void;
  disabled?: boolean;
  /** Quick choices shown as buttons besides All and None. */
  presets?: { label: string; hooks: HookName[] }[];
}

const KIND_LABEL: Record<HookKind, string> = { attn: 'attn', mlp: 'mlp', resid: 'resid' };

/** A layers × (attn, mlp, resid) grid of checkboxes: which hooks to fit or to steer at. */
export function HookGrid({ id, legend, hint, available, selected, onChange, disabled, presets = [] }: Props) {
  const avail = new Set(available);
  const chosen = new Set(selected);
  const layers = [...new Set(available.map((h) => parseHookName(h).layer))].sort((a, b) => a - b);
  const kinds = HOOK_KINDS.filter((k) => available.some((h) => parseHookName(h).kind === k));
  const sorted = (s: Set<HookName>) => [...s].sort((a, b) => hookOrder(a) - hookOrder(b));
  const toggle = (h: HookName, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(h);
    else next.delete(h);
    onChange(sorted(next));
  };
  const toggleKind = (k: HookKind) => {
    const hooks = available.filter((h) => parseHookName(h).kind === k);
    const allOn = hooks.every((h) => chosen.has(h));
    const next = new Set(chosen);
    for (const h of hooks) {
      if (allOn) next.delete(h);
      else next.add(h);
    }
    onChange(sorted(next));
  };
  return (
    <fieldset className="hook-grid" disabled={disabled} aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend>
        {legend} <span className="muted">({chosen.size} of {available.length})</span>
      </legend>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      <div className="hook-table-wrap">
        <table className="hook-table">
          <thead>
            <tr>
              <th scope="col">Layer</th>
              {kinds.map((k) => (
                <th key={k} scope="col">
                  <button type="button" className="linklike" onClick={() => toggleKind(k)} aria-label={`All ${KIND_LABEL[k]} hooks on or off`}>
                    {KIND_LABEL[k]}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {layers.map((l) => (
              <tr key={l}>
                <th scope="row">{l}</th>
                {kinds.map((k) => {
                  const h = hookName(l, k);
                  return (
                    <td key={k}>
                      {avail.has(h) ? (
                        <input type="checkbox" id={`${id}-${h}`} aria-label={`Layer ${l} ${k}`} checked={chosen.has(h)} onChange={(e) => toggle(h, e.target.checked)} />
                      ) : (
                        <span className="muted" aria-label={`Layer ${l} ${k}: not in this intervention`}>
                          ·
                        </span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row small-actions">
        <button type="button" className="secondary small" onClick={() => onChange([...available].sort((a, b) => hookOrder(a) - hookOrder(b)))}>
          All
        </button>
        <button type="button" className="secondary small" onClick={() => onChange([])}>
          None
        </button>
        {presets.map((p) => (
          <button key={p.label} type="button" className="secondary small" onClick={() => onChange(p.hooks)}>
            {p.label}
          </button>
        ))}
      </div>
    </fieldset>
  );
}
