// Sampling, stopping and chat templates through the engine.
import { expect, test } from '@playwright/test';
import { openStableHarness } from './fixtures/stable-harness.ts';
import { tinyLlamaGqa } from '../src/testing/test-configs.ts';
import { brokenModel, editJson } from './fixtures/test-models.ts';

test('seeded sampling is reproducible, seeds differ, stop strings and EOS stop', async ({ page }) => {
  const s = await openStableHarness(page);
  await s.load('stories260K');
  const opts = { prompt: 'Once upon a time', maxNewTokens: 40, temperature: 1.0, topP: 0.9, topK: 50, repetitionPenalty: 1.2 };
  const a = await s.generate({ ...opts, seed: 1 });
  const b = await s.generate({ ...opts, seed: 1 });
  const c = await s.generate({ ...opts, seed: 2 });
  expect(b.tokenIds).toEqual(a.tokenIds);
  expect(c.tokenIds).not.toEqual(a.tokenIds);
  // Repetition penalty changes greedy decoding (the reference continuation repeats "Lily").
  const plain = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 30, greedy: true, ignoreEos: true });
  const penalized = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 30, greedy: true, ignoreEos: true, repetitionPenalty: 1.5 });
  expect(penalized.tokenIds).not.toEqual(plain.tokenIds);
  // A stop string ends generation and is cut from the text.
  const stopped = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 60, greedy: true, stopStrings: ['Lily'] });
  expect(stopped.stopReason).toBe('stop-string');
  expect(stopped.text).toBe(', there was a little girl named ');
  // top-k 1 is greedy.
  const k1 = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 10, topK: 1, seed: 5 });
  expect(k1.tokenIds).toEqual(plain.tokenIds.slice(0, 10));
  // EOS stops unless told otherwise: find where greedy emits EOS (id 2) and check it stops there.
  const long = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 250, greedy: true, ignoreEos: true });
  const eosAt = long.tokenIds.indexOf(2);
  if (eosAt >= 0) {
    const upTo = await s.generate({ prompt: 'Once upon a time', maxNewTokens: 250, greedy: true });
    expect(upTo.stopReason).toBe('eos');
    expect(upTo.tokenIds).toEqual(long.tokenIds.slice(0, eosAt + 1));
  }
});

test('a chat template in tokenizer_config.json is applied', async ({ page }) => {
  // A tiny model whose tokenizer_config.json carries a chat template (built like the broken-folder fixtures).
  const template = "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";
  const name = await brokenModel('e2e-chat-template', {
    base: { config: { ...tinyLlamaGqa }, opts: { dtype: 'F32', seed: 3 } },
    corrupt: (dir) => editJson(dir, 'tokenizer_config.json', (j) => void (j.chat_template = template)),
  });
  const s = await openStableHarness(page);
  await s.load(name);
  const chat = await s.encode('Hello there', true);
  // "<s>user: Hello there\nassistant:" tokenized by transformers.js in Node (BOS written by the template).
  expect(chat).toEqual([1, 318, 419, 285, 467, 346, 306, 414, 383, 13, 412, 419, 419, 293, 413, 303, 413, 467]);
});
