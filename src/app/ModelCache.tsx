import { useCallback, useEffect, useState } from 'react';
import { isCacheFailure, type CacheFailure } from '../model/formats/download-cache.ts';
import { CACHE_CHANNEL, deleteCachedModel, listCachedModels, type CachedModel } from '../model/formats/model-files.ts';
import { formatBytes, plural } from './format.ts';
import { useApp } from './store.ts';

/** The cached downloads, re-read when one lands or is deleted (in this page or its worker), and the files that could not be kept. */
export function useCachedModels(): { models: CachedModel[] | null; failures: CacheFailure[]; refresh(): void } {
  const [models, setModels] = useState<CachedModel[] | null>(null);
  const [failures, setFailures] = useState<CacheFailure[]>([]);
  const loadStatus = useApp((s) => s.load.status);
  const refresh = useCallback(() => {
    listCachedModels().then(setModels, () => setModels([]));
  }, []);
  useEffect(() => {
    refresh();
    if (typeof BroadcastChannel === 'undefined') return;
    const ch = new BroadcastChannel(CACHE_CHANNEL);
    ch.onmessage = (e: MessageEvent<unknown>) => {
      const f = e.data;
      if (isCacheFailure(f)) setFailures((l) => (l.some((x) => x.model === f.model && x.file === f.file) ? l : [...l, f]));
      refresh();
    };
    return () => ch.close();
  }, [refresh]);
  useEffect(() => {
    if (loadStatus !== 'loading') refresh();
    else setFailures([]);
  }, [loadStatus, refresh]);
  return { models, failures, refresh };
}

/** Models downloaded into the browser's cache: their files and sizes, and a way to delete them. */
export function ModelCache({ models, failures = [], refresh }: { models: CachedModel[] | null; failures?: CacheFailure[]; refresh(): void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const failed =
    failures.length === 0 ? null : (
      <div role="alert" className="warning" data-testid="cache-failures">
        <p>
          Not kept in this browser (the model still loaded; {failures.length === 1 ? 'this file downloads' : 'these files download'} again next time):
        </p>
        <ul>
          {failures.map((f) => (
            <li key={`${f.model}\n${f.file}`}>
              {f.model}: {f.file} ({f.reason})
            </li>
          ))}
        </ul>
      </div>
    );
  if (models === null) return failed;
  const total = models.reduce((n, m) => n + m.bytes, 0);
  return (
    <section className="model-cache" aria-labelledby="cache-h">
      <h3 id="cache-h">Downloaded models</h3>
      {failed}
      {models.length === 0 ? (
        <p className="hint">Nothing downloaded yet. Models loaded from the hub or a URL are kept in this browser for the next visit.</p>
      ) : (
        <>
          <p className="hint">
            Kept in this browser: {plural(models.length, 'model')}, {formatBytes(total)}.
          </p>
          <ul>
            {models.map((m) => (
              <li key={m.id} data-testid="cached-model">
                <div className="row">
                  <span className="cache-id">{m.id}</span>
                  <span className="muted">
                    {plural(m.files.length, 'file')} · {formatBytes(m.bytes)}
                  </span>
                  {confirming !== m.id && (
                    <button type="button" className="secondary small" aria-label={`Delete ${m.id}`} onClick={() => setConfirming(m.id)} disabled={busy !== null}>
                      Delete
                    </button>
                  )}
                </div>
                {confirming === m.id && (
                  <div className="row confirm" role="group" aria-label={`Confirm deleting ${m.id}`}>
                    <span>
                      Delete {plural(m.files.length, 'file')} ({formatBytes(m.bytes)}) of {m.id}? Loading it again downloads them again.
                    </span>
                    <button
                      type="button"
                      className="small danger"
                      autoFocus
                      onClick={() => {
                        setBusy(m.id);
                        deleteCachedModel(m.id).then(
                          (n) => {
                            setNote(`Deleted ${plural(n, 'file')} of ${m.id}.`);
                            setBusy(null);
                            setConfirming(null);
                            refresh();
                          },
                          (e: unknown) => {
                            setNote(`Could not delete ${m.id}: ${e instanceof Error ? e.message : String(e)}`);
                            setBusy(null);
                          },
                        );
                      }}
                    >
                      Yes, delete
                    </button>
                    <button type="button" className="secondary small" onClick={() => setConfirming(null)}>
                      Cancel
                    </button>
                  </div>
                )}
                <details>
                  <summary>Files</summary>
                  <ul className="cache-files">
                    {m.files.map((f) => (
                      <li key={f.url}>
                        {f.name} <span className="muted">{formatBytes(f.bytes)}</span>
                      </li>
                    ))}
                  </ul>
                </details>
              </li>
            ))}
          </ul>
        </>
      )}
      {note && (
        <p role="status" className="hint">
          {note}
        </p>
      )}
    </section>
  );
}
