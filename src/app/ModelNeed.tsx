import { useEffect, useState } from 'react';
import { catalogFormatOf, catalogFormatSpec, findCatalogFormat } from '../model/catalog.ts';
import { checkFit, estimateGpuMemory, estimateGpuMemoryFor, type FitVerdict, type MemoryEstimate } from '../model/gpu/memory-estimate.ts';
import type { WeightFormat } from '../core/weight-format.ts';
import { pickedModelFiles } from '../model/formats/model-files.ts';
import { probeModel, type ModelProbe } from '../model/formats/model-probe.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import type { WeightDType } from '../model/spec.ts';
import { useAdapterFacts } from './AdapterInfo.tsx';
import { hubSettingsOf, type HubDraft } from './hub-settings.ts';
import { formatBytes } from './format.ts';
import { useApp, type PickedFolder } from './store.ts';

export type Need =
  | { status: 'none' }
  | { status: 'probing'; name: string }
  | { status: 'error'; name: string; message: string }
  | { status: 'ready'; name: string; fileDType: WeightDType | WeightFormat; est: MemoryEstimate; verdict: FitVerdict | null };

/** Server folders probed once per page (config.json and safetensors headers). */
const serverProbes = new Map<string, Promise<ModelProbe>>();
const folderProbes = new WeakMap<PickedFolder, Promise<ModelProbe>>();

function probeServer(id: string, listed: string[] | undefined): Promise<ModelProbe> {
  let p = serverProbes.get(id);
  if (!p) {
    p = probeModel(resolveModelSource(id), listed);
    serverProbes.set(id, p);
  }
  return p;
}

function probeFolder(f: PickedFolder): Promise<ModelProbe> {
  let p = folderProbes.get(f);
  if (!p) {
    p = probeModel(pickedModelFiles(f.name, f.files.map((x) => x.file)));
    folderProbes.set(f, p);
  }
  return p;
}

const refProbes = new Map<string, Promise<ModelProbe>>();

function probeRef(ref: string, hub: HubDraft): Promise<ModelProbe> {
  const key = `${hub.endpoint}\n${hub.token ? 'token' : ''}\n${ref}`;
  let p = refProbes.get(key);
  if (!p) {
    p = Promise.resolve().then(() => {
      const h = hubSettingsOf(hub);
      if (!h.ok) throw new Error(`Hub settings: ${h.message}`);
      return probeModel(resolveModelSource(ref, undefined, h.hub));
    });
    refProbes.set(key, p);
    p.catch(() => refProbes.delete(key)); // a failed check can be retried
  }
  return p;
}

/**
 * The memory need of what the model panel has selected, and whether it fits this adapter. A typed hub id or URL
 * outside the catalog is only read (over the network) once `checkedRef` names it: the user asked.
 */
export function useSelectionNeed(checkedRef = ''): Need {
  const kind = useApp((s) => s.sourceKind);
  const catalogId = useApp((s) => s.catalogId);
  const serverId = useApp((s) => s.serverId);
  const ref = useApp((s) => s.ref);
  const folder = useApp((s) => s.folder);
  const serverModels = useApp((s) => s.serverModels.items);
  const hub = useApp((s) => s.hub);
  const facts = useAdapterFacts();
  const [probed, setProbed] = useState<{ key: string; probe: ModelProbe | null; error: string | null } | null>(null);

  const catalogEntry = kind === 'catalog' ? findCatalogFormat(catalogId) : kind === 'ref' ? findCatalogFormat(ref) : undefined;
  const refKey = kind === 'ref' && !catalogEntry && checkedRef !== '' && checkedRef === ref.trim() ? checkedRef : '';
  const key = kind === 'server' && serverId ? `server:${serverId}` : kind === 'folder' && folder ? `folder:${folder.name}:${folder.bytes}` : refKey ? `ref:${refKey}` : '';

  useEffect(() => {
    if (!key) return;
    let live = true;
    const listed = serverModels.find((m) => m.id === serverId)?.files.map((f) => f.name);
    const p = kind === 'server' ? probeServer(serverId, listed) : kind === 'ref' ? probeRef(refKey, hub) : folder ? probeFolder(folder) : null;
    p?.then(
      (probe) => live && setProbed({ key, probe, error: null }),
      (e: unknown) => live && setProbed({ key, probe: null, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [key, kind, serverId, folder, serverModels, refKey, hub]);

  const verdict = (name: string, est: MemoryEstimate) => (facts ? checkFit(name, est, facts.adapter, facts.budgetBytes) : null);
  if (catalogEntry) {
    const { model: m, format: f } = catalogEntry;
    const est = estimateGpuMemoryFor(catalogFormatSpec(m, f), catalogFormatOf(f));
    const name = m.formats[0] === f ? m.name : `${m.name} (${f.label})`;
    return { status: 'ready', name, fileDType: f.matrices, est, verdict: verdict(name, est) };
  }
  if (!key) return { status: 'none' };
  const name = kind === 'server' ? serverId : kind === 'ref' ? refKey : (folder?.name ?? '');
  if (!probed || probed.key !== key) return { status: 'probing', name };
  if (!probed.probe) return { status: 'error', name, message: probed.error ?? 'unknown problem' };
  const est = estimateGpuMemory(probed.probe.spec, probed.probe.fileDType);
  return { status: 'ready', name, fileDType: probed.probe.fileDType, est, verdict: verdict(name, est) };
}

/** The breakdown of a memory need, in one line. */
export function needLine(est: MemoryEstimate, fileDType: WeightDType | WeightFormat): string {
  const dtype =
    fileDType === 'F16' ? 'f16, kept 2 bytes a weight' : fileDType === 'BF16' ? 'BF16, kept 2 bytes a weight' : fileDType === 'F32' ? 'f32' : `${est.gpuDType}, kept in the file's blocks`;
  return (
    `${formatBytes(est.totalBytes)} on the GPU: weights ${formatBytes(est.weightBytes)} (${dtype}), ` +
    `KV cache ${formatBytes(est.kvBytes)} for ${est.contextLength} tokens, scratch ${formatBytes(est.scratchBytes)}; ` +
    `largest buffer ${formatBytes(est.largest.bytes)} (${est.largest.label}).`
  );
}

/** The selected model's memory need and the verdict, shown before loading. */
export function ModelNeed({ need }: { need: Need }) {
  if (need.status === 'none') return null;
  if (need.status === 'probing') return <p className="need muted">Reading {need.name}’s config and weight headers…</p>;
  if (need.status === 'error') {
    return (
      <p className="need muted" data-testid="model-need">
        Could not estimate {need.name}’s memory need: {need.message}
      </p>
    );
  }
  const v = need.verdict;
  return (
    <div className={`need ${v === null ? '' : v.fits ? 'fits' : 'no-fit'}`} data-testid="model-need">
      <p>
        <strong>{need.name}</strong> needs {needLine(need.est, need.fileDType)}
      </p>
      {v !== null && (v.fits ? <p className="verdict">Fits this GPU.</p> : <p className="verdict">{v.hard ? 'Will not load: ' : 'Probably too big: '}{v.reason}</p>)}
    </div>
  );
}
