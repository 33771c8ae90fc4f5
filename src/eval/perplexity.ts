/**
 * Perplexity from logits: the negative log-likelihood of the tokens that follow, with the log-softmax computed stably
 * in float64 (max subtracted), summed per text and pooled over texts by token count.
 */

/** Summed negative log-likelihood (nats) and the number of tokens it covers. */
export interface NllSum {
  nll: number;
  count: number;
}

/** −log softmax(row)[id], in float64: logsumexp(row − max) − (row[id] − max). */
export function tokenNll(row: ArrayLike<number>, id: number): number {
  if (!(Number.isInteger(id) && id >= 0 && id < row.length)) throw new Error(`token id ${id} is outside the logits row (${row.length})`);
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) if (row[j] > max) max = row[j];
  if (!Number.isFinite(max)) throw new Error('the logits row has no finite maximum');
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += Math.exp(row[j] - max);
  return Math.log(sum) - (row[id] - max);
}

/** `rows[k]` is the distribution over the token `next[k]` (the logits of the position before it). */
export function sequenceNll(rows: readonly ArrayLike<number>[], next: readonly number[]): NllSum {
  if (rows.length !== next.length) throw new Error(`${rows.length} logits rows for ${next.length} tokens`);
  let nll = 0;
  for (let k = 0; k < next.length; k++) nll += tokenNll(rows[k], next[k]);
  return { nll, count: next.length };
}

/** Sums of several texts, added. */
export function addNll(parts: readonly NllSum[]): NllSum {
  return parts.reduce((a, p) => ({ nll: a.nll + p.nll, count: a.count + p.count }), { nll: 0, count: 0 });
}

/** exp(Σ NLL / Σ tokens) over all texts (token-weighted); NaN when no token was scored. */
export function pooledPerplexity(parts: readonly NllSum[]): number {
  const { nll, count } = addNll(parts);
  return count > 0 ? Math.exp(nll / count) : NaN;
}
