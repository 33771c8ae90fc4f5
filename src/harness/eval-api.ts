/**
 * Harness functions for evaluation: a λ sweep of the active intervention (the same code as the worker's 'evaluate'),
 * a way to stop it from another call, and its progress events so far.
 */
import type { EvalDone, EvalParams, EvalProgressEvent } from '../worker/protocol.ts';
import { runEvaluation } from '../worker/run-eval.ts';
import { applySteering, current, session } from './session.ts';

let running: AbortController | null = null;
let events: EvalProgressEvent[] = [];

export const evalApi = {
  /** Sweeps the active intervention (all its hooks); the session's steering is applied again afterwards. */
  async evaluate(params: EvalParams): Promise<EvalDone> {
    const m = current();
    const iv = session.intervention;
    if (!iv) throw new Error('set an intervention first: evaluation sweeps the active one');
    if (running) throw new Error('an evaluation is already running');
    const controller = new AbortController();
    running = controller;
    events = [];
    try {
      return await runEvaluation(m, iv, iv.hooks, params, { signal: controller.signal, onProgress: (p) => events.push(p), inputError: (message) => new Error(message) });
    } finally {
      running = null;
      applySteering();
    }
  },

  /** Stops the running evaluation after its current continuation; false when none runs. */
  stopEval(): boolean {
    if (!running) return false;
    running.abort();
    return true;
  },

  /** The progress events of the running (or last) evaluation. */
  evalProgress(): EvalProgressEvent[] {
    return events;
  },
};
