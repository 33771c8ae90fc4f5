import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ggufForward, hasPython3 } from './gguf-forward-reference.ts';
import { SHARED_DIR, STORIES_REFERENCE_IDS } from './node-paths.ts';

// The float64 reference itself is checked against what is known of stories260K: the f32 GGUF (q/k rows permuted by
// the converter) must give the known greedy continuation of "Once upon a time", so its RoPE pairing, GQA, norms and
// tied embedding are right before anything is compared against it.
const GGUF_DIR = path.join(SHARED_DIR, 'models/stories260K-gguf');
const f32 = path.join(GGUF_DIR, 'stories260K-f32.gguf');
const prompt = STORIES_REFERENCE_IDS.slice(0, 5);
const known = STORIES_REFERENCE_IDS.slice(5);
const python = hasPython3();

describe.skipIf(!python || !fs.existsSync(f32))(`tools/gguf_forward.py${python ? '' : ' (skipped: no python3 on PATH)'}`, () => {
  it('reproduces the known greedy continuation of "Once upon a time" on stories260K-f32.gguf', () => {
    const r = ggufForward(f32, { ids: prompt, greedy: 24, logits: 'all' });
    expect(r.greedy.map((g) => g.id).slice(0, known.length)).toEqual(known);
    // The prompt rows agree with the greedy chain: the last prompt position predicts the first generated token, and
    // every prompt position's argmax is the largest of its logit row.
    expect(r.positions.at(-1)!.argmax).toBe(known[0]);
    expect(r.logits!.length).toBe(prompt.length * r.nVocab);
    r.positions.forEach((p, i) => {
      const row = r.logits!.subarray(i * r.nVocab, (i + 1) * r.nVocab);
      expect(row.indexOf(Math.max(...row))).toBe(p.argmax);
      expect(p.top2Logits[0]).toBeGreaterThanOrEqual(p.top2Logits[1]);
    });
  });

  it('reads the quantized files too: the Q8_0 file keeps the known continuation', () => {
    const r = ggufForward(path.join(GGUF_DIR, 'stories260K-q8_0.gguf'), { ids: prompt, greedy: known.length, logits: 'none' });
    expect(r.greedy.map((g) => g.id)).toEqual(known);
    expect(r.logits).toBeUndefined();
  });
});
