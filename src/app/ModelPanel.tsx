import { useEffect, useRef, useState } from 'react';
import { CATALOG, catalogFormatOf, catalogFormatSpec, catalogSpec, findCatalogFormat, findCatalogModel, type CatalogFormat, type CatalogModel } from '../model/catalog.ts';
import { checkFit, estimateGpuMemory, estimateGpuMemoryFor } from '../model/gpu/memory-estimate.ts';
import type { CachedModel } from '../model/formats/model-files.ts';
import type { LoadProgressEvent, ModelInfo } from '../engine/protocol.ts';
import { AdapterSummary, useAdapterFacts } from './AdapterInfo.tsx';
import { formatBytes, formatSeconds, plural } from './format.ts';
import { ModelCache, useCachedModels } from './ModelCache.tsx';
import { HubSettingsFields } from './HubSettingsFields.tsx';
import { ModelNeed, useSelectionNeed } from './ModelNeed.tsx';
import { useApp, type SourceKind } from './store.ts';

const SOURCES: { kind: SourceKind; label: string }[] = [
  { kind: 'catalog', label: 'Catalog' },
  { kind: 'server', label: 'This server' },
  { kind: 'ref', label: 'Hub or URL' },
  { kind: 'folder', label: 'Local folder' },
];

function progressText(p: LoadProgressEvent | null): string {
  if (!p || p.phase === 'config') return 'Reading the config and tokenizer…';
  if (p.phase === 'headers') return 'Opening the weight files…';
  if (p.phase === 'done') return 'Finishing…';
  const files = p.fileCount > 1 && p.fileIndex > 0 ? ` · file ${p.fileIndex} of ${p.fileCount}` : '';
  return `${formatBytes(p.loadedBytes)} of ${formatBytes(p.totalBytes)}${files} · ${p.file}`;
}

function ModelSummary({ m }: { m: ModelInfo }) {
  return (
    <p role="status" className="ok">
      <strong>{m.id}</strong> is ready: {m.modelType}, {plural(m.numLayers, 'layer')}, {m.hiddenSize} wide, context {m.maxContext} tokens,{' '}
      {formatBytes(m.gpuBytes)} on the GPU ({m.weightDType}), loaded in {formatSeconds(m.loadMs)}.
      {m.hasChatTemplate ? ' It has a chat template.' : ''}
    </p>
  );
}

function paramsText(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : `${Math.round(n / 1e6)}M`;
}

/** The hub models the app knows, each with the files it comes in (safetensors, GGUF), their download and memory need, and whether they fit this GPU. */
function Catalog({ cached }: { cached: CachedModel[] | null }) {
  const catalogId = useApp((s) => s.catalogId);
  const facts = useAdapterFacts();
  const { setCatalogId } = useApp.getState();
  const chosen = findCatalogFormat(catalogId);
  return (
    <fieldset className="catalog">
      <legend>Models on the Hugging Face hub</legend>
      {CATALOG.map((m: CatalogModel) => (
        <div key={m.hubId} className={`catalog-item${chosen?.model === m ? ' on' : ''}`} data-testid="catalog-item">
          <span className="catalog-name">{m.name}</span>
          <span className="muted">
            {paramsText(estimateGpuMemory(catalogSpec(m), m.fileDType).params)} parameters · {m.blurb}
          </span>
          <ul className="catalog-formats">
            {m.formats.map((f: CatalogFormat) => {
              const est = estimateGpuMemoryFor(catalogFormatSpec(m, f), catalogFormatOf(f));
              const v = facts ? checkFit(`${m.name} (${f.label})`, est, facts.adapter, facts.budgetBytes) : null;
              const inCache = cached?.find((c) => c.id === f.ref);
              return (
                <li key={f.ref} data-testid="catalog-format">
                  <label className={catalogId === f.ref ? 'on' : ''} title={f.ref}>
                    <input type="radio" name="catalog" value={f.ref} aria-label={`${m.name}, ${f.label}`} checked={catalogId === f.ref} onChange={() => setCatalogId(f.ref)} />
                    <span className="catalog-body">
                      <span>
                        {f.label} <span className="muted">{f.file}</span>
                      </span>
                      <span className="muted">
                        {f.matrices} · {formatBytes(f.fileBytes)} download{inCache ? ` (${formatBytes(inCache.bytes)} cached)` : ''}
                      </span>
                      <span className={`catalog-fit ${v === null ? '' : v.fits ? 'fits' : 'no-fit'}`}>
                        Needs {formatBytes(est.totalBytes)} on the GPU{v === null ? '' : v.fits ? ' · fits' : v.hard ? ' · will not load here' : ' · probably too big here'}
                      </span>
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      <p className="hint">
        Downloads come from the hub endpoint (huggingface.co unless changed under Hub settings) and are kept in this browser. Sizes are approximate. Models on this server are under “This server”.
      </p>
    </fieldset>
  );
}

export function ModelPanel() {
  const gpuOk = useApp((s) => s.gpu.status === 'ready' || s.gpu.status === 'checking');
  const serverModels = useApp((s) => s.serverModels);
  const sourceKind = useApp((s) => s.sourceKind);
  const serverId = useApp((s) => s.serverId);
  const ref = useApp((s) => s.ref);
  const catalogId = useApp((s) => s.catalogId);
  const folder = useApp((s) => s.folder);
  const load = useApp((s) => s.load);
  const { setSourceKind, setServerId, setRef, setFolder, loadModel } = useApp.getState();
  const folderInput = useRef<HTMLInputElement | null>(null);
  const ggufInput = useRef<HTMLInputElement | null>(null);
  /** The typed hub id or URL whose memory need the user asked for. */
  const [checkedRef, setCheckedRef] = useState('');
  const need = useSelectionNeed(checkedRef);
  const cache = useCachedModels();
  /** The refusal of the last Load press (the model does not fit), and whether it may be overridden. */
  const [refusal, setRefusal] = useState<{ reason: string; hard: boolean } | null>(null);
  const loading = load.status === 'loading';
  const verdict = need.status === 'ready' ? need.verdict : null;
  useEffect(() => setRefusal(null), [sourceKind, serverId, ref, folder, catalogId]);
  // The only model on this server (the fetched default model, on a fresh clone) is preselected.
  const onlyServerModel = serverModels.status === 'ready' && serverModels.items.length === 1 ? serverModels.items[0].id : '';
  useEffect(() => {
    if (onlyServerModel && serverId === '' && sourceKind === 'server') setServerId(onlyServerModel);
  }, [onlyServerModel, serverId, sourceKind, setServerId]);
  const p = load.progress;
  const determinate = p !== null && p.phase === 'weights' && p.totalBytes > 0;

  return (
    <section
      className="panel model"
      // A model file dropped on the panel (a .gguf, or a folder's files) loads like a picked one.
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        const files = Array.from(e.dataTransfer.files);
        if (files.length === 0) return;
        e.preventDefault();
        setFolder(files);
      }}
    >
      <h2>Model</h2>
      <AdapterSummary />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (verdict && !verdict.fits) {
            setRefusal({ reason: verdict.reason, hard: verdict.hard });
            return;
          }
          setRefusal(null);
          void loadModel();
        }}
      >
        <fieldset className="segmented">
          <legend>Where the model comes from</legend>
          {SOURCES.map((s) => (
            <label key={s.kind} className={sourceKind === s.kind ? 'on' : ''}>
              <input type="radio" name="source" value={s.kind} checked={sourceKind === s.kind} onChange={() => setSourceKind(s.kind)} />
              {s.label}
            </label>
          ))}
        </fieldset>

        {sourceKind === 'catalog' && <Catalog cached={cache.models} />}

        {sourceKind === 'server' && (
          <div className="field">
            <label htmlFor="server-model">Model folder</label>
            <select id="server-model" value={serverId} onChange={(e) => setServerId(e.target.value)} disabled={serverModels.status === 'loading'}>
              <option value="">
                {serverModels.status === 'loading' ? 'Looking for models…' : serverModels.items.length === 0 ? 'No model folders on this server' : 'Choose a model folder…'}
              </option>
              {serverModels.items.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id} ({formatBytes(m.bytes)})
                </option>
              ))}
            </select>
            <p className="hint">Folders under the dev server’s models directory (MODELS_DIR).</p>
          </div>
        )}

        {sourceKind === 'ref' && (
          <div className="field">
            <label htmlFor="model-ref">Hugging Face id or URL</label>
            <input
              id="model-ref"
              type="text"
              value={ref}
              onChange={(e) => setRef(e.target.value)}
              placeholder="HuggingFaceTB/SmolLM2-135M-Instruct"
              spellCheck={false}
              autoCapitalize="off"
              autoComplete="off"
            />
            <p className="hint">An owner/name id (optionally @revision), one GGUF file of a repo as owner/name/file.gguf (e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_0.gguf), or the URL of a folder with config.json, tokenizer.json and .safetensors files or of a .gguf file. Downloads are cached in the browser.</p>
            {ref.trim() !== '' && !findCatalogModel(ref) && checkedRef !== ref.trim() && (
              <button type="button" className="secondary small" onClick={() => setCheckedRef(ref.trim())}>
                Check its memory need
              </button>
            )}
          </div>
        )}

        {sourceKind === 'folder' && (
          <div className="field">
            <span className="label" id="folder-label">
              Folder on this computer
            </span>
            <div className="row">
              <button type="button" className="secondary" onClick={() => folderInput.current?.click()} aria-describedby="folder-label folder-chosen">
                Open a local folder
              </button>
              <button type="button" className="secondary" onClick={() => ggufInput.current?.click()} aria-describedby="folder-label folder-chosen">
                Open a GGUF file
              </button>
              <span id="folder-chosen" className="muted">
                {folder ? `${folder.name}: ${plural(folder.files.length, 'file')}, ${formatBytes(folder.bytes)}` : 'No folder chosen'}
              </span>
            </div>
            <input
              ref={(el) => {
                folderInput.current = el;
                if (el) el.webkitdirectory = true;
              }}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              aria-label="Model folder files"
              onChange={(e) => {
                setFolder(Array.from(e.target.files ?? []));
                e.target.value = '';
              }}
            />
            <input
              ref={ggufInput}
              type="file"
              accept=".gguf"
              hidden
              tabIndex={-1}
              aria-label="GGUF model file"
              onChange={(e) => {
                setFolder(Array.from(e.target.files ?? []));
                e.target.value = '';
              }}
            />
            <p className="hint">
              The folder that holds config.json, tokenizer.json and the .safetensors files, or one .gguf file (it carries its own config and tokenizer); files dropped on this panel load the same way. Nothing is uploaded.
            </p>
          </div>
        )}

        {(sourceKind === 'catalog' || sourceKind === 'ref') && <HubSettingsFields />}

        <ModelNeed need={need} />

        <div className="actions">
          <button type="submit" disabled={!gpuOk || loading} aria-describedby={refusal ? 'load-refusal' : undefined}>
            Load
          </button>
          {refusal && !refusal.hard && (
            <button
              type="button"
              className="secondary"
              disabled={!gpuOk || loading}
              onClick={() => {
                setRefusal(null);
                void loadModel();
              }}
            >
              Load anyway
            </button>
          )}
        </div>
        {refusal && (
          <p role="alert" className="error" id="load-refusal">
            Not loaded. {refusal.reason}
            {refusal.hard ? '' : ' It may still work on a GPU with more memory: “Load anyway” tries.'}
          </p>
        )}
      </form>

      {load.notice && (
        <p role="status" className="notice" data-testid="gpu-notice">
          {load.notice}
        </p>
      )}
      {loading && (
        <div className="progress">
          <label htmlFor="load-progress">Loading {load.target}</label>
          <progress id="load-progress" max={determinate ? p.totalBytes : undefined} value={determinate ? p.loadedBytes : undefined} />
          <p className="muted">{progressText(p)}</p>
        </div>
      )}
      {load.status === 'ready' && load.model && <ModelSummary m={load.model} />}
      {load.error && (
        <p role="alert" className="error">
          {load.error}
        </p>
      )}
      <ModelCache models={cache.models} failures={cache.failures} refresh={cache.refresh} />
    </section>
  );
}
