import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTokenizer } from '../tokenizer.ts';
import { llamaCppReference } from '../../testing/llama-cpp-reference.ts';
import { REPO_ROOT, SHARED_DIR } from '../../testing/node-paths.ts';
import { readGguf } from './gguf.ts';
import { GgufMeta } from './gguf-model.ts';
import { ggufTokenizer } from './gguf-tokenizer.ts';

// Our tokenizer (built from the GGUF metadata, run by @huggingface/transformers) against llama.cpp's tokenization of
// the same file (tools/llama-cpp-reference.ts through node-llama-cpp): the reference tool's texts (unicode, emoji,
// CJK, digits, whitespace runs, newlines, \r, chat markup, special-token text), special tokens parsed and nothing
// added; then the prompts of its greedy continuations with BOS added as the file says, and the chat ones rendered
// through our chat template (SmolLM2's default system message included) to the ids llama.cpp was fed.
const FILES = [
  path.join(REPO_ROOT, 'models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf'),
  path.join(SHARED_DIR, 'models/stories260K-gguf/stories260K-f32.gguf'),
];
// A first run of the reference tool on a file takes 10–40 s on 2 busy cores.
const FIRST_RUN_MS = 300_000;

async function ourTokenizer(file: string) {
  const objects = ggufTokenizer(new GgufMeta(readGguf(new Uint8Array(fs.readFileSync(file)), path.basename(file)), path.basename(file)));
  return createTokenizer(objects.json, objects.config);
}

for (const file of FILES) {
  describe.skipIf(!fs.existsSync(file))(`tokenizer from ${path.basename(file)} against llama.cpp`, () => {
    it('gives llama.cpp\'s ids for every reference text', async () => {
      const ref = llamaCppReference(file);
      const tok = await ourTokenizer(file);
      expect(ref.tokenization.length).toBeGreaterThanOrEqual(30);
      let tokens = 0;
      for (const c of ref.tokenization) {
        expect(tok.encode(c.text, false), JSON.stringify(c.text)).toEqual(c.ids);
        tokens += c.ids.length;
      }
      console.log(`${path.basename(file)}: ${ref.tokenization.length} texts, ${tokens} tokens, all equal to llama.cpp's`);
    }, FIRST_RUN_MS);

    it('gives the prompt ids llama.cpp was fed (BOS as the file says; chat prompts through our chat template)', async () => {
      const ref = llamaCppReference(file);
      const tok = await ourTokenizer(file);
      expect(tok.bosTokenId).toBe(ref.bos);
      for (const c of ref.continuations) {
        if (c.kind === 'chat') expect(tok.encodeChat([{ role: 'user', content: c.prompt }]), c.prompt).toEqual(c.promptIds);
        else expect(tok.encode(c.text), c.prompt).toEqual(c.promptIds);
      }
    }, FIRST_RUN_MS);
  });
}
