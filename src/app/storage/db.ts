/**
 * The library on this computer: interventions, user datasets and evaluation runs in IndexedDB (database `steerscope`).
 * A small typed wrapper: every call is a promise that rejects with a StorageError in plain words (quota, private mode,
 * blocked).
 */
import type { HookName } from '../../model/spec.ts';
import type { EvalRun } from '../eval-results.ts';
import { RECORD_SCHEMA, splitReadable, type SkippedRecord } from './record-checks.ts';

export interface InterventionRecord {
  id: string;
  /** The user's name for it (renamable; the files do not carry it). */
  name: string;
  modelId: string;
  method: string;
  dsas: boolean;
  hooks: HookName[];
  datasetName: string | null;
  /** When it was made (the manifest's `created`), and when it entered the library. */
  created: string;
  saved: string;
  metrics: Record<string, unknown>;
  /** The two files: intervention.json and intervention.safetensors. */
  manifest: string;
  tensors: ArrayBuffer;
}

export interface DatasetRecord {
  id: string;
  name: string;
  description: string;
  source: string[];
  target: string[];
  control: string[];
  /** Word lists for the evaluation (absent in datasets saved before there was one). */
  lexicon?: { source: string[]; target: string[] };
  /** A chat dataset (each prompt a user message); absent: raw text. */
  chat?: boolean;
  /** Chat datasets only: the system message before every prompt; absent (and in records saved before it): none. */
  system?: string;
  saved: string;
}

/** One evaluation run as the Evaluate panel shows it (a string id; `number` is the "run 3" people read). */
export type EvaluationRecord = EvalRun;

interface Stores {
  interventions: InterventionRecord;
  datasets: DatasetRecord;
  evaluations: EvaluationRecord;
}
export type StoreName = keyof Stores;

const DB_NAME = 'steerscope';
/** 1: interventions, datasets. 2: + evaluations. An upgrade only adds the stores missing, so data already saved stays. */
const DB_VERSION = 2;
const STORES: readonly StoreName[] = ['interventions', 'datasets', 'evaluations'];
/** How long to wait for other tabs to let go of an older version of the database before saying so. */
const BLOCKED_MS = 5000;

export class StorageError extends Error {
  override name = 'StorageError';
}

function explain(e: unknown, what: string): StorageError {
  const err = e as DOMException | Error | null;
  const name = err && 'name' in err ? err.name : '';
  const detail = err?.message || String(e);
  if (name === 'QuotaExceededError') return new StorageError(`Could not ${what}: this browser's storage for the site is full. Delete something from the library or export it.`);
  if (name === 'InvalidStateError' || name === 'SecurityError') return new StorageError(`Could not ${what}: this browser does not allow saving here (private window or blocked storage). ${detail}`);
  return new StorageError(`Could not ${what}: ${detail}`);
}

let dbPromise: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new StorageError('Could not open the library: this browser has no IndexedDB.'));
      return;
    }
    let req: IDBOpenDBRequest;
    try {
      req = indexedDB.open(DB_NAME, DB_VERSION);
    } catch (e) {
      reject(explain(e, 'open the library'));
      return;
    }
    let blocked: ReturnType<typeof setTimeout> | undefined;
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const store of STORES) {
        if (!db.objectStoreNames.contains(store)) db.createObjectStore(store, { keyPath: 'id' });
      }
    };
    req.onsuccess = () => {
      clearTimeout(blocked);
      const db = req.result;
      // Another tab upgrading the database: close so it can, and reopen next time.
      db.onversionchange = () => {
        db.close();
        dbPromise = null;
      };
      resolve(db);
    };
    req.onerror = () => {
      clearTimeout(blocked);
      reject(explain(req.error, 'open the library'));
    };
    // Other tabs hold the older version: they close it on `versionchange` (above), and then the upgrade goes on.
    req.onblocked = () => {
      clearTimeout(blocked);
      blocked = setTimeout(
        () => reject(new StorageError('Could not open the library: another Steerscope tab is holding it. Close the other tabs and reload.')),
        BLOCKED_MS,
      );
    };
  });
  dbPromise.catch(() => (dbPromise = null));
  return dbPromise;
}

/** Runs one request in its own transaction and resolves when the transaction has committed. */
async function run<T>(store: StoreName, mode: IDBTransactionMode, what: string, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  return new Promise<T>((resolve, reject) => {
    let tx: IDBTransaction;
    let req: IDBRequest<T>;
    try {
      tx = db.transaction(store, mode);
      req = fn(tx.objectStore(store));
    } catch (e) {
      reject(explain(e, what));
      return;
    }
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(explain(tx.error ?? req.error, what));
    tx.onabort = () => reject(explain(tx.error ?? new Error('the save was cancelled'), what));
  });
}

/** Every record of a store as stored (unchecked: see listReadable). */
export function listAll<S extends StoreName>(store: S): Promise<unknown[]> {
  return run(store, 'readonly', `read the saved ${store}`, (s) => s.getAll() as IDBRequest<unknown[]>);
}

/** The records the app can use, and those skipped with what is wrong with each (they stay stored). */
export async function listReadable<S extends StoreName>(store: S): Promise<{ records: Stores[S][]; skipped: SkippedRecord[] }> {
  return splitReadable<Stores[S]>(store, await listAll(store));
}

export function get<S extends StoreName>(store: S, id: string): Promise<Stores[S] | undefined> {
  return run(store, 'readonly', `read from the library`, (s) => s.get(id) as IDBRequest<Stores[S] | undefined>);
}

/** `what` completes "Could not …" in the error (default: save “name” to the library). */
export async function put<S extends StoreName>(store: S, record: Stores[S], what = `save “${record.name}” to the library`): Promise<void> {
  await run(store, 'readwrite', what, (s) => s.put({ ...record, schema: RECORD_SCHEMA }));
}

export async function remove(store: StoreName, id: string, name: string): Promise<void> {
  await run(store, 'readwrite', `delete “${name}”`, (s) => s.delete(id));
}

/** Deletes several records in one transaction (all or none); `what` completes "Could not …". */
export async function removeMany(store: StoreName, ids: readonly string[], what: string): Promise<void> {
  if (ids.length === 0) return;
  await run(store, 'readwrite', what, (s) => ids.map((id) => s.delete(id)).at(-1)!);
}

/** Renames in one transaction (read and write together), so a concurrent change cannot be overwritten half-way. */
export async function rename<S extends StoreName>(store: S, id: string, name: string): Promise<Stores[S]> {
  const gone = () => new StorageError('Could not rename: it is no longer in the library (deleted in another tab?).');
  let next: Stores[S] | undefined;
  await run(store, 'readwrite', `rename “${name}”`, (s) => {
    const req = s.get(id);
    req.onsuccess = () => {
      const rec = req.result as Stores[S] | undefined;
      if (!rec) {
        req.transaction?.abort();
        return;
      }
      next = { ...rec, name, schema: RECORD_SCHEMA };
      s.put(next);
    };
    return req;
  }).catch((e) => {
    throw next === undefined ? gone() : e;
  });
  if (next === undefined) throw gone();
  return next;
}

let persistAsked = false;

/**
 * Asks the browser to keep the library when space runs low (navigator.storage.persist), once per page; resolves to
 * whether storage is persistent (false when the browser declines or has no such API).
 */
export async function askToPersist(): Promise<boolean> {
  const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!storage?.persist || persistAsked) return false;
  persistAsked = true;
  try {
    return (await storage.persisted?.()) || (await storage.persist());
  } catch {
    return false;
  }
}

export function newId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
