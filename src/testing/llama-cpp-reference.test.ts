import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { llamaCppReference } from './llama-cpp-reference.ts';
import { SHARED_DIR, STORIES_REFERENCE_IDS, STORIES_REFERENCE_TEXT } from './node-paths.ts';

// The llama.cpp reference is itself checked against what ../shared/README.md says of stories260K as GGUF: llama.cpp
// gives the F32, Q8_0 and Q4_1 files the known greedy continuation of "Once upon a time" for 24 tokens, and the
// Q4_0 file differs at the 24th. The 24 known tokens are the first 24 after the prompt of the known text as llama.cpp tokenizes it;
// their first 8 are also the ids the README lists.
const GGUF_DIR = path.join(SHARED_DIR, 'models/stories260K-gguf');
const file = (q: string) => path.join(GGUF_DIR, `stories260K-${q}.gguf`);
const PROMPT = 'Once upon a time';
// A file's first run (no cached answer) takes 20–40 s on 2 busy cores.
const FIRST_RUN_MS = 300_000;

function knownContinuation(q: string): { generated: number[]; known: number[] } {
  const ref = llamaCppReference(file(q));
  const prompt = ref.tokenization.find((t) => t.text === PROMPT)!.ids;
  const full = ref.tokenization.find((t) => t.text === STORIES_REFERENCE_TEXT)!.ids;
  expect(full.slice(0, prompt.length)).toEqual(prompt);
  expect([ref.bos, ...full].slice(0, STORIES_REFERENCE_IDS.length)).toEqual(STORIES_REFERENCE_IDS);
  const known = full.slice(prompt.length, prompt.length + 24);
  expect(known.length).toBe(24);
  const c = ref.continuations.find((x) => x.kind === 'raw' && x.prompt === PROMPT)!;
  expect(c.promptIds).toEqual([ref.bos, ...prompt]);
  return { generated: c.steps.map((s) => s.id), known };
}

describe.skipIf(!fs.existsSync(file('f32')))('llama.cpp reference (node-llama-cpp) on stories260K GGUF', () => {
  for (const q of ['f32', 'q8_0', 'q4_1']) {
    it(`${q}: greedy "Once upon a time" is the known continuation for 24 tokens`, () => {
      const { generated, known } = knownContinuation(q);
      expect(generated.slice(0, 24)).toEqual(known);
    }, FIRST_RUN_MS);
  }

  it('q4_0: the same 23 tokens, then a different 24th', () => {
    const { generated, known } = knownContinuation('q4_0');
    expect(generated.slice(0, 23)).toEqual(known.slice(0, 23));
    expect(generated[23]).not.toBe(known[23]);
  }, FIRST_RUN_MS);

  it('records a full next-token distribution at every step (top two ordered, gap = difference of log-probabilities)', () => {
    const ref = llamaCppReference(file('f32'));
    expect(ref.continuations.length).toBe(8);
    for (const c of ref.continuations) {
      expect(c.steps.length).toBe(ref.newTokens);
      for (const s of c.steps) {
        expect(s.id).toBe(s.top2[0]);
        expect(s.top2[0]).not.toBe(s.top2[1]);
        expect(s.logitGap).toBeGreaterThanOrEqual(0);
        expect(s.logitGap).toBeCloseTo(s.top2LogProbs[0] - s.top2LogProbs[1], 12);
      }
    }
  }, FIRST_RUN_MS);
});
