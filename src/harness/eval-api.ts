/**
 * Harness functions for evaluation: a λ sweep of the active intervention (the session's 'evaluate', as the worker
 * runs it), a way to stop it from another call, and its progress events so far.
 */
import type { EvalDone, EvalParams, EvalProgressEvent } from '../engine/protocol.ts';
import { engine } from './session.ts';

let events: EvalProgressEvent[] = [];
let evaluating = false;

export const evalApi = {
  /** Sweeps the active intervention (its active hooks); the session's steering is applied again afterwards. */
  async evaluate(params: EvalParams): Promise<EvalDone> {
    if (evaluating) throw new Error('an evaluation is already running');
    evaluating = true;
    events = [];
    try {
      return await engine.evaluate(params, (p) => events.push(p));
    } finally {
      evaluating = false;
    }
  },

  /** Stops the running evaluation after its current continuation; false when none runs. */
  stopEval(): boolean {
    return engine.stop('eval');
  },

  /** The progress events of the running (or last) evaluation. */
  evalProgress(): EvalProgressEvent[] {
    return events;
  },
};
