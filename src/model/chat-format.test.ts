import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STORIES260K_DIR } from '../testing/node-paths.ts';
import { MAX_PROMPT_TOKENS, tokenizePrompt } from '../steering/collect-activations.ts';
import { ChatFormatError, chatMessages, encodePrompt, endMarker, endOfTurn } from './chat-format.ts';
import { openCheckpoint } from './checkpoint.ts';
import { nodeModelFiles } from './formats/node-model-files.node.ts';
import { createTokenizer } from './tokenizer.ts';

describe('chat messages', () => {
  it('puts a non-blank system message before the user message, and refuses an empty user message', () => {
    expect(chatMessages('Hi')).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(chatMessages('Hi', '  ')).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(chatMessages('Hi', 'Be brief.')).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(() => chatMessages(' \n')).toThrow(ChatFormatError);
    expect(() => chatMessages('')).toThrow(/user message is empty/);
  });

  it('finds the text a template writes after an assistant message', () => {
    expect(endMarker('<|im_start|>assistant\nXX<|im_end|>\n', 'XX')).toBe('<|im_end|>');
    expect(endMarker('<|assistant|>\nXX</s>', 'XX')).toBe('</s>');
    expect(endMarker('XX\n\nUser:', 'XX')).toBe('');
    expect(endMarker('no sentinel', 'XX')).toBe('');
  });
});

const GGUF = path.resolve('models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf');

describe.skipIf(!existsSync(GGUF))("SmolLM2-135M-Instruct's ChatML template (from the GGUF file)", () => {
  const load = async () => {
    const { source } = await openCheckpoint(nodeModelFiles(GGUF));
    const { json, config } = source.tokenizer!;
    const lib = await import('@huggingface/transformers');
    return { ours: await createTokenizer(json, config), hf: new lib.PreTrainedTokenizer(json, config) };
  };

  it('formats a system + user turn as the tokenizer’s own apply_chat_template does, and as ChatML is written', async () => {
    const { ours, hf } = await load();
    const messages = chatMessages('Tell me about the sea.', 'You answer in one line.');
    const got = encodePrompt(ours, 'Tell me about the sea.', { chat: true, system: 'You answer in one line.' });
    const reference = hf.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false }) as unknown as { input_ids: number[] };
    expect(got).toEqual(reference.input_ids);
    // ChatML by hand (special tokens whole: <|im_start|> = 1, <|im_end|> = 2 in this vocabulary).
    const byHand = '<|im_start|>system\nYou answer in one line.<|im_end|>\n<|im_start|>user\nTell me about the sea.<|im_end|>\n<|im_start|>assistant\n';
    expect(got).toEqual(ours.encode(byHand, false));
    expect(got.filter((id) => id === 1)).toHaveLength(3);
    expect(got.filter((id) => id === 2)).toHaveLength(2);
    expect(got.at(-1)).not.toBe(2);
  });

  it('writes its default system message when none is given; raw text is the plain encoding', async () => {
    const { ours } = await load();
    const ids = encodePrompt(ours, 'Hi', { chat: true });
    expect(ours.decode(ids)).toMatch(/^system\n.*SmolLM.*\nuser\nHi\nassistant\n$/s);
    expect(encodePrompt(ours, 'Hi', { chat: false })).toEqual(ours.encode('Hi'));
    expect(() => encodePrompt(ours, '   ', { chat: true })).toThrow(ChatFormatError);
  });

  it('ends the assistant turn at <|im_end|> (one special token)', async () => {
    const { ours } = await load();
    expect(endOfTurn(ours)).toEqual({ tokenIds: [2], stopStrings: [] });
  });
});

describe('stories260K (no chat template), and a copy given a plain-text template', () => {
  const read = async () => {
    const json = JSON.parse(await readFile(path.join(STORIES260K_DIR, 'tokenizer.json'), 'utf8')) as unknown;
    const config = JSON.parse(await readFile(path.join(STORIES260K_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    return { json, config };
  };

  it('refuses chat prompts with a clear message and has no end of turn', async () => {
    const { json, config } = await read();
    const tok = await createTokenizer(json, config);
    expect(() => encodePrompt(tok, 'Hi', { chat: true })).toThrow(/no chat template/);
    expect(endOfTurn(tok)).toEqual({ tokenIds: [], stopStrings: [] });
  });

  it('stops at a marker the vocabulary spells in several tokens as a stop string', async () => {
    const { json, config } = await read();
    const template = "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";
    const tok = await createTokenizer(json, { ...config, chat_template: template });
    expect(endOfTurn(tok)).toEqual({ tokenIds: [], stopStrings: ['<|end|>'] });
    expect(encodePrompt(tok, 'Hi', { chat: true })).toEqual(tok.encode('<|user|>\nHi<|end|>\n<|assistant|>\n', false));
  });

  it('gives fitting and training the same ids; raw text is cut to 128 tokens, a chat prompt over it is refused', async () => {
    const { json, config } = await read();
    const template = "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";
    const tok = await createTokenizer(json, { ...config, chat_template: template });
    expect(tokenizePrompt(tok, 'Lily was sad.', { chat: true })).toEqual(encodePrompt(tok, 'Lily was sad.', { chat: true }));
    const long = 'Lily was sad and cried all day long. '.repeat(20);
    expect(tokenizePrompt(tok, long)).toEqual(tok.encode(long).slice(0, MAX_PROMPT_TOKENS));
    expect(() => tokenizePrompt(tok, long, { chat: true })).toThrow(/tokens with the chat template, over the 128/);
  });
});
