/** Tokenizer and chat template from a model folder's tokenizer.json / tokenizer_config.json, via @huggingface/transformers. */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { checkTokenizerConfig, checkTokenizerJson } from './tokenizer-check.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Tokenizer {
  encode(text: string, addSpecialTokens?: boolean): number[];
  decode(ids: number[]): string;
  /** Token ids of a chat rendered with the model's template, ending with the assistant prompt. */
  encodeChat(messages: ChatMessage[]): number[];
  hasChatTemplate: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
  /** How many tokens the vocabulary holds and its largest id (checked against the config's vocab_size); absent: unknown. */
  vocabulary?: { tokens: number; maxId: number };
}

export class TokenizerError extends Error {}

/** `vocabSize`: the model's; token ids at or past it are refused before the library reads the vocabulary. */
export async function createTokenizer(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown>, vocabSize?: number): Promise<Tokenizer> {
  checkTokenizerConfig(tokenizerConfig);
  checkTokenizerJson(tokenizerJson, vocabSize);
  const lib = await import('@huggingface/transformers');
  const className = String(tokenizerConfig.tokenizer_class ?? 'PreTrainedTokenizer').replace(/Fast$/, '');
  const classes = lib as unknown as Record<string, (new (json: unknown, config: unknown) => PreTrainedTokenizer) | undefined>;
  const Cls = (/Tokenizer$/.test(className) ? classes[className] : undefined) ?? lib.PreTrainedTokenizer;
  let tok: PreTrainedTokenizer;
  try {
    tok = new Cls(tokenizerJson, tokenizerConfig);
    // A tokenizer that cannot encode and decode a sample text is refused now, not at the first prompt.
    const ids = tok.encode('Hello, world. 123', { add_special_tokens: true }).filter((id) => Number.isInteger(id));
    if (ids.length > 0) tok.decode(ids);
  } catch (e) {
    throw new TokenizerError(`tokenizer.json could not be read: ${(e as Error).message}`);
  }
  const eos = tokenizerConfig.eos_token;
  const ids = [...(tok as unknown as { get_vocab(): Map<string, number> }).get_vocab().values()];
  const vocabulary = { tokens: ids.length, maxId: ids.reduce((m, id) => Math.max(m, id), -1) };
  return {
    encode: (text, addSpecialTokens = true) => tok.encode(text, { add_special_tokens: addSpecialTokens }),
    decode: (ids) => tok.decode(ids, { skip_special_tokens: true }),
    encodeChat: (messages) => {
      if (!tok.chat_template) throw new TokenizerError('this model has no chat template; use plain completion');
      // Render to text, then tokenize without adding special tokens: the template writes BOS itself (as HF does).
      const text = tok.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false }) as unknown as string;
      return tok.encode(text, { add_special_tokens: false });
    },
    hasChatTemplate: Boolean(tok.chat_template),
    bosTokenId: typeof tok.bos_token_id === 'number' ? tok.bos_token_id : null,
    eosTokenIds: typeof tok.eos_token_id === 'number' ? [tok.eos_token_id] : eos ? [] : [],
    vocabulary,
  };
}
