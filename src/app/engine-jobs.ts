/**
 * The engine worker's client, and the long job it runs now, in one place. The worker runs one call at a time; the
 * page keeps one long job (a fit or training, or an evaluation) at a time too, so a second one is refused in words
 * instead of queuing silently, and generation waits for neither.
 */
import { create } from 'zustand';
import { EngineClient, type EngineClientOptions } from '../worker/engine-client.ts';

/** Long engine jobs: a fit or training (the fit store) and an evaluation (the eval store). */
export type EngineJob = 'fit' | 'eval';

export const useEngineJob = create<{ job: EngineJob | null }>(() => ({ job: null }));

let client: EngineClient | null = null;

/** Starts the engine worker once (later calls return the same client). */
export function startEngine(opts: EngineClientOptions): EngineClient {
  client ??= new EngineClient(undefined, opts);
  return client;
}

export function getEngine(): EngineClient | null {
  return client;
}

/** The long job running now, or null. */
export function engineBusyWith(): EngineJob | null {
  return useEngineJob.getState().job;
}

/** Marks `job` as running; when another long job already runs, nothing changes and that job is returned. */
export function beginJob(job: EngineJob): EngineJob | null {
  const running = engineBusyWith();
  if (running) return running;
  useEngineJob.setState({ job });
  return null;
}

export function endJob(job: EngineJob): void {
  if (engineBusyWith() === job) useEngineJob.setState({ job: null });
}
