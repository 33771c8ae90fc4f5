import { describe, expect, it } from 'vitest';
import { ProgressThrottle, type Batched, type ThrottleClock } from './progress-throttle.ts';

/** A hand-driven clock: `advance` moves time and runs the timers that came due. */
function fakeClock() {
  let t = 0;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  const clock: ThrottleClock = {
    now: () => t,
    later(fn, ms) {
      const timer = { at: t + ms, fn, live: true };
      timers.push(timer);
      return () => {
        timer.live = false;
      };
    },
  };
  const advance = (ms: number) => {
    t += ms;
    const due = timers.filter((x) => x.live && x.at <= t);
    timers = timers.filter((x) => x.live && x.at > t);
    for (const x of due) x.fn();
  };
  return { clock, advance, pendingTimers: () => timers.filter((x) => x.live).length };
}

const step = (n: number) => ({ step: n, loss: 1 / n });

describe('ProgressThrottle', () => {
  it('sends the first step at once, then at most one message per interval, each with every point since the last', () => {
    const { clock, advance } = fakeClock();
    const sent: Batched<ReturnType<typeof step>>[] = [];
    const th = new ProgressThrottle<ReturnType<typeof step>>((b) => sent.push(b), 100, clock);
    for (let i = 1; i <= 50; i++) {
      th.push(step(i));
      advance(10); // 100 steps a second
    }
    th.flush();
    // 50 steps over 500 ms: about 5–6 messages, never two within 100 ms.
    expect(sent.length).toBeGreaterThanOrEqual(5);
    expect(sent.length).toBeLessThanOrEqual(7);
    expect(sent[0].state.step).toBe(1);
    expect(sent.at(-1)!.state.step).toBe(50);
    // No point lost or repeated, in order.
    expect(sent.flatMap((b) => b.points.map((p) => p.step))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // Each message's state is its newest point.
    for (const b of sent) expect(b.state.step).toBe(b.points.at(-1)!.step);
  });

  it('sends every step when steps are slower than the interval', () => {
    const { clock, advance } = fakeClock();
    const sent: number[] = [];
    const th = new ProgressThrottle((b) => sent.push(b.state.step), 100, clock);
    for (let i = 1; i <= 5; i++) {
      th.push(step(i));
      advance(250);
    }
    th.flush();
    expect(sent).toEqual([1, 2, 3, 4, 5]);
  });

  it('a trainer that pauses after a held-back step still gets it out (trailing timer)', () => {
    const { clock, advance, pendingTimers } = fakeClock();
    const sent: number[] = [];
    const th = new ProgressThrottle((b) => sent.push(b.state.step), 100, clock);
    th.push(step(1));
    advance(20);
    th.push(step(2));
    expect(sent).toEqual([1]);
    expect(pendingTimers()).toBe(1);
    advance(100);
    expect(sent).toEqual([1, 2]);
    th.flush();
    expect(sent).toEqual([1, 2]); // nothing pending: flush sends nothing twice
  });

  it('flush sends the held-back last step, cancels the timer, and ignores pushes after it', () => {
    const { clock, advance, pendingTimers } = fakeClock();
    const sent: number[] = [];
    const th = new ProgressThrottle((b) => sent.push(b.state.step), 100, clock);
    th.push(step(1));
    th.push(step(2));
    th.push(step(3));
    th.flush();
    expect(sent).toEqual([1, 3]);
    expect(pendingTimers()).toBe(0);
    th.push(step(4));
    advance(1000);
    expect(sent).toEqual([1, 3]);
  });
});

describe('ProgressThrottle before the first step', () => {
  it('states without a loss (preparation) go out but add no curve point', () => {
    const sent: Batched<{ step: number; loss: number | null }>[] = [];
    const th = new ProgressThrottle<{ step: number; loss: number | null }>((b) => sent.push(b), 100, fakeClock().clock);
    th.push({ step: 0, loss: null });
    th.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0].points).toEqual([]);
  });
});
