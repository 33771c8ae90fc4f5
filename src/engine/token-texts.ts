/** Token strings as the page shows them next to the per-token strengths. */
import type { Tokenizer } from '../model/tokenizer.ts';

/**
 * Each token's text in context: what decoding it adds after the (up to) 8 tokens before it, so SentencePiece spaces
 * come out right; linear in the prompt length.
 */
export function tokenTexts(tokenizer: Tokenizer, ids: number[]): string[] {
  return ids.map((_, i) => {
    try {
      const from = Math.max(0, i - 8);
      const before = tokenizer.decode(ids.slice(from, i));
      const withIt = tokenizer.decode(ids.slice(from, i + 1));
      return withIt.startsWith(before) ? withIt.slice(before.length) : tokenizer.decode([ids[i]]);
    } catch {
      return '';
    }
  });
}

/** Whitespace the decoder drops before the first generated token when it is decoded alone (see TokenEvent.lead). */
export function leadingSpace(tokenizer: Tokenizer, lastPromptId: number, tokenId: number, alone: string): string {
  try {
    const before = tokenizer.decode([lastPromptId]);
    const joined = tokenizer.decode([lastPromptId, tokenId]);
    if (!joined.startsWith(before)) return '';
    const expected = joined.slice(before.length);
    const lead = expected.endsWith(alone) ? expected.slice(0, expected.length - alone.length) : '';
    return /^\s+$/.test(lead) ? lead : '';
  } catch {
    return '';
  }
}
