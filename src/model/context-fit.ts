// A prompt and the new tokens asked for must fit the model's context. Too long: refused with the numbers and what to
// do, or, when the user chose it, the prompt's start is cut (its first `keepFirst` tokens, the BOS, kept).

export interface ContextFitOptions {
  maxContext: number;
  maxNewTokens: number;
  /** Cut the prompt's start instead of refusing. */
  truncate: boolean;
  /** Leading tokens never cut (the BOS token). */
  keepFirst: number;
  /** A chat prompt cannot lose its start (the template's header). */
  chat: boolean;
}

export class ContextOverflowError extends Error {
  override name = 'ContextOverflowError';
}

/** The prompt ids to run, and how many were cut from the start (0 when it fits as it is). */
export function fitPromptToContext(ids: readonly number[], o: ContextFitOptions): { ids: number[]; cut: number } {
  const over = ids.length + o.maxNewTokens - o.maxContext;
  if (over <= 0) return { ids: [...ids], cut: 0 };
  const sizes = `The prompt (${ids.length} tokens) plus ${o.maxNewTokens} new tokens is longer than the model's context of ${o.maxContext} tokens`;
  const room = o.maxContext - o.maxNewTokens - o.keepFirst;
  if (o.maxNewTokens >= o.maxContext || room < 1) throw new ContextOverflowError(`${sizes}: ask for fewer than ${o.maxContext - o.keepFirst} new tokens.`);
  if (!o.truncate) throw new ContextOverflowError(`${sizes}: shorten it, ask for fewer new tokens, or choose “Keep the end of a long prompt” (Settings).`);
  if (o.chat) throw new ContextOverflowError(`${sizes}, and a chat prompt cannot be cut (the chat template's start would go): shorten the message or ask for fewer new tokens.`);
  const head = ids.slice(0, o.keepFirst);
  const tail = ids.slice(ids.length - room);
  return { ids: [...head, ...tail], cut: ids.length - head.length - tail.length };
}
