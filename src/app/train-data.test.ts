import { describe, expect, it } from 'vitest';
import type { TrainProgressEvent } from '../engine/protocol.ts';
import { curveOf, finishTrainLive, knownSupport, nextTrainLive, plannedSteps } from './train-data.ts';

const ev = (over: Partial<TrainProgressEvent>): TrainProgressEvent => ({
  phase: 'train',
  step: 1,
  steps: 30,
  loss: 0.5,
  perHook: { '0.attn': 0.4, '0.mlp': 0.6 },
  controlLoss: 0,
  lr: 0.01,
  activeNeurons: 128,
  activeHooks: 2,
  hooks: ['0.attn', '0.mlp'],
  totalNeurons: 128,
  elapsedMs: 10,
  points: [{ step: 1, loss: 0.5 }],
  ...over,
});

describe('nextTrainLive', () => {
  it('grows the curve from the events, keeps the first per-hook losses as the scale, takes the newest state', () => {
    let t = nextTrainLive(null, ev({ phase: 'weights', step: 0, loss: null, perHook: {}, points: [] }));
    expect(t.points).toEqual([]);
    t = nextTrainLive(t, ev({}));
    t = nextTrainLive(t, ev({ step: 4, loss: 0.2, perHook: { '0.attn': 0.1, '0.mlp': 0.3 }, points: [2, 3, 4].map((s) => ({ step: s, loss: 1 / s })) }));
    expect(t.points.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(t.firstPerHook).toEqual({ '0.attn': 0.4, '0.mlp': 0.6 });
    expect(t.step).toBe(4);
    expect(t.perHook['0.attn']).toBe(0.1);
  });

  it('fills per-hook support from the totals when they decide it, and takes the trainer’s own when sent', () => {
    expect(nextTrainLive(null, ev({})).perHookActive).toEqual({ '0.attn': 64, '0.mlp': 64 });
    expect(nextTrainLive(null, ev({ activeNeurons: 0, activeHooks: 0 })).perHookActive).toEqual({ '0.attn': 0, '0.mlp': 0 });
    expect(nextTrainLive(null, ev({ activeNeurons: 70, activeHooks: 2 })).perHookActive).toBeUndefined();
    expect(nextTrainLive(null, ev({ activeNeurons: 70, perHookActive: { '0.attn': 64, '0.mlp': 6 } })).perHookActive).toEqual({ '0.attn': 64, '0.mlp': 6 });
    expect(knownSupport(ev({ phase: 'prepare' }))).toBeUndefined();
  });
});

describe('finishTrainLive, curveOf, plannedSteps', () => {
  it('the recorded curve and final support replace the streamed ones', () => {
    const live = nextTrainLive(null, ev({ activeNeurons: 70 }));
    const metrics = { curve: [{ step: 1, loss: 0.5, lr: 0.01 }, { step: 2, loss: 0.25, lr: 0.01 }], support: { perHook: { '0.attn': 64, '0.mlp': 6 } } };
    const done = finishTrainLive(live, metrics)!;
    expect(done.points).toEqual([{ step: 1, loss: 0.5 }, { step: 2, loss: 0.25 }]);
    expect(done.perHookActive).toEqual({ '0.attn': 64, '0.mlp': 6 });
    expect(finishTrainLive(null, metrics)).toBeNull();
    expect(finishTrainLive(live, {})).toEqual(live);
  });

  it('reads curves and planned steps defensively', () => {
    expect(curveOf({})).toBeNull();
    expect(curveOf({ curve: 'no' })).toBeNull();
    expect(curveOf({ curve: [null, { step: 1 }, { step: 2, loss: 0.1 }] })).toEqual([{ step: 2, loss: 0.1 }]);
    expect(plannedSteps(JSON.stringify({ settings: { steps: 30 } }))).toBe(30);
    expect(plannedSteps(JSON.stringify({ settings: null }))).toBeUndefined();
    expect(plannedSteps('{')).toBeUndefined();
  });
});
