import { describe, expect, it } from 'vitest';
import { CpuHookRunner } from './hooks.ts';
import type { ModelSpec } from '../spec.ts';
import type { HookMap } from '../../core/steer-map.ts';

const spec = { numLayers: 2, hiddenSize: 2 } as ModelSpec;
const f = (...v: number[]) => Float32Array.from(v);

describe('CpuHookRunner with two interventions at a shared hook', () => {
  // A: w = (2, 1), b = (0, 1), ungated, λ = 0.5. B: w = (1, 1), b = (1, 0), gate a = (1, 0), c = 0, λ = 2.
  const A: HookMap = { w: f(2, 1), b: f(0, 1) };
  const B: HookMap = { w: f(1, 1), b: f(1, 0), gate: { a: f(1, 0), c: 0 } };
  const a = { maps: new Map([['0.attn', A]] as const), lambda: 0.5 };
  const b = { maps: new Map([['0.attn', B]] as const), lambda: 2 };

  it('applies A then B, B gated on A’s output (hand-computed)', () => {
    const r = new CpuHookRunner(spec, [a, b], ['0.attn']);
    const z = Float64Array.from([0, 2]);
    r.at('0.attn', z);
    // A: z + 0.5·((w−1)⊙z + b) = (0, 2) + 0.5·(0, 1) = (0, 2.5). B: s = σ(0) = 0.5, k = 1: (0, 2.5) + (1, 0) = (1, 2.5).
    expect(Array.from(z)).toEqual([1, 2.5]);
    expect(Array.from(r.recorded.get('0.attn')![0])).toEqual([0, 2]);
    expect(r.slots).toEqual([{ hook: '0.attn', intervention: 1, values: [0.5] }]);
  });

  it('B then A gives another result (order matters)', () => {
    const r = new CpuHookRunner(spec, [b, a], undefined);
    const z = Float64Array.from([0, 2]);
    r.at('0.attn', z);
    // B: s = 0.5, k = 1: (1, 2). A: (1, 2) + 0.5·((1, 0) + (0, 1)) = (1.5, 2.5).
    expect(Array.from(z)).toEqual([1.5, 2.5]);
    expect(r.slots).toEqual([{ hook: '0.attn', intervention: 0, values: [0.5] }]);
    // The first intervention's gates keep their old place too.
    expect(r.strengths.get('0.attn')).toEqual([0.5]);
  });

  it('one intervention behaves as before (strengths of its gated hooks)', () => {
    const r = new CpuHookRunner(spec, b, undefined);
    const z = Float64Array.from([0, 2]);
    r.at('0.attn', z);
    expect(Array.from(z)).toEqual([1, 2]);
    expect(r.strengths.get('0.attn')).toEqual([0.5]);
  });
});
