/**
 * Throttled progress for long training runs: every step is pushed, at most one message goes out per interval, the
 * newest state always wins, and nothing is lost from the curve (each message carries the loss points since the one
 * before). The last step is always sent (`flush`, or a trailing timer when the trainer pauses between steps).
 * Pure apart from the injected clock and timer, so it is tested in Node.
 */

export interface ThrottleClock {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  later(fn: () => void, ms: number): () => void;
}

export const realClock: ThrottleClock = {
  now: () => globalThis.performance?.now() ?? Date.now(),
  later(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface CurvePointLite {
  step: number;
  loss: number;
}

/** What goes out: the newest state, and every loss point since the previous message (in step order). */
export interface Batched<S> {
  state: S;
  points: CurvePointLite[];
}

export class ProgressThrottle<S extends { step: number; loss: number | null }> {
  private last = -Infinity;
  private pending: S | null = null;
  private points: CurvePointLite[] = [];
  private cancel: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly send: (b: Batched<S>) => void,
    /** Minimum time between two messages (100 ms: at most 10 a second). */
    private readonly intervalMs = 100,
    private readonly clock: ThrottleClock = realClock,
  ) {}

  push(state: S): void {
    if (this.closed) return;
    if (state.loss !== null) this.points.push({ step: state.step, loss: state.loss });
    this.pending = state;
    const wait = this.last + this.intervalMs - this.clock.now();
    if (wait <= 0) this.emit();
    else this.cancel ??= this.clock.later(() => {
      this.cancel = null;
      this.emit();
    }, wait);
  }

  /** Sends what is pending now (the last step) and stops; later pushes are ignored. */
  flush(): void {
    this.emit();
    this.closed = true;
  }

  private emit(): void {
    this.cancel?.();
    this.cancel = null;
    if (this.closed || !this.pending) return;
    const b: Batched<S> = { state: this.pending, points: this.points };
    this.pending = null;
    this.points = [];
    this.last = this.clock.now();
    this.send(b);
  }
}
