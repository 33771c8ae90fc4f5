/** The dataset editor's draft: its shape, where it is kept between visits (localStorage), and its checks. */
import { parseDataset, type PromptDataset } from '../steering/dataset.ts';
import { PRESETS } from './presets.ts';
import { message } from './app-state.ts';

export type SetName = 'source' | 'target' | 'control';

/** Word lists for the evaluation's lexicon scorer (see presets.ts). */
export interface Lexicon {
  source: string[];
  target: string[];
}

/** The `source` and `target` lists of a dataset file's lexicon (null when it has none, or they are empty). */
export function lexiconOf(lex: Record<string, string[]> | undefined): Lexicon | undefined {
  const source = lex?.source?.map((w) => w.trim()).filter(Boolean) ?? [];
  const target = lex?.target?.map((w) => w.trim()).filter(Boolean) ?? [];
  return source.length || target.length ? { source, target } : undefined;
}

/** The closed-form methods fit; LinEAS trains. */

export interface Draft {
  /** Where the prompts came from: a preset, a saved dataset, or typed / opened by the user. */
  origin: { kind: 'preset' | 'saved'; id: string } | { kind: 'new' };
  name: string;
  description: string;
  /** One prompt per line. */
  source: string;
  target: string;
  control: string;
  /** Word lists for evaluating interventions fitted on it (from the preset or the dataset file; editable in Evaluate). */
  lexicon?: Lexicon;
  /** Each prompt is a user message, formatted with the model's chat template for fitting, training and evaluation. */
  chat?: boolean;
  /** The system message before every prompt when `chat` is on (kept, but unused, while it is off); blank: none. */
  system?: string;
  /** Changed since it was opened, saved or chosen. */
  edited: boolean;
}

export interface DraftCheck {
  dataset: PromptDataset | null;
  issues: string[];
  counts: Record<SetName, number>;
}

const DRAFT_KEY = 'steerscope.draft.v1';

export function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

export function presetDraft(id: string): Omit<Draft, 'edited'> {
  const p = PRESETS.find((x) => x.id === id) ?? PRESETS[0];
  return { origin: { kind: 'preset', id: p.id }, name: p.name, description: p.description, source: p.source.join('\n'), target: p.target.join('\n'), control: p.control.join('\n'), lexicon: p.lexicon, ...(p.system !== undefined ? { system: p.system } : {}) };
}

export function loadStoredDraft(): Draft {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    if (raw) {
      const d = JSON.parse(raw) as Draft;
      if (typeof d?.source === 'string' && typeof d.target === 'string' && typeof d.control === 'string' && typeof d.name === 'string') return d;
    }
  } catch {
    // no storage or a damaged entry: start from the preset
  }
  return { ...presetDraft(PRESETS[0].id), edited: false };
}

export function storeDraft(d: Draft): void {
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(d));
  } catch {
    // The draft is still in memory; saving it to the library reports real failures.
  }
}

/** Validates the editor's three lists with parseDataset; issues name the set and line as the user sees them. */
export function checkDraft(d: Draft): DraftCheck {
  const sets: Record<SetName, { text: string; line: number }[]> = { source: [], target: [], control: [] };
  for (const set of ['source', 'target', 'control'] as const) {
    d[set].split(/\r\n|\r|\n/).forEach((l, i) => {
      if (l.trim()) sets[set].push({ text: l.trim(), line: i + 1 });
    });
  }
  const counts = { source: sets.source.length, target: sets.target.length, control: sets.control.length };
  const obj = { name: d.name.trim() || 'dataset', source: sets.source.map((x) => x.text), target: sets.target.map((x) => x.text), control: sets.control.map((x) => x.text), chat: d.chat === true, ...(d.chat && d.system?.trim() ? { system: d.system } : {}) };
  try {
    return { dataset: parseDataset(obj, `${obj.name}.json`), issues: [], counts };
  } catch (e) {
    const issues = (e as { issues?: string[] }).issues ?? [message(e)];
    const where = (set: string, i: string) => `${set} line ${sets[set as SetName]?.[Number(i)]?.line ?? Number(i) + 1}`;
    return { dataset: null, issues: issues.map((m) => m.replace(/\b(source|target|control)\[(\d+)\]/g, (_, set: string, i: string) => where(set, i))), counts };
  }
}
