/** Library records of interventions: made from an intervention's two files, named for people, made active. */
import { hookOrder } from '../model/spec.ts';
import { decodeIntervention, type InterventionManifest } from '../steering/intervention-file.ts';
import { methodName } from '../steering/methods/registry.ts';
import type { EncodedIntervention } from '../engine/protocol.ts';
import * as db from './storage/db.ts';
import type { InterventionRecord } from './storage/db.ts';
import type { ActiveIntervention } from './app-state.ts';

/** A method as people read it, with "+ DSAS" when the intervention has gates. */
export function methodLabel(method: string, hasGates: boolean): string {
  return `${methodName(method)}${hasGates ? ' + DSAS' : ''}`;
}

export function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, ' ')
      .trim()
      .replace(/\s+/g, '-')
      .toLowerCase()
      .slice(0, 60) || 'intervention'
  );
}


export function bytesOf(buf: ArrayBuffer): Uint8Array {
  return new Uint8Array(buf);
}

/** A library record from an intervention's two files (validated: throws InterventionFileError in plain words). */
export function recordFrom(files: EncodedIntervention, name: string): InterventionRecord {
  const iv = decodeIntervention(files.manifest, bytesOf(files.tensors));
  const m = JSON.parse(files.manifest) as InterventionManifest;
  const hooks = [...iv.hooks.keys()].sort((a, b) => hookOrder(a) - hookOrder(b));
  return {
    id: db.newId(),
    name,
    modelId: iv.modelId,
    method: iv.method,
    dsas: [...iv.hooks.values()].some((h) => h.gate !== undefined),
    hooks,
    datasetName: m.dataset?.name ?? null,
    created: iv.created ?? new Date().toISOString(),
    saved: new Date().toISOString(),
    metrics: iv.metrics ?? {},
    manifest: files.manifest,
    tensors: files.tensors,
  };
}

export function activeFrom(rec: InterventionRecord, entryId: string | null = rec.id): ActiveIntervention {
  return { entryId, name: rec.name, modelId: rec.modelId, method: rec.method, hooks: rec.hooks, hasGates: rec.dsas, files: { manifest: rec.manifest, tensors: rec.tensors } };
}

export const byNewest = <T extends { saved: string }>(a: T, b: T) => b.saved.localeCompare(a.saved);
