/**
 * The page's handle on the engine worker: every call is a promise; load progress and generated tokens arrive through
 * callbacks, or as an async iterator (`tokens`).
 */
import type {
  AdapterInfo,
  EncodedIntervention,
  EngineErrorInfo,
  EngineErrorKind,
  EngineEvent,
  EngineRequest,
  EvalDone,
  EvalParams,
  EvalProgressEvent,
  FitDone,
  FitParams,
  FitProgressEvent,
  GenerateDone,
  GenerateParams,
  LoadProgressEvent,
  ModelInfo,
  ModelSource,
  RequestType,
  ResultOf,
  SteeringOptions,
  SteeringState,
  TokenEvent,
  TrainDone,
  TrainParams,
  TrainProgressEvent,
} from '../engine/protocol.ts';

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    /** Every problem found, one line each (a dataset's validation issues). */
    readonly issues: string[] = [],
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Requests without their id (the client numbers them). */
type Body<T extends RequestType> = Omit<Extract<EngineRequest, { type: T }>, 'id' | 'type'>;

interface Pending {
  resolve: (v: never) => void;
  reject: (e: EngineError) => void;
  onProgress?: (p: LoadProgressEvent) => void;
  onToken?: (t: TokenEvent) => void;
  onFitProgress?: (p: FitProgressEvent) => void;
  onTrainProgress?: (p: TrainProgressEvent) => void;
  onEvalProgress?: (p: EvalProgressEvent) => void;
}

export interface EngineClientOptions {
  /** Called when the GPU is lost after a model was loaded. */
  onDeviceLost?: (e: EngineErrorInfo) => void;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private broken: EngineError | null = null;

  constructor(
    private readonly worker: Worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'steerscope-engine' }),
    private readonly opts: EngineClientOptions = {},
  ) {
    worker.addEventListener('message', (ev: MessageEvent<EngineEvent>) => this.receive(ev.data));
    worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.fail(new EngineError('internal', `The engine could not start${ev.message ? `: ${ev.message}` : ''}. Reload the page.`));
    });
    worker.addEventListener('messageerror', () => this.fail(new EngineError('internal', 'The engine sent a message the page could not read.')));
  }

  adapter(): Promise<AdapterInfo> {
    return this.call('adapter', {});
  }

  load(source: ModelSource, opts: { maxContext?: number; onProgress?: (p: LoadProgressEvent) => void } = {}): Promise<ModelInfo> {
    return this.call('load', { source, maxContext: opts.maxContext }, { onProgress: opts.onProgress });
  }

  generate(params: GenerateParams, onToken?: (t: TokenEvent) => void): Promise<GenerateDone> {
    return this.call('generate', { params }, { onToken });
  }

  /** The generated tokens as an async iterator; `result` settles when generation ends (also after `stop`). */
  tokens(params: GenerateParams): AsyncIterableIterator<TokenEvent> & { result: Promise<GenerateDone> } {
    const queue: TokenEvent[] = [];
    let wake: (() => void) | null = null;
    let finished = false;
    const result = this.generate(params, (t) => {
      queue.push(t);
      wake?.();
    });
    const settle = () => {
      finished = true;
      wake?.();
    };
    result.then(settle, settle);
    const it = {
      result,
      async next(): Promise<IteratorResult<TokenEvent>> {
        while (queue.length === 0 && !finished) await new Promise<void>((r) => (wake = r));
        wake = null;
        if (queue.length > 0) return { value: queue.shift()!, done: false };
        await result; // rethrows the engine's error
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  /** Fits an intervention; it becomes the active one. `stop()` cancels (the call then fails with kind 'aborted'). */
  fit(params: FitParams, onProgress?: (p: FitProgressEvent) => void): Promise<FitDone> {
    return this.call('fit', { params }, { onFitProgress: onProgress });
  }

  /**
   * Trains LinEAS; the result becomes the active one. `stop('fit')` ends it early: the call then resolves with the maps
   * trained so far (`aborted: true`), or fails with kind 'aborted' when no step was done yet.
   */
  train(params: TrainParams, onProgress?: (p: TrainProgressEvent) => void): Promise<TrainDone> {
    return this.call('train', { params }, { onTrainProgress: onProgress });
  }

  /** Evaluates the active intervention over a λ sweep; `stop('eval')` ends it early with the finished points. */
  evaluate(params: EvalParams, onProgress?: (p: EvalProgressEvent) => void): Promise<EvalDone> {
    return this.call('evaluate', { params }, { onEvalProgress: onProgress });
  }

  /** Sets (null: clears) the active intervention. The tensors are copied, not transferred: the caller keeps them. */
  setIntervention(intervention: EncodedIntervention | null, opts: SteeringOptions & { add?: boolean }): Promise<SteeringState> {
    return this.call('setIntervention', { intervention, ...opts });
  }

  /** Removes the active intervention at `index` (the order they are applied in). */
  removeIntervention(index: number): Promise<SteeringState> {
    return this.call('removeIntervention', { index });
  }

  /** Changes strength, gates or hooks of the active intervention. */
  updateSteering(opts: Partial<SteeringOptions>): Promise<SteeringState> {
    return this.call('updateSteering', opts);
  }

  /** λ of one active intervention (index: the order they are applied in; default the first). */
  setStrength(strength: number, index?: number): Promise<SteeringState> {
    return this.call('setStrength', { strength, index });
  }

  /** Stops the running call (only a generation or only a fit, with `what`). */
  stop(what?: 'generate' | 'fit' | 'eval'): Promise<{ stopped: boolean }> {
    return this.call('stop', { what });
  }

  unload(): Promise<{ unloaded: boolean }> {
    return this.call('unload', {});
  }

  /** Destroys the GPU device as a lost GPU would (for tests of the recovery). */
  loseDevice(): Promise<{ lost: boolean }> {
    return this.call('loseDevice', {});
  }

  terminate(): void {
    this.worker.terminate();
    this.fail(new EngineError('internal', 'The engine was shut down.'));
  }

  private call<T extends RequestType>(type: T, body: Body<T>, handlers: Pick<Pending, 'onProgress' | 'onToken' | 'onFitProgress' | 'onTrainProgress' | 'onEvalProgress'> = {}): Promise<ResultOf[T]> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<ResultOf[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, ...handlers });
      try {
        this.worker.postMessage({ ...body, type, id } as EngineRequest);
      } catch (e) {
        this.pending.delete(id);
        reject(new EngineError(type === 'load' ? 'model' : 'internal', `Could not hand the request to the engine: ${(e as Error).message}`));
      }
    });
  }

  private receive(ev: EngineEvent): void {
    if (ev.type === 'device-lost') {
      this.opts.onDeviceLost?.(ev.error);
      return;
    }
    const p = this.pending.get(ev.id);
    if (!p) return;
    switch (ev.type) {
      case 'progress':
        p.onProgress?.(ev.progress);
        break;
      case 'token':
        p.onToken?.(ev.token);
        break;
      case 'fit-progress':
        p.onFitProgress?.(ev.progress);
        break;
      case 'train-progress':
        p.onTrainProgress?.(ev.progress);
        break;
      case 'eval-progress':
        p.onEvalProgress?.(ev.progress);
        break;
      case 'done':
        this.pending.delete(ev.id);
        p.resolve(ev.result as never);
        break;
      case 'error':
        this.pending.delete(ev.id);
        p.reject(new EngineError(ev.error.kind, ev.error.message, ev.error.issues));
        break;
    }
  }

  private fail(e: EngineError): void {
    this.broken = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
