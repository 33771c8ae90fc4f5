/**
 * How a prompt becomes token ids: raw text (the tokenizer adds BOS as it does), or one user turn (after an optional
 * system message) rendered with the model's chat template and ending with the assistant prompt
 * (add_generation_prompt). Generation, fitting, training and evaluation all encode through `encodePrompt`, so a chat
 * dataset is formatted exactly as a chat prompt typed in the playground.
 */
import type { ChatMessage, Tokenizer } from './tokenizer.ts';

/** Raw text, or a chat turn (the text is the user message). */
export type PromptFormat = { chat: false } | { chat: true; system?: string };

export const RAW: PromptFormat = { chat: false };

/** A chat prompt the template cannot take (no template, an empty message). Its message is a sentence for the user. */
export class ChatFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatFormatError';
  }
}

/** The messages of one chat turn: the system message (when not blank) and the user message. */
export function chatMessages(user: string, system?: string): ChatMessage[] {
  if (!user.trim()) throw new ChatFormatError('The user message is empty: chat mode needs something to answer.');
  return system?.trim() ? [{ role: 'system', content: system }, { role: 'user', content: user }] : [{ role: 'user', content: user }];
}

/** Token ids of `text` in `format`. Throws ChatFormatError when the model has no chat template or the message is empty. */
export function encodePrompt(tokenizer: Tokenizer, text: string, format: PromptFormat): number[] {
  if (!format.chat) return tokenizer.encode(text);
  if (!tokenizer.hasChatTemplate) throw new ChatFormatError('This model has no chat template, so chat prompts cannot be formatted for it; use raw text.');
  return tokenizer.encodeChat(chatMessages(text, format.system));
}

/** Where an assistant turn ends: a token id (a special token such as <|im_end|>) or, when the marker is plain text, a stop string. */
export interface EndOfTurn {
  tokenIds: number[];
  stopStrings: string[];
}

const SENTINEL = 'ASSISTANT-TURN-SENTINEL';

/**
 * The end-of-turn marker of the model's template: what the template writes right after an assistant message's text
 * (ChatML's <|im_end|>, Llama 3's <|eot_id|>, Zephyr's </s>), found by rendering one exchange with a sentinel reply.
 * Empty when the template writes nothing after it (or cannot render an assistant message).
 */
export function endOfTurn(tokenizer: Tokenizer): EndOfTurn {
  const none: EndOfTurn = { tokenIds: [], stopStrings: [] };
  if (!tokenizer.hasChatTemplate) return none;
  let text: string;
  try {
    text = tokenizer.renderChat([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: SENTINEL }], false);
  } catch {
    return none;
  }
  const marker = endMarker(text, SENTINEL);
  if (!marker) return none;
  const ids = tokenizer.encode(marker, false);
  return ids.length === 1 ? { tokenIds: ids, stopStrings: [] } : { tokenIds: [], stopStrings: [marker] };
}

/** The text right after `sentinel` in `rendered`, up to the first line break, trimmed ('' when there is none). */
export function endMarker(rendered: string, sentinel: string): string {
  const at = rendered.lastIndexOf(sentinel);
  if (at < 0) return '';
  return rendered.slice(at + sentinel.length).replace(/^[ \t]+/, '').split(/\r?\n/)[0].trim();
}

/** Generation stops for a chat turn: the end of turn added to the caller's stop strings. */
export function withEndOfTurn(eot: EndOfTurn, stopStrings: string[] | undefined): { stopTokenIds: number[]; stopStrings: string[] | undefined } {
  const strings = [...(stopStrings ?? []), ...eot.stopStrings];
  return { stopTokenIds: eot.tokenIds, stopStrings: strings.length ? strings : undefined };
}
