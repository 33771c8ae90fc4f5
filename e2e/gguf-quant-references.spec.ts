// stories260K's quantized GGUF files (../shared/models/stories260K-gguf: Q8_0, Q4_0, Q4_1, and F32) against llama.cpp on
// the same file (tools/llama-cpp-reference.ts via node-llama-cpp): our real greedy continuation of "Once upon a time"
// for 32 tokens is llama.cpp's up to its first divergence, which is at a near-tie of the top two logits in llama.cpp's
// distribution and ours; and all 8 of llama.cpp's prompts, teacher forced (src/testing/teacher-forcing.ts), follow the
// same rule. llama.cpp multiplies quantized weights with 8-bit-quantized activations, we in f32, so near-tied tokens
// may swap.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { llamaCppReference } from '../src/testing/llama-cpp-reference.ts';
import { scoreTeacherForced, teacherForcedIds } from '../src/testing/teacher-forcing.ts';
import { linkModelDir } from './fixtures/link-models.ts';
import { openStableHarness } from './fixtures/stable-harness.ts';

const SHARED = process.env.SHARED_DIR ?? path.resolve('../shared');
const GGUF_DIR = path.join(SHARED, 'models/stories260K-gguf');
const PROMPT = 'Once upon a time';
const NEAR_TIE = 0.5;

test.skip(!fs.existsSync(GGUF_DIR), `${GGUF_DIR} is missing`);
test.beforeAll(() => linkModelDir('stories260K-gguf', GGUF_DIR));

for (const q of ['q8_0', 'q4_0', 'q4_1', 'f32']) {
  test(`stories260K ${q}: llama.cpp's greedy continuations, divergences only at near-ties`, async ({ page }) => {
    test.setTimeout(600_000);
    const file = path.join(GGUF_DIR, `stories260K-${q}.gguf`);
    const ref = llamaCppReference(file);
    const s = await openStableHarness(page);
    await s.load(`stories260K-gguf/${path.basename(file)}`);
    const rows: string[] = [];
    for (const c of ref.continuations) {
      const score = scoreTeacherForced(c, await s.logitsTop2(teacherForcedIds(c)));
      const d = score.divergence;
      rows.push(`  ${JSON.stringify(c.prompt).padEnd(48)} ${String(score.agree).padStart(2)}/${score.steps}  ${d ? `step ${d.step}: llama.cpp gap ${d.llamaGap.toFixed(3)}, ours ${d.ourGap.toFixed(3)}` : '—'}`);
      if (d) {
        expect(d.llamaGap, `${c.prompt}: llama.cpp's gap at step ${d.step}`).toBeLessThanOrEqual(NEAR_TIE);
        expect(d.ourGap, `${c.prompt}: our gap at step ${d.step}`).toBeLessThanOrEqual(NEAR_TIE);
      }
      expect(score.worstShortfall, `${c.prompt}: largest shortfall of llama.cpp's token`).toBeLessThanOrEqual(NEAR_TIE);
      if (c.prompt !== PROMPT) continue;
      // Real greedy decoding: the teacher-forced argmaxes up to and including the first divergence.
      const r = await s.generate({ promptIds: c.promptIds, maxNewTokens: c.steps.length, greedy: true, ignoreEos: true });
      const n = Math.min(score.steps, score.agree + 1);
      expect(r.tokenIds.slice(0, n)).toEqual(score.argmax.slice(0, n));
      expect(r.tokenIds.slice(0, score.agree)).toEqual(c.steps.slice(0, score.agree).map((x) => x.id));
      rows.push(`  greedy ${JSON.stringify(PROMPT + r.text)}`);
    }
    console.log(`stories260K ${q} against llama.cpp (agreeing tokens of ${ref.newTokens}):\n${rows.join('\n')}`);
  });
}
