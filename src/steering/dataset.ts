import { RAW, type PromptFormat } from '../model/chat-format.ts';
import { parseCsv } from './csv.ts';
import { DATASET_LIMITS, datasetCountIssues, datasetTextLimitIssue, type DatasetLimits } from './dataset-limits.ts';

export type PromptSetName = 'source' | 'target' | 'control';
const SETS: readonly PromptSetName[] = ['source', 'target', 'control'];

/** Source (undesired), target (desired) and control (neutral) prompt sets, spec sections 3–6. */
export interface PromptDataset {
  name: string;
  description?: string;
  source: string[];
  target: string[];
  /** Empty when the file has none (only DSAS needs it). */
  control: string[];
  /** Optional word lists for the lexicon scorer. */
  lexicon?: Record<string, string[]>;
  /** Each prompt is a user message: fitting, training and evaluation format it with the model's chat template. */
  chat?: boolean;
  /** Chat datasets only: a system message put before every prompt (source, target and control); absent: none. */
  system?: string;
}

/**
 * How the dataset's prompts are encoded (chat-format.ts): user messages (after the dataset's system message, when it
 * has one) for a chat dataset, raw text otherwise.
 */
export function datasetFormat(ds: Pick<PromptDataset, 'chat' | 'system'>): PromptFormat {
  if (!ds.chat) return RAW;
  return ds.system?.trim() ? { chat: true, system: ds.system } : { chat: true };
}

/**
 * The dataset as a JSON file's object (what parseDataset reads back): name, description when set, the three sets,
 * the lexicon, `chat` and `system` only when present.
 */
export function datasetFileObject(ds: PromptDataset): Record<string, unknown> {
  return {
    name: ds.name,
    ...(ds.description !== undefined ? { description: ds.description } : {}),
    source: ds.source,
    target: ds.target,
    control: ds.control,
    ...(ds.lexicon ? { lexicon: ds.lexicon } : {}),
    ...(ds.chat ? { chat: true } : {}),
    ...(ds.chat && ds.system?.trim() ? { system: ds.system } : {}),
  };
}

export interface ParseDatasetOptions {
  /** Longest prompt accepted, in UTF-16 code units. Default 2000 (prompts are truncated to 128 tokens anyway). */
  maxPromptChars?: number;
  /** Which set a plain-text file (one prompt per line) fills. Default 'source'. */
  singleSet?: PromptSetName;
  /** Most prompts per set and most characters; default DATASET_LIMITS. */
  limits?: DatasetLimits;
}

/** Every problem found in a dataset file, one human-readable line each. */
export class DatasetError extends Error {
  readonly issues: string[];
  constructor(fileName: string, issues: string[]) {
    super(`${fileName}: ${issues.length === 1 ? issues[0] : `${issues.length} problems:\n- ${issues.join('\n- ')}`}`);
    this.name = 'DatasetError';
    this.issues = issues;
  }
}

/** An entry and where it came from ("source[3]", "line 4", "row 5, column target"), for messages. */
interface Entry {
  text: unknown;
  where: string;
}

type RawSets = Partial<Record<PromptSetName, Entry[]>>;

/**
 * Reads a prompt dataset. Formats, chosen by the file extension:
 * - `.json`: `{ name?, description?, source: [], target: [], control?: [], lexicon?, chat?, system? }`, or a bare
 *   array of strings (one set). `system` (a string) needs `"chat": true`; a blank one counts as none. An already-parsed object is accepted too. JSON strings are kept verbatim.
 * - `.csv`: a header row naming columns `source`, `target`, `control` (any order, any subset);
 *   blank cells are skipped, so the sets may differ in length. Cells are trimmed.
 * - anything else: plain text, one prompt per line (trimmed; blank lines skipped), filling `singleSet`.
 * JSON and CSV need non-empty source and target sets; control is optional.
 * Throws DatasetError listing every problem: empty sets, non-string or blank entries, duplicates
 * (within a set and across sets, naming them), prompts over the length limit. A file over the size limit, or a set
 * with more prompts than the limit (dataset-limits.ts), is refused before its entries are checked.
 */
export function parseDataset(input: string | unknown, fileName: string, opts: ParseDatasetOptions = {}): PromptDataset {
  const maxChars = opts.maxPromptChars ?? 2000;
  const single = opts.singleSet ?? 'source';
  const ext = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const baseName = fileName.replace(/^.*[/\\]/, '').replace(/\.[^.]+$/, '') || 'dataset';
  const limits = opts.limits ?? DATASET_LIMITS;
  const issues: string[] = [];
  const tooLong = datasetTextLimitIssue(typeof input === 'string' ? input.length : 0, 'file', limits);
  if (tooLong) throw new DatasetError(fileName, [tooLong]);

  let name = baseName;
  let description: string | undefined;
  let lexicon: Record<string, string[]> | undefined;
  let chat = false;
  let system: string | undefined;
  let sets: RawSets;
  let required: PromptSetName[];

  if (typeof input !== 'string' || ext === 'json') {
    let value: unknown = input;
    if (typeof input === 'string') {
      try {
        value = JSON.parse(stripBom(input));
      } catch (e) {
        throw new DatasetError(fileName, [`not valid JSON (${(e as Error).message})`]);
      }
    }
    if (Array.isArray(value)) {
      sets = { [single]: value.map((text, i) => ({ text, where: `entry ${i}` })) };
      required = [single];
    } else if (isRecord(value)) {
      if (value.name !== undefined) {
        if (typeof value.name === 'string' && value.name.trim()) name = value.name;
        else issues.push('"name" must be a non-empty string');
      }
      if (value.description !== undefined) {
        if (typeof value.description === 'string') description = value.description;
        else issues.push('"description" must be a string');
      }
      if (value.lexicon !== undefined) lexicon = checkLexicon(value.lexicon, issues);
      if (value.chat !== undefined) {
        if (typeof value.chat === 'boolean') chat = value.chat;
        else issues.push('"chat" must be true or false');
      }
      if (value.system !== undefined) {
        if (typeof value.system !== 'string') issues.push(`"system" must be a string (the chat system message), not ${describe(value.system)}`);
        else if (value.chat !== true) issues.push('"system" is a chat system message, but this is a raw-text dataset: set "chat": true, or remove "system"');
        else if (value.system.length > maxChars) issues.push(`"system" is ${value.system.length} characters long (limit ${maxChars}): "${preview(value.system)}"`);
        else if (value.system.trim()) system = value.system;
      }
      sets = {};
      for (const set of SETS) {
        const arr = value[set];
        if (arr === undefined) continue;
        if (!Array.isArray(arr)) {
          issues.push(`"${set}" must be an array of strings`);
          continue;
        }
        sets[set] = arr.map((text, i) => ({ text, where: `${set}[${i}]` }));
      }
      required = ['source', 'target'];
    } else {
      throw new DatasetError(fileName, ['expected a JSON object { source: [...], target: [...], control?: [...] } or an array of strings']);
    }
  } else if (ext === 'csv') {
    sets = readCsvSets(stripBom(input), issues);
    required = ['source', 'target'];
  } else {
    const lines = stripBom(input).split(/\r\n|\r|\n/);
    const entries: Entry[] = [];
    lines.forEach((line, i) => {
      const t = line.trim();
      if (t) entries.push({ text: t, where: `line ${i + 1}` });
    });
    sets = { [single]: entries };
    required = [single];
  }

  const tooMany = datasetCountIssues(Object.fromEntries(SETS.map((set) => [set, sets[set]?.length ?? 0])), limits);
  if (tooMany.length) throw new DatasetError(fileName, tooMany);
  if (typeof input !== 'string') {
    let chars = 0;
    for (const set of SETS) for (const e of sets[set] ?? []) if (typeof e.text === 'string') chars += e.text.length;
    if (system !== undefined) chars += system.length;
    const tooLongParsed = datasetTextLimitIssue(chars, 'prompts', limits);
    if (tooLongParsed) throw new DatasetError(fileName, [tooLongParsed]);
  }

  const out: Record<PromptSetName, string[]> = { source: [], target: [], control: [] };
  const firstSeen = new Map<string, { set: PromptSetName; where: string }>();
  const dupWithin = new Map<string, { set: PromptSetName; wheres: string[] }>();
  const dupAcross = new Map<string, string[]>();
  for (const set of SETS) {
    const entries = sets[set];
    if (!entries || entries.length === 0) {
      if (required.includes(set)) issues.push(`the ${set} set is empty`);
      continue;
    }
    for (const { text, where } of entries) {
      if (typeof text !== 'string') {
        issues.push(`${where} is ${describe(text)}, expected a string`);
        continue;
      }
      if (!text.trim()) {
        issues.push(`${where} is blank`);
        continue;
      }
      if (text.length > maxChars) issues.push(`${where} is ${text.length} characters long (limit ${maxChars}): "${preview(text)}"`);
      const seen = firstSeen.get(text);
      if (!seen) firstSeen.set(text, { set, where });
      else if (seen.set === set) {
        const d = dupWithin.get(text) ?? { set, wheres: [seen.where] };
        d.wheres.push(where);
        dupWithin.set(text, d);
      } else {
        const d = dupAcross.get(text) ?? [`${seen.set} (${seen.where})`];
        d.push(`${set} (${where})`);
        dupAcross.set(text, d);
      }
      out[set].push(text);
    }
  }
  for (const [text, d] of dupWithin) issues.push(`duplicate ${d.set} prompt "${preview(text)}" at ${d.wheres.join(', ')}`);
  for (const [text, places] of dupAcross) issues.push(`prompt "${preview(text)}" appears in several sets: ${places.join(', ')}`);
  if (issues.length) throw new DatasetError(fileName, issues);

  const ds: PromptDataset = { name, source: out.source, target: out.target, control: out.control };
  if (description !== undefined) ds.description = description;
  if (lexicon) ds.lexicon = lexicon;
  if (chat) ds.chat = true;
  if (system !== undefined) ds.system = system;
  return ds;
}

/**
 * SHA-256 (hex) of the canonical JSON `{"source":[...],"target":[...],"control":[...]}` (keys in that
 * order, no whitespace, UTF-8), with `"chat":true` after them for a chat dataset and then `"system":"..."` when it
 * has a system message: identifies the prompts a fit used and how they were formatted (a dataset without a system
 * message hashes as before there was one). Name, description and lexicon are not part of it.
 */
export async function datasetHash(ds: Pick<PromptDataset, 'source' | 'target'> & Partial<PromptDataset>): Promise<string> {
  const format = datasetFormat(ds);
  const canonical = JSON.stringify({
    source: ds.source,
    target: ds.target,
    control: ds.control ?? [],
    ...(format.chat ? { chat: true } : {}),
    ...(format.chat && format.system !== undefined ? { system: format.system } : {}),
  });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function readCsvSets(text: string, issues: string[]): RawSets {
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (e) {
    issues.push((e as Error).message);
    return {};
  }
  if (records.length === 0) {
    issues.push('the CSV file is empty (expected a header row: source,target,control)');
    return {};
  }
  const header = records[0].map((h) => h.trim().toLowerCase());
  const columns = new Map<PromptSetName, number>();
  header.forEach((h, i) => {
    if (!h) return;
    if (!(SETS as readonly string[]).includes(h)) issues.push(`unknown CSV column "${records[0][i]}" (expected source, target, control)`);
    else if (columns.has(h as PromptSetName)) issues.push(`CSV column "${h}" appears twice`);
    else columns.set(h as PromptSetName, i);
  });
  const sets: RawSets = {};
  for (const [set, col] of columns) {
    const entries: Entry[] = [];
    for (let r = 1; r < records.length; r++) {
      const cell = (records[r][col] ?? '').trim();
      if (cell) entries.push({ text: cell, where: `row ${r + 1}, column ${set}` });
    }
    sets[set] = entries;
  }
  return sets;
}

function checkLexicon(value: unknown, issues: string[]): Record<string, string[]> | undefined {
  if (!isRecord(value)) {
    issues.push('"lexicon" must be an object of word lists');
    return undefined;
  }
  const out: Record<string, string[]> = {};
  for (const [key, words] of Object.entries(value)) {
    if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
      issues.push(`lexicon "${key}" must be an array of strings`);
      continue;
    }
    out[key] = words as string[];
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
