import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { methodLabel, useLibrary } from './library-store.ts';
import { curveOf, plannedSteps } from './train-data.ts';
import { formatBytes, formatSeconds, plural } from './format.ts';
import { ImportButton } from './ImportButton.tsx';
import { formatLoss } from './loss-chart.ts';
import { LossChart } from './LossChart.tsx';
import type { DatasetRecord, InterventionRecord } from './storage/db.ts';
import { useApp } from './store.ts';

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? 'unknown date' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The metrics a fit records, in words. */
export function metricsText(m: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof m.stepsDone === 'number') {
    parts.push(`${plural(m.stepsDone, 'training step')}${m.aborted === true ? ' (stopped early)' : ''}`);
    if (typeof m.finalLoss === 'number') parts.push(`final loss ${formatLoss(m.finalLoss)}`);
    const sup = m.support as { activeNeurons?: unknown; activeHooks?: unknown } | undefined;
    if (sup && typeof sup.activeNeurons === 'number' && typeof sup.activeHooks === 'number') {
      parts.push(`${plural(sup.activeNeurons, 'active neuron')} in ${plural(sup.activeHooks, 'hook')}`);
    }
  }
  const acc = m.dsasTrainAccuracy;
  if (acc && typeof acc === 'object') {
    const vals = Object.values(acc as Record<string, number>).filter((v) => typeof v === 'number');
    if (vals.length) parts.push(`DSAS train accuracy ${Math.round((100 * vals.reduce((a, v) => a + v, 0)) / vals.length)} % (mean over hooks)`);
  }
  const prompts = m.prompts as { source?: number; target?: number; control?: number } | undefined;
  if (prompts && typeof prompts === 'object') parts.push(`${prompts.source ?? 0} source / ${prompts.target ?? 0} target / ${prompts.control ?? 0} control prompts`);
  if (typeof m.fitMs === 'number') parts.push(`fitted in ${formatSeconds(m.fitMs)}`);
  return parts.join(' · ') || 'No metrics recorded';
}

/** Rename in place: a labelled text field with Save and Cancel (Enter / Escape). */
function RenameForm({ current, onSave, onCancel }: { current: string; onSave(name: string): void; onCancel(): void }) {
  const [name, setName] = useState(current);
  const input = useRef<HTMLInputElement | null>(null);
  useEffect(() => input.current?.select(), []);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) onSave(name.trim());
      }}
    >
      <label>
        New name
        <input ref={input} type="text" value={name} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && onCancel()} autoComplete="off" />
      </label>
      <button type="submit" className="small" disabled={!name.trim()}>
        Save name
      </button>
      <button type="button" className="secondary small" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

/** Asks before deleting; the safe choice has the focus. */
function ConfirmDelete({ name, extra, onDelete, onKeep }: { name: string; extra?: string; onDelete(): void; onKeep(): void }) {
  const keep = useRef<HTMLButtonElement | null>(null);
  useEffect(() => keep.current?.focus(), []);
  return (
    <div className="confirm" role="group" aria-label={`Delete ${name}?`}>
      <p>
        Delete “{name}” from this browser? This cannot be undone.{extra ? ` ${extra}` : ''}
      </p>
      <div className="row">
        <button type="button" className="danger small" onClick={onDelete}>
          Delete it
        </button>
        <button type="button" className="secondary small" ref={keep} onClick={onKeep}>
          Keep it
        </button>
      </div>
    </div>
  );
}

function Item({ title, titleId, badge, meta, actions, children }: { title: string; titleId: string; badge?: string; meta: ReactNode; actions: ReactNode; children?: ReactNode }) {
  return (
    <li>
      <article className="lib-item" aria-labelledby={titleId}>
        <h4 id={titleId}>
          {title}
          {badge && <span className="badge">{badge}</span>}
        </h4>
        {meta}
        <div className="row lib-actions">{actions}</div>
        {children}
      </article>
    </li>
  );
}

function InterventionItem({ rec }: { rec: InterventionRecord }) {
  const [mode, setMode] = useState<'idle' | 'rename' | 'delete'>('idle');
  const model = useApp((s) => (s.load.status === 'ready' ? s.load.model : null));
  const inUse = useApp((s) => s.steer.active?.entryId === rec.id);
  const busy = useApp((s) => s.steer.busy);
  const { useIntervention, renameIntervention, deleteIntervention, exportIntervention } = useLibrary.getState();
  const titleId = `iv-${rec.id}`;
  const curve = useMemo(() => curveOf(rec.metrics), [rec.metrics]);
  const steps = useMemo(() => (curve ? plannedSteps(rec.manifest) : undefined), [curve, rec.manifest]);
  return (
    <Item
      title={rec.name}
      titleId={titleId}
      badge={inUse ? 'In use' : undefined}
      meta={
        <>
          <p className="meta">
            {rec.modelId} · {methodLabel(rec.method, rec.dsas)} · {plural(rec.hooks.length, 'hook')} · {when(rec.created)}
            {rec.datasetName ? ` · dataset ${rec.datasetName}` : ''}
          </p>
          <p className="meta">
            {metricsText(rec.metrics)} · {formatBytes(rec.tensors.byteLength)}
          </p>
          {curve && <LossChart points={curve} totalSteps={steps} small />}
        </>
      }
      actions={
        <>
          <button type="button" className="small" disabled={!model || inUse || busy} onClick={() => void useIntervention(rec.id)} title={!model ? 'Load a model first' : undefined}>
            {inUse ? 'In use' : 'Use'}
          </button>
          <button type="button" className="secondary small" onClick={() => setMode('rename')}>
            Rename
          </button>
          <button type="button" className="secondary small" onClick={() => exportIntervention(rec)} aria-describedby={`${titleId}-files`}>
            Export
          </button>
          <button type="button" className="secondary small danger-outline" onClick={() => setMode('delete')}>
            Delete
          </button>
        </>
      }
    >
      <p className="meta files" id={`${titleId}-files`}>
        Export gives a .zip of intervention.json and intervention.safetensors; or download them one by one:{' '}
        <button type="button" className="linklike" onClick={() => exportIntervention(rec, 'json')}>
          intervention.json
        </button>{' '}
        <button type="button" className="linklike" onClick={() => exportIntervention(rec, 'safetensors')}>
          intervention.safetensors
        </button>
      </p>
      {mode === 'rename' && (
        <RenameForm
          current={rec.name}
          onCancel={() => setMode('idle')}
          onSave={(name) => void renameIntervention(rec.id, name).then((ok) => ok && setMode('idle'))}
        />
      )}
      {mode === 'delete' && (
        <ConfirmDelete
          name={rec.name}
          extra={inUse ? 'It keeps steering until you choose another one.' : 'Export it first to keep a copy.'}
          onKeep={() => setMode('idle')}
          onDelete={() => void deleteIntervention(rec.id).then((ok) => ok || setMode('idle'))}
        />
      )}
    </Item>
  );
}

function DatasetItem({ rec }: { rec: DatasetRecord }) {
  const [mode, setMode] = useState<'idle' | 'rename' | 'delete'>('idle');
  const { openDataset, renameDataset, deleteDataset, exportDataset } = useLibrary.getState();
  const titleId = `ds-${rec.id}`;
  return (
    <Item
      title={rec.name}
      titleId={titleId}
      meta={
        <p className="meta">
          {rec.source.length} source / {rec.target.length} target / {rec.control.length} control prompts · saved {when(rec.saved)}
        </p>
      }
      actions={
        <>
          <button
            type="button"
            className="small"
            onClick={() => {
              if (openDataset(rec.id)) document.getElementById('fit-panel')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
            }}
          >
            Open
          </button>
          <button type="button" className="secondary small" onClick={() => setMode('rename')}>
            Rename
          </button>
          <button type="button" className="secondary small" onClick={() => exportDataset(rec.id)}>
            Export
          </button>
          <button type="button" className="secondary small danger-outline" onClick={() => setMode('delete')}>
            Delete
          </button>
        </>
      }
    >
      {mode === 'rename' && <RenameForm current={rec.name} onCancel={() => setMode('idle')} onSave={(name) => void renameDataset(rec.id, name).then((ok) => ok && setMode('idle'))} />}
      {mode === 'delete' && <ConfirmDelete name={rec.name} extra="Export it first to keep a copy." onKeep={() => setMode('idle')} onDelete={() => void deleteDataset(rec.id).then((ok) => ok || setMode('idle'))} />}
    </Item>
  );
}

export function LibraryPanel() {
  const status = useLibrary((s) => s.status);
  const error = useLibrary((s) => s.error);
  const notice = useLibrary((s) => s.notice);
  const skipped = useLibrary((s) => s.skipped);
  const interventions = useLibrary((s) => s.interventions);
  const datasets = useLibrary((s) => s.datasets);
  const importError = useLibrary((s) => (s.importFrom === 'library' ? s.importError : null));
  const noModel = useApp((s) => s.load.status !== 'ready');
  return (
    <section className="panel library" aria-labelledby="library-h">
      <h2 id="library-h">Library</h2>
      <p className="hint">Kept in this browser, on this computer. Export what you want to keep elsewhere or share.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {skipped && (
        <p role="alert" className="error">
          {skipped}
        </p>
      )}
      {notice?.kind === 'ok' && (
        <p role="status" className="check-ok">
          {notice.text}
        </p>
      )}

      <div className="lib-head">
        <h3>Interventions ({interventions.length})</h3>
        <ImportButton label="Import…" inputLabel="Intervention files for the library" />
      </div>
      <p className="hint">Import the .zip exported here, or intervention.json and intervention.safetensors together, or a llama.cpp control vector (.gguf) or PyTorch map (.safetensors) for the loaded model.</p>
      {importError && (
        <p role="alert" className="error">
          {importError}
        </p>
      )}
      {status === 'loading' ? (
        <p className="muted">Opening the library…</p>
      ) : interventions.length === 0 ? (
        <p className="muted">No interventions yet. Fit one above, or import one.</p>
      ) : (
        <>
          {noModel && <p className="hint">Load a model to use one of these.</p>}
          <ul className="lib-list" aria-label="Saved interventions">
          {interventions.map((r) => (
            <InterventionItem key={r.id} rec={r} />
          ))}
          </ul>
        </>
      )}

      <h3>Datasets ({datasets.length})</h3>
      {datasets.length === 0 ? (
        <p className="muted">No saved datasets. “Save dataset” in the editor keeps one here.</p>
      ) : (
        <ul className="lib-list" aria-label="Saved datasets">
          {datasets.map((r) => (
            <DatasetItem key={r.id} rec={r} />
          ))}
        </ul>
      )}
    </section>
  );
}
