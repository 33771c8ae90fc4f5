import { describe, expect, it } from 'vitest';
import type { HookName } from '../model/spec.ts';
import { fitIncremental, type CollectFn, type SourceStepper } from './fit-incremental.ts';
import { fitMeanShift } from './fit-mean-shift.ts';
import { steerInPlace, type HookMap } from '../core/steer-map.ts';

interface Call {
  which: 'source' | 'target';
  hooks: HookName[];
  active: Map<HookName, HookMap>;
  activeKeysAtCall: HookName[];
}

function mockCollect(calls: Call[]): CollectFn {
  return async (active, which, hooks) => {
    calls.push({ which, hooks: [...hooks], active, activeKeysAtCall: [...active.keys()] });
    // Activations encode the call: value = number of active maps (+100 for targets).
    return new Map(hooks.map((h) => [h, [Float64Array.of(active.size + (which === 'target' ? 100 : 0))]]));
  };
}

describe('fitIncremental', () => {
  it('collects targets once unsteered and each source with exactly the earlier maps active', async () => {
    const calls: Call[] = [];
    const fitted: { src: number; tgt: number; map: HookMap }[] = [];
    const fitOne = async (src: readonly Float64Array[], tgt: readonly Float64Array[]): Promise<HookMap> => {
      const map = { w: Float32Array.of(1), b: Float32Array.of(fitted.length) };
      fitted.push({ src: src[0][0], tgt: tgt[0][0], map });
      return map;
    };
    const progress: string[] = [];
    const maps = await fitIncremental(['1.attn', '0.mlp', '0.attn', '0.mlp'], mockCollect(calls), fitOne, 'incremental', {
      onProgress: (done, total, hook) => progress.push(`${done}/${total} ${hook}`),
    });
    expect([...maps.keys()]).toEqual(['0.attn', '0.mlp', '1.attn']);
    expect(calls.map((c) => [c.which, c.hooks, c.activeKeysAtCall])).toEqual([
      ['target', ['0.attn', '0.mlp', '1.attn'], []],
      ['source', ['0.attn'], []],
      ['source', ['0.mlp'], ['0.attn']],
      ['source', ['1.attn'], ['0.attn', '0.mlp']],
    ]);
    // The active maps are the very maps fitted for the earlier hooks, and each call got a snapshot.
    expect(calls[3].active.get('0.attn')).toBe(fitted[0].map);
    expect(calls[3].active.get('0.mlp')).toBe(fitted[1].map);
    expect(calls[2].active.size).toBe(1);
    // Fitted in forward order; the k-th source saw k active maps, targets none.
    expect(fitted.map((f) => [f.src, f.tgt])).toEqual([
      [0, 100],
      [1, 100],
      [2, 100],
    ]);
    expect(maps.get('1.attn')).toBe(fitted[2].map);
    expect(progress).toEqual(['1/3 0.attn', '2/3 0.mlp', '3/3 1.attn']);
  });

  it('independent mode collects source once, unsteered', async () => {
    const calls: Call[] = [];
    const maps = await fitIncremental(['2.mlp', '0.resid'], mockCollect(calls), fitMeanShift, 'independent');
    expect(calls.map((c) => [c.which, c.hooks, c.activeKeysAtCall])).toEqual([
      ['target', ['0.resid', '2.mlp'], []],
      ['source', ['0.resid', '2.mlp'], []],
    ]);
    expect(maps.size).toBe(2);
  });

  it('incremental mean shift on a chained toy model leaves nothing for the later hook to fix', async () => {
    // Toy model: hook 0.mlp sees x; hook 1.mlp sees 2·(steered 0.mlp) + 1.
    const source = [Float64Array.of(0, 1), Float64Array.of(2, 3), Float64Array.of(4, 2)];
    const target = [Float64Array.of(5, -1), Float64Array.of(9, 0), Float64Array.of(7, 4)];
    const collect: CollectFn = async (active, which, hooks) => {
      const h0: Float64Array[] = [];
      const h1: Float64Array[] = [];
      for (const x of which === 'source' ? source : target) {
        const z = Float64Array.from(x);
        h0.push(Float64Array.from(z));
        const m0 = active.get('0.mlp');
        if (m0) steerInPlace(z, m0, 1);
        h1.push(z.map((v) => 2 * v + 1));
      }
      const all = new Map<HookName, Float64Array[]>([
        ['0.mlp', h0],
        ['1.mlp', h1],
      ]);
      return new Map(hooks.map((h) => [h, all.get(h) as Float64Array[]]));
    };
    const inc = await fitIncremental(['0.mlp', '1.mlp'], collect, fitMeanShift, 'incremental');
    const ind = await fitIncremental(['0.mlp', '1.mlp'], collect, fitMeanShift, 'independent');
    expect(Array.from(inc.get('0.mlp')?.b ?? [])).toEqual([5, -1]); // μt − μs = (7, 1) − (2, 2)
    expect(Array.from(inc.get('1.mlp')?.b ?? [])).toEqual([0, 0]);
    expect(Array.from(ind.get('1.mlp')?.b ?? [])).toEqual([10, -2]);
  });

  it('layer by layer (a stepper) fits the same maps as a whole forward per hook, running each layer once to advance', async () => {
    // Toy 3-layer residual model on 2 numbers: layer l's attn hook sees z = (l + 1)·x + l, its mlp hook z = x² − l;
    // each hook's (steered) z is added to x.
    const source = [Float64Array.of(0, 1), Float64Array.of(2, 3), Float64Array.of(4, 2), Float64Array.of(1, -1)];
    const target = [Float64Array.of(5, -1), Float64Array.of(9, 0), Float64Array.of(7, 4), Float64Array.of(3, 3)];
    const kinds = ['attn', 'mlp'] as const;
    const hookInput = (kind: (typeof kinds)[number], l: number, x: Float64Array) => x.map((v) => (kind === 'attn' ? (l + 1) * v + l : v * v - l));
    /** Runs layer l on x in place with `active` maps; returns each hook's pre-map input. */
    const runLayer = (l: number, x: Float64Array, active: Map<HookName, HookMap>): Map<HookName, Float64Array> => {
      const seen = new Map<HookName, Float64Array>();
      for (const kind of kinds) {
        const hook = `${l}.${kind}` as HookName;
        const z = hookInput(kind, l, x);
        seen.set(hook, Float64Array.from(z));
        const m = active.get(hook);
        if (m) steerInPlace(z, m, 1, false);
        for (let j = 0; j < x.length; j++) x[j] += z[j];
      }
      return seen;
    };
    const collect: CollectFn = async (active, which, hooks) => {
      const out = new Map<HookName, Float64Array[]>(hooks.map((h) => [h, []]));
      for (const x0 of which === 'source' ? source : target) {
        const x = Float64Array.from(x0);
        for (let l = 0; l < 3; l++) for (const [h, z] of runLayer(l, x, active)) out.get(h)?.push(z);
      }
      return out;
    };
    const calls: string[] = [];
    let ended = 0;
    let streams = source.map((x) => Float64Array.from(x));
    const stepper: SourceStepper = {
      async layer(l, maps, record, advance) {
        calls.push(`${l}:${record.join(',')}${advance ? ':advance' : ''}`);
        const out = new Map<HookName, Float64Array[]>(record.map((h) => [h, []]));
        const next = streams.map((x) => {
          const y = Float64Array.from(x);
          for (const [h, z] of runLayer(l, y, maps)) out.get(h)?.push(z);
          return y;
        });
        if (advance) streams = next;
        return out;
      },
      end: () => ended++,
    };
    const hooks: HookName[] = ['2.mlp', '0.attn', '0.mlp'];
    const whole = await fitIncremental(hooks, collect, fitMeanShift, 'incremental');
    const layered = await fitIncremental(hooks, collect, fitMeanShift, 'incremental', { stepper });
    expect(calls).toEqual(['0:0.attn', '0:0.mlp', '0::advance', '1::advance', '2:2.mlp']);
    expect(ended).toBe(1);
    for (const h of ['0.attn', '0.mlp', '2.mlp'] as HookName[]) {
      expect(Array.from(layered.get(h)!.b), h).toEqual(Array.from(whole.get(h)!.b));
    }
    // The later maps depend on the earlier ones (a stepper that ignored them would differ).
    const independent = await fitIncremental(hooks, collect, fitMeanShift, 'independent');
    expect(Array.from(independent.get('2.mlp')!.b)).not.toEqual(Array.from(whole.get('2.mlp')!.b));
  });

  it('ends the stepper when fitting fails', async () => {
    let ended = 0;
    const stepper: SourceStepper = { layer: async () => new Map(), end: () => ended++ };
    await expect(fitIncremental(['0.attn'], mockCollect([]), fitMeanShift, 'incremental', { stepper })).rejects.toThrow(/no source activations for hook 0.attn/);
    expect(ended).toBe(1);
  });

  it('refuses an empty hook list and a collect that omits a hook', async () => {
    await expect(fitIncremental([], mockCollect([]), fitMeanShift)).rejects.toThrow(/no hooks/);
    const bad: CollectFn = async () => new Map();
    await expect(fitIncremental(['0.attn'], bad, fitMeanShift)).rejects.toThrow(/no source activations for hook 0.attn|no target/);
  });

  it('stops when aborted', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('user stopped'));
    await expect(fitIncremental(['0.attn'], mockCollect([]), fitMeanShift, 'incremental', { signal: ctl.signal })).rejects.toThrow(
      'user stopped',
    );
  });
});
