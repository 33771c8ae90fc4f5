import { describe, expect, it } from 'vitest';
import type { PositionTop2 } from '../harness/logits-api.ts';
import type { ContinuationCase } from './llama-cpp-reference.ts';
import { scoreTeacherForced, teacherForcedIds } from './teacher-forcing.ts';

const step = (id: number, other: number, gap: number) => ({ id, top2: [id, other] as [number, number], top2LogProbs: [-1, -1 - gap] as [number, number], logitGap: gap });
const pos = (argmax: number, second: number, l0: number, l1: number, nextLogit?: number): PositionTop2 => ({ argmax, top2: [argmax, second], top2Logits: [l0, l1], ...(nextLogit !== undefined ? { nextLogit } : {}) });

// Prompt [1, 5] (one prompt position scored: the last), then llama.cpp's greedy 7, 8, 9.
const c: ContinuationCase = { kind: 'raw', prompt: 'p', text: 'p', promptIds: [1, 5], steps: [step(7, 3, 2), step(8, 4, 0.2), step(9, 6, 1)] };

describe('teacher-forced score against llama.cpp', () => {
  it('runs the prompt and all but the last llama.cpp token', () => {
    expect(teacherForcedIds(c)).toEqual([1, 5, 7, 8]);
  });

  it('all equal: the whole continuation agrees', () => {
    // Position 0 (BOS) is not scored; positions 1..3 predict the steps.
    const s = scoreTeacherForced(c, [pos(5, 0, 1, 0, 0), pos(7, 3, 5, 3, 5), pos(8, 4, 4, 3.9, 4), pos(9, 6, 2, 1)]);
    expect(s).toMatchObject({ agree: 3, steps: 3, divergence: null, mismatches: 0, worstShortfall: 0, argmax: [7, 8, 9] });
  });

  it('the first divergence: its step, both gaps and the shortfall of llama.cpp\'s token', () => {
    // Step 1: we prefer 4 (logit 4.0) over llama.cpp's 8 (3.9); step 2: we agree again (teacher forced).
    const s = scoreTeacherForced(c, [pos(5, 0, 1, 0, 0), pos(7, 3, 5, 3, 5), pos(4, 8, 4, 3.9, 3.9), pos(9, 6, 2, 1)]);
    expect(s.agree).toBe(1);
    expect(s.mismatches).toBe(1);
    expect(s.divergence).toMatchObject({ step: 1, llamaCpp: 8, ours: 4, llamaGap: 0.2 });
    expect(s.divergence!.ourGap).toBeCloseTo(0.1, 12);
    expect(s.worstShortfall).toBeCloseTo(0.1, 12);
  });

  it('the last step\'s token outside our top two counts as infinitely far', () => {
    const s = scoreTeacherForced(c, [pos(5, 0, 1, 0, 0), pos(7, 3, 5, 3, 5), pos(8, 4, 4, 3.9, 4), pos(2, 6, 2, 1)]);
    expect(s.agree).toBe(2);
    expect(s.worstShortfall).toBe(Infinity);
  });

  it('refuses positions of another length', () => {
    expect(() => scoreTeacherForced(c, [pos(5, 0, 1, 0)])).toThrow(/expected 4 positions/);
  });
});
