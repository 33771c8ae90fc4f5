/**
 * Harness functions that drive the engine worker (EngineClient) from the harness page, as the playground does: the
 * browser tests check the worker's 'evaluate' call (queueing, stop('eval'), restoring the steering, input errors)
 * against the in-page engine.
 */
import { EngineClient, EngineError } from '../worker/engine-client.ts';
import type { EvalDone, EvalParams, EvalProgressEvent, SteeringState } from '../engine/protocol.ts';
import { base64ToBytes } from './session.ts';
import type { EncodedIntervention } from './steering-api.ts';

let client: EngineClient | null = null;
let loadedRef = '';

export interface WorkerEvalRequest {
  model: string;
  /** null: evaluate with no intervention set (an error case). */
  intervention: EncodedIntervention | null;
  strength: number;
  useGate: boolean;
  params: EvalParams;
  /** Call stop('eval') once this many continuations / scorings are done. */
  stopAtDone?: number;
  /** A greedy steered generation run before and after the sweep (its token ids), to see the steering came back. */
  probe: { prompt: string; maxNewTokens: number };
}

export interface WorkerEvalReport {
  result: EvalDone | null;
  error: { kind: string; message: string } | null;
  progress: EvalProgressEvent[];
  stopped: boolean | null;
  before: { steering: SteeringState; probe: number[] };
  after: { steering: SteeringState; probe: number[] };
}

export const workerApi = {
  async workerEvaluate(req: WorkerEvalRequest): Promise<WorkerEvalReport> {
    client ??= new EngineClient();
    const c = client;
    if (loadedRef !== req.model) {
      await c.load({ kind: 'ref', ref: req.model });
      loadedRef = req.model;
    }
    const enc = req.intervention;
    const tensors = enc ? base64ToBytes(enc.tensorsBase64) : null;
    const steering = await c.setIntervention(enc && tensors ? { manifest: enc.manifest, tensors: tensors.buffer as ArrayBuffer } : null, { strength: req.strength, useGate: req.useGate });
    const probe = async () =>
      (await c.generate({ prompt: req.probe.prompt, chat: false, maxNewTokens: req.probe.maxNewTokens, sampling: { greedy: true, temperature: 1, topP: 1, topK: 0, repetitionPenalty: 1, seed: 0 } })).tokenIds;
    const before = { steering, probe: await probe() };
    const progress: EvalProgressEvent[] = [];
    let stopping: Promise<{ stopped: boolean }> | null = null;
    let result: EvalDone | null = null;
    let error: WorkerEvalReport['error'] = null;
    try {
      result = await c.evaluate(req.params, (p) => {
        progress.push(p);
        if (req.stopAtDone !== undefined && p.done >= req.stopAtDone && !stopping) stopping = c.stop('eval');
      });
    } catch (e) {
      error = e instanceof EngineError ? { kind: e.kind, message: e.message } : { kind: 'thrown', message: String(e) };
    }
    const stopped = stopping ? (await (stopping as Promise<{ stopped: boolean }>)).stopped : null;
    const after = { steering: await c.updateSteering({}), probe: await probe() };
    return { result, error, progress, stopped, before, after };
  },
};
