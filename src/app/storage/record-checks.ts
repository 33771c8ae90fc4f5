// Records read back from the browser's storage are checked before the app uses them: one malformed record (written
// by an old version, a bug, or edited by hand) is skipped with a notice instead of failing the whole library, and it
// stays stored (nothing a user made is deleted). Records carry the schema version that wrote them.
import type { StoreName } from './db.ts';

/** The version of the record layout this build writes; a record from a newer build is skipped, not misread. */
export const RECORD_SCHEMA = 1;

export interface SkippedRecord {
  store: StoreName;
  /** Its id, or "?" when it has none. */
  id: string;
  /** Its name when it has one. */
  name: string | null;
  problem: string;
}

type Check = (r: Record<string, unknown>) => string | null;

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const need = (r: Record<string, unknown>, field: string, ok: (v: unknown) => boolean, what: string): string | null =>
  ok(r[field]) ? null : r[field] === undefined ? `no “${field}”` : `“${field}” is not ${what}`;
const first = (...problems: (string | null)[]): string | null => problems.find((p) => p !== null) ?? null;

const CHECKS: Record<StoreName, Check> = {
  interventions: (r) =>
    first(
      need(r, 'name', isString, 'text'),
      need(r, 'modelId', isString, 'text'),
      need(r, 'method', isString, 'text'),
      need(r, 'dsas', (v) => typeof v === 'boolean', 'true or false'),
      need(r, 'hooks', isStringList, 'a list of hook names'),
      need(r, 'saved', isString, 'a date'),
      need(r, 'manifest', isString, 'text'),
      need(r, 'tensors', (v) => v instanceof ArrayBuffer, 'binary data'),
    ),
  datasets: (r) =>
    first(
      need(r, 'name', isString, 'text'),
      need(r, 'source', isStringList, 'a list of texts'),
      need(r, 'target', isStringList, 'a list of texts'),
      need(r, 'control', isStringList, 'a list of texts'),
      need(r, 'saved', isString, 'a date'),
      r.lexicon === undefined ? null : need(r.lexicon as Record<string, unknown>, 'source', isStringList, 'a word list'),
      // Added after schema 1 without a bump: optional, so records saved before it read as having none.
      r.system === undefined ? null : need(r, 'system', isString, 'text'),
    ),
  evaluations: (r) =>
    first(
      need(r, 'number', (v) => Number.isInteger(v), 'a run number'),
      need(r, 'name', isString, 'text'),
      need(r, 'prompts', isStringList, 'a list of texts'),
      need(r, 'lambdas', (v) => Array.isArray(v) && v.every((x) => typeof x === 'number'), 'a list of numbers'),
      need(r, 'points', Array.isArray, 'a list'),
      r.held === undefined ? null : need(r, 'held', Array.isArray, 'a list'),
      need(r, 'at', isString, 'a date'),
    ),
};

/** What is wrong with a stored record, or null when the app can use it. */
export function recordProblem(store: StoreName, value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a record';
  const r = value as Record<string, unknown>;
  if (!isString(r.id) || r.id === '') return 'no id';
  if (r.schema !== undefined && !(Number.isInteger(r.schema) && (r.schema as number) >= 0)) return '“schema” is not a version number';
  if (typeof r.schema === 'number' && r.schema > RECORD_SCHEMA) return `saved by a newer version of Steerscope (record version ${r.schema}; this one reads up to ${RECORD_SCHEMA})`;
  if (store === 'datasets' && r.lexicon !== undefined && (typeof r.lexicon !== 'object' || r.lexicon === null)) return '“lexicon” is not a pair of word lists';
  return CHECKS[store](r);
}

/** The usable records, and the others with what is wrong with each. */
export function splitReadable<T>(store: StoreName, values: readonly unknown[]): { records: T[]; skipped: SkippedRecord[] } {
  const records: T[] = [];
  const skipped: SkippedRecord[] = [];
  for (const v of values) {
    const problem = recordProblem(store, v);
    if (problem === null) {
      records.push(v as T);
      continue;
    }
    const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    skipped.push({ store, id: isString(r.id) && r.id ? r.id : '?', name: isString(r.name) ? r.name : null, problem });
  }
  return { records, skipped };
}

const STORE_LABEL: Record<StoreName, string> = { interventions: 'intervention', datasets: 'dataset', evaluations: 'evaluation run' };

/** One sentence for the panel: how many were skipped, and why (the first few). */
export function skippedNotice(skipped: readonly SkippedRecord[]): string | null {
  if (skipped.length === 0) return null;
  const shown = skipped.slice(0, 3).map((s) => `${STORE_LABEL[s.store]} ${s.name !== null ? `“${s.name}”` : s.id}: ${s.problem}`);
  const more = skipped.length > 3 ? `; and ${skipped.length - 3} more` : '';
  const n = skipped.length === 1 ? 'One saved record could not be read and is not shown' : `${skipped.length} saved records could not be read and are not shown`;
  return `${n} (${shown.join('; ')}${more}). They stay in this browser's storage.`;
}
