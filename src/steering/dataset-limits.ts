/**
 * Hard limits on a prompt dataset, the same in the CLI, the worker and the app (parseDataset applies them).
 *
 * Why these numbers: fitting costs one forward pass per prompt (LinEAS: per prompt per step), and the papers fit on a
 * few hundred to a couple of thousand prompts per set. 5,000 per set leaves room for large sets while a 20,000-pair file
 * (hours on a laptop GPU, and far more activations than the fit needs) is refused up front with a message.
 * 5,000,000 characters bounds the text read and parsed (prompts are truncated to 128 tokens anyway, ~500 characters,
 * so 3 × 5,000 prompts of that length is ~7.5 MB of JSON at most; a real set is far below).
 */
export interface DatasetLimits {
  /** Most prompts in any one set (source, target or control). */
  maxPromptsPerSet: number;
  /** Most characters (UTF-16 code units) in the dataset file's text, or in all prompts of an already-parsed one. */
  maxChars: number;
}

export const DATASET_LIMITS: DatasetLimits = { maxPromptsPerSet: 5_000, maxChars: 5_000_000 };

/** A problem with the size of the dataset text (the file, or its prompts together), or null when within the limit. */
export function datasetTextLimitIssue(chars: number, what: 'file' | 'prompts' = 'file', limits: DatasetLimits = DATASET_LIMITS): string | null {
  if (chars <= limits.maxChars) return null;
  return `${what === 'file' ? 'the file is' : 'the prompts together are'} ${formatCount(chars)} characters long; the limit is ${formatCount(limits.maxChars)} (split it, or keep fewer prompts)`;
}

/** Problems with the number of prompts per set (one line per set over the limit). */
export function datasetCountIssues(counts: Partial<Record<string, number>>, limits: DatasetLimits = DATASET_LIMITS): string[] {
  const issues: string[] = [];
  for (const [set, n] of Object.entries(counts)) {
    if (n !== undefined && n > limits.maxPromptsPerSet) {
      issues.push(`the ${set} set has ${formatCount(n)} prompts; the limit is ${formatCount(limits.maxPromptsPerSet)} per set (use a sample of them)`);
    }
  }
  return issues;
}

/** A byte size over which a dataset file is refused before it is even read (UTF-8 takes at most 4 bytes a character). */
export function datasetFileBytesLimit(limits: DatasetLimits = DATASET_LIMITS): number {
  return limits.maxChars * 4;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
