// Scores one engine's prompt logits against llama.cpp's greedy continuation by teacher forcing: the engine runs once
// over prompt + llama.cpp's tokens, and its argmax at each continuation position is what its own greedy decoding
// would choose there GIVEN llama.cpp's tokens before it. So the engine's greedy continuation equals llama.cpp's
// exactly up to the first position where its argmax differs from llama.cpp's token (the first divergence), and
// its token there is that argmax; positions after it are still scored (the context is llama.cpp's), but no longer
// say what the engine's own greedy decoding would produce.
import type { PositionTop2 } from '../harness/logits-api.ts';
import type { ContinuationCase } from './llama-cpp-reference.ts';

export interface TeacherForcedScore {
  /** How many leading continuation tokens the engine's greedy decoding shares with llama.cpp's. */
  agree: number;
  steps: number;
  /** The first divergence: llama.cpp's top-two gap there, the engine's, and how far llama.cpp's token is below the engine's top. */
  divergence: { step: number; llamaCpp: number; ours: number; llamaGap: number; ourGap: number; shortfall: number } | null;
  /** Steps (anywhere) where the engine's argmax is not llama.cpp's token. */
  mismatches: number;
  /** Largest (engine's top logit − engine's logit of llama.cpp's token) over all steps. */
  worstShortfall: number;
  /** The engine's argmax at every continuation position (its greedy tokens up to and including the divergence). */
  argmax: number[];
}

/** The ids to run: the prompt and every llama.cpp token but the last (whose successor nobody predicted). */
export function teacherForcedIds(c: ContinuationCase): number[] {
  return [...c.promptIds, ...c.steps.slice(0, -1).map((s) => s.id)];
}

/** `positions`: the engine's per-position answer on teacherForcedIds(c). */
export function scoreTeacherForced(c: ContinuationCase, positions: PositionTop2[]): TeacherForcedScore {
  const n = c.steps.length;
  const first = c.promptIds.length - 1;
  if (positions.length !== first + n) throw new Error(`expected ${first + n} positions (prompt ${c.promptIds.length} + ${n} steps − 1), got ${positions.length}`);
  let divergence: TeacherForcedScore['divergence'] = null;
  let mismatches = 0;
  let worstShortfall = 0;
  const argmax: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = c.steps[k];
    const p = positions[first + k];
    argmax.push(p.argmax);
    // The logit of llama.cpp's token: the next input id's logit, or (at the last step, not fed) known only if it is our top two.
    const theirs = k + 1 < n ? p.nextLogit! : p.top2[0] === s.id ? p.top2Logits[0] : p.top2[1] === s.id ? p.top2Logits[1] : -Infinity;
    const shortfall = p.top2Logits[0] - theirs;
    worstShortfall = Math.max(worstShortfall, shortfall);
    if (p.argmax === s.id) continue;
    mismatches++;
    divergence ??= { step: k, llamaCpp: s.id, ours: p.argmax, llamaGap: s.logitGap, ourGap: p.top2Logits[0] - p.top2Logits[1], shortfall };
  }
  return { agree: divergence ? divergence.step : n, steps: n, divergence, mismatches, worstShortfall, argmax };
}
