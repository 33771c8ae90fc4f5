// Trainer pieces by hand: proximal operators, Adam, the cosine schedule, batch cycling, support, abort.
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/seeded-random.ts';
import type { HookName } from '../../model/spec.ts';
import { countSupport, identityParams, zeroGrads, type GradientFn, type ParamMaps } from './params.ts';
import { Adam, BatchCycler, cosineLr, proximalStep, proxGroup, proxL1, trainLineas } from './trainer.ts';

const arr = (a: Float64Array) => Array.from(a);

describe('proximal operators', () => {
  it('L1 soft-thresholds u = w − 1 (and b around 0)', () => {
    const w = Float64Array.of(1.5, 0.95, 1, 0.2);
    proxL1(w, 0.1, 1); // u = (0.5, −0.05, 0, −0.8) → (0.4, 0, 0, −0.7)
    expect(arr(w).map((v) => +v.toFixed(12))).toEqual([1.4, 1, 1, 0.3]);
    const b = Float64Array.of(-0.3, 0.05, 2);
    proxL1(b, 0.1);
    expect(arr(b).map((v) => +v.toFixed(12))).toEqual([-0.2, 0, 1.9]);
  });

  it('the group step shrinks the whole vector, or zeroes it', () => {
    const u = Float64Array.of(3, 4); // ‖u‖ = 5
    proxGroup(u, 1); // factor 1 − 1/5
    expect(arr(u).map((v) => +v.toFixed(12))).toEqual([2.4, 3.2]);
    const w = Float64Array.of(4, 5); // u = (3, 4) around 1
    proxGroup(w, 6, 1);
    expect(arr(w)).toEqual([1, 1]);
    const zero = Float64Array.of(0, 0);
    proxGroup(zero, 1);
    expect(arr(zero)).toEqual([0, 0]);
  });

  it('proximalStep: L1 then per-hook group with τ·λ₂·√d, w and b separately', () => {
    const params: ParamMaps = new Map([
      ['0.attn', { w: Float64Array.of(1.5, 1, 1, 1), b: Float64Array.of(0.3, 0, 0, 0.4) }],
      ['0.mlp', { w: Float64Array.of(1.02, 1, 1, 1), b: Float64Array.of(0, 0, 0, 0) }],
    ]);
    // τ = 0.1, λ₁ = (w 1, b 0), λ₂ = 0.5 → L1 threshold 0.1 on u only, group threshold 0.1·0.5·√4 = 0.1.
    proximalStep(params, 0.1, 1, 0, 0.5);
    const a = params.get('0.attn')!;
    // u: 0.5 → 0.4 (L1) → 0.4·(1 − 0.1/0.4) = 0.3. b: ‖(0.3, 0.4)‖ = 0.5 → factor 0.8.
    expect(arr(a.w).map((v) => +v.toFixed(12))).toEqual([1.3, 1, 1, 1]);
    expect(arr(a.b).map((v) => +v.toFixed(12))).toEqual([0.24, 0, 0, 0.32]);
    // 0.mlp: u = 0.02 is killed by L1; the hook switches off.
    expect(arr(params.get('0.mlp')!.w)).toEqual([1, 1, 1, 1]);
    const s = countSupport(params);
    expect([s.activeNeurons, s.activeHooks, s.perHook.get('0.attn'), s.perHook.get('0.mlp')]).toEqual([2, 1, 2, 0]);
  });
});

describe('Adam and the schedule', () => {
  it('Adam (β = 0.9, 0.9, ε = 1e-8) by hand for three steps', () => {
    const adam = new Adam(0.9, 0.9, 1e-8);
    const p = Float64Array.of(0);
    const expected = [
      // m = 0.1, v = 0.1, m̂ = v̂ = 1: p = −0.1/(1 + 1e-8)
      -0.1 / (1 + 1e-8),
      // m = 0.09 − 0.2 = −0.11, v = 0.09 + 0.4 = 0.49; m̂ = −0.11/0.19, v̂ = 0.49/0.19
      -0.1 / (1 + 1e-8) - (0.1 * (-0.11 / 0.19)) / (Math.sqrt(0.49 / 0.19) + 1e-8),
      -0.05016040931058286, // m = −0.049, v = 0.466, m̂ = −0.049/0.271, v̂ = 0.466/0.271
    ];
    [1, -2, 0.5].forEach((g, i) => {
      adam.begin();
      adam.update('p', p, [g], 0.1);
      expect(p[0]).toBeCloseTo(expected[i], 14);
    });
  });

  it('cosine from lr to lr·1e-3', () => {
    expect(cosineLr(0, 100, 1e-2)).toBe(1e-2);
    expect(cosineLr(50, 100, 1e-2)).toBeCloseTo((1e-2 + 1e-5) / 2, 15);
    expect(cosineLr(100, 100, 1e-2)).toBeCloseTo(1e-5, 15);
    expect(cosineLr(1, 3, 1)).toBeCloseTo(1e-3 + (1 - 1e-3) * 0.75, 15);
  });

  it('trainLineas applies Adam with the scheduled lr: three steps by hand with a constant gradient', async () => {
    const hooks: HookName[] = ['0.mlp'];
    const gradientFn: GradientFn = (maps) => {
      const grads = zeroGrads(maps);
      grads.get('0.mlp')!.w.set([2, -1]);
      grads.get('0.mlp')!.b.set([0.5, 0]);
      return { loss: 1, perHook: new Map([['0.mlp', 1]]), controlLoss: 0, grads };
    };
    const lrs: number[] = [];
    const r = await trainLineas({ hooks, hiddenSize: 2, numSource: 4, gradientFn, steps: 3, lr: 0.1, onProgress: (p) => lrs.push(p.lr) });
    const sched = [0.1, 1e-4 + (0.1 - 1e-4) * 0.75, 1e-4 + (0.1 - 1e-4) * 0.25];
    expect(lrs.map((v) => +v.toFixed(14))).toEqual(sched.map((v) => +v.toFixed(14)));
    // Constant g: m̂ = g and v̂ = g² at every step, so each step moves by lr·g/(|g| + ε).
    const move = (g: number) => sched.reduce((s, lr) => s + (lr * g) / (Math.abs(g) + 1e-8), 0);
    const p = r.params.get('0.mlp')!;
    expect(p.w[0]).toBeCloseTo(1 - move(2), 14);
    expect(p.w[1]).toBeCloseTo(1 - move(-1), 14);
    expect(p.b[0]).toBeCloseTo(-move(0.5), 14);
    expect(p.b[1]).toBe(0);
    expect([r.stepsDone, r.activeHooks, r.activeNeurons, r.curve.length]).toEqual([3, 1, 2, 3]);
    expect(r.maps.get('0.mlp')!.w).toBeInstanceOf(Float32Array);
  });
});

describe('batches, support, abort', () => {
  it('cycles seeded shuffles: each epoch a permutation, the incomplete tail dropped, same seed same order', () => {
    const take = (seed: number) => {
      const c = new BatchCycler(5, 2, makeRng(seed));
      return Array.from({ length: 6 }, () => c.next());
    };
    const a = take(7);
    expect(a).toEqual(take(7));
    expect(a).not.toEqual(take(8));
    for (let e = 0; e < 3; e++) {
      const epoch = [...a[2 * e], ...a[2 * e + 1]];
      expect(new Set(epoch).size).toBe(4);
      for (const i of epoch) expect(i >= 0 && i < 5).toBe(true);
    }
    expect(() => new BatchCycler(3, 4, makeRng(1))).toThrow(/batch size/);
  });

  it('passes the batch indices, gates to E2E-DSAS, and stops on abort keeping the maps', async () => {
    const hooks: HookName[] = ['0.attn', '1.attn'];
    const init = identityParams(hooks, 3, new Map([['1.attn', { a: [0.1, 0.2, 0.3], c: -1 }]]));
    const ctl = new AbortController();
    const seen: { source: number[]; control: number[] }[] = [];
    const gradientFn: GradientFn = async (maps, batch) => {
      seen.push({ source: [...batch.source], control: [...batch.control] });
      const grads = zeroGrads(maps);
      grads.get('1.attn')!.b.fill(1);
      grads.get('1.attn')!.gate!.c = 1;
      return { loss: 2, perHook: new Map(), controlLoss: 0.5, grads };
    };
    const r = await trainLineas({
      init,
      numSource: 6,
      numControl: 3,
      batchSize: 4,
      gradientFn,
      steps: 10,
      lr: 0.01,
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.step === 2) ctl.abort();
      },
    });
    expect([r.stepsDone, r.aborted]).toEqual([2, true]);
    expect(seen.map((s) => [s.source.length, s.control.length])).toEqual([
      [4, 3],
      [4, 3],
    ]);
    expect(r.perHookSupport.get('0.attn')).toBe(0);
    expect(r.perHookSupport.get('1.attn')).toBe(3);
    expect(r.params.get('1.attn')!.gate!.c).toBeLessThan(-1); // the gate bias was trained
    expect(init.get('1.attn')!.gate!.c).toBe(-1); // init is not mutated
    expect(r.maps.get('1.attn')!.gate!.a).toBeInstanceOf(Float32Array);
    const frozen = await trainLineas({ init, numSource: 6, gradientFn, steps: 2, lr: 0.01, trainGates: false });
    expect(frozen.params.get('1.attn')!.gate!.c).toBe(-1);
    const s = countSupport(r.maps);
    expect([s.activeHooks, s.activeNeurons]).toEqual([r.activeHooks, r.activeNeurons]);
  });
});
