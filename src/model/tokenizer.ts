/** Tokenizer and chat template from a model folder's tokenizer.json / tokenizer_config.json, via @huggingface/transformers. */
import type { PreTrainedTokenizer } from '@huggingface/transformers';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Tokenizer {
  encode(text: string, addSpecialTokens?: boolean): number[];
  decode(ids: number[]): string;
  /** Token ids of a chat rendered with the model's template, ending with the assistant prompt. */
  encodeChat(messages: ChatMessage[]): number[];
  /** A chat rendered to text with the model's template (with the assistant prompt at the end when asked). */
  renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): string;
  hasChatTemplate: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

export class TokenizerError extends Error {}

export async function createTokenizer(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown>): Promise<Tokenizer> {
  const lib = await import('@huggingface/transformers');
  const className = String(tokenizerConfig.tokenizer_class ?? 'PreTrainedTokenizer').replace(/Fast$/, '');
  const classes = lib as unknown as Record<string, (new (json: unknown, config: unknown) => PreTrainedTokenizer) | undefined>;
  const Cls = (/Tokenizer$/.test(className) ? classes[className] : undefined) ?? lib.PreTrainedTokenizer;
  let tok: PreTrainedTokenizer;
  try {
    tok = new Cls(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new TokenizerError(`tokenizer.json could not be read: ${(e as Error).message}`);
  }
  const eos = tokenizerConfig.eos_token;
  const renderChat = (messages: ChatMessage[], addGenerationPrompt: boolean): string => {
    if (!tok.chat_template) throw new TokenizerError('this model has no chat template; use plain completion');
    return tok.apply_chat_template(messages, { add_generation_prompt: addGenerationPrompt, tokenize: false }) as unknown as string;
  };
  return {
    encode: (text, addSpecialTokens = true) => tok.encode(text, { add_special_tokens: addSpecialTokens }),
    decode: (ids) => tok.decode(ids, { skip_special_tokens: true }),
    renderChat,
    // Render to text, then tokenize without adding special tokens: the template writes BOS itself (as HF does).
    encodeChat: (messages) => tok.encode(renderChat(messages, true), { add_special_tokens: false }),
    hasChatTemplate: Boolean(tok.chat_template),
    bosTokenId: typeof tok.bos_token_id === 'number' ? tok.bos_token_id : null,
    eosTokenIds: typeof tok.eos_token_id === 'number' ? [tok.eos_token_id] : eos ? [] : [],
  };
}
