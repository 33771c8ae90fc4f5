/**
 * What the app, the engine and the CLI need to know of a steering method: its id (as stored in intervention files),
 * the name people read, what it does, how it is made, and what it asks of a dataset. One file per method in this
 * folder; registry.ts lists them.
 */
import type { HookMap } from '../../core/steer-map.ts';
import type { PooledRows } from '../matrix-rows.ts';

export interface DatasetCounts {
  source: number;
  target: number;
  control: number;
}

export interface MethodOptions {
  /** Linear-AcT: apply the map only inside the source range. */
  sourceRange?: boolean;
}

interface MethodBase<Id extends string> {
  id: Id;
  /** The name people read ("Mean-AcT"). */
  label: string;
  /** One or two sentences for the fit panel. */
  description: string;
  /** A problem of the dataset for this method in plain words (beyond the dataset's own), or null. */
  datasetProblem(counts: DatasetCounts): string | null;
}

/** Fitted in closed form from pooled activations, one hook at a time (spec section 4). */
export interface ClosedFormMethod<Id extends string = string> extends MethodBase<Id> {
  kind: 'closed-form';
  fitMap(source: PooledRows, target: PooledRows, o: MethodOptions): HookMap;
}

/** Trained end to end through the model (spec section 5). */
export interface TrainedMethod<Id extends string = string> extends MethodBase<Id> {
  kind: 'trained';
}

/** Made elsewhere and imported (PyTorch maps, llama.cpp control vectors). */
export interface ImportedMethod<Id extends string = string> extends MethodBase<Id> {
  kind: 'imported';
}

export type SteeringMethodInfo<Id extends string = string> = ClosedFormMethod<Id> | TrainedMethod<Id> | ImportedMethod<Id>;
