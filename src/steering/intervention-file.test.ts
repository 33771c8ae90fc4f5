import { describe, expect, it } from 'vitest';
import type { HookName } from '../model/spec.ts';
import { writeSafetensors } from '../model/formats/safetensors.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { Intervention } from './intervention.ts';
import { decodeIntervention, encodeIntervention, INTERVENTION_FORMAT } from './intervention-file.ts';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

function sample(): Intervention {
  return {
    modelId: 'stories260K',
    method: 'linear-act',
    hooks: new Map<HookName, HookMap>([
      ['1.mlp', { w: f32(1, 2, -0, 3), b: f32(0.1, -0.2, 1e-40, 5) }],
      [
        '0.attn',
        {
          w: f32(0.5, 1, 1, 1),
          b: f32(1 / 3, 0, 0, -7),
          gate: { a: f32(1, -1, 0.25, 2e-7), c: Math.fround(-0.3) },
          range: { lo: f32(-1, -2, -3, -4), hi: f32(1, 2, 3, 4) },
        },
      ],
    ]),
    strength: 0.75,
    dataset: { name: 'sad-to-happy', hash: 'ab'.repeat(32) },
    settings: { mode: 'incremental', rangeMask: true },
    metrics: { w2Before: 1.5, w2After: 0.25 },
    created: '2025-01-02T03:04:05.000Z',
  };
}

type Manifest = Record<string, unknown>;
const tamper = (iv: Intervention, edit: (m: Manifest) => void): string => {
  const m = JSON.parse(encodeIntervention(iv).manifest) as Manifest;
  edit(m);
  return JSON.stringify(m);
};

describe('intervention file', () => {
  it('round-trips bitwise, with gates and ranges, hooks in forward order', () => {
    const iv = sample();
    const { manifest, tensors } = encodeIntervention(iv);
    const m = JSON.parse(manifest) as Manifest;
    expect(m).toEqual({
      format: INTERVENTION_FORMAT,
      version: 1,
      modelId: 'stories260K',
      method: 'linear-act',
      hooks: ['0.attn', '1.mlp'],
      strength: 0.75,
      dataset: iv.dataset,
      settings: iv.settings,
      metrics: iv.metrics,
      created: iv.created,
    });
    const back = decodeIntervention(manifest, tensors, { modelId: 'stories260K', hiddenSize: 4, numLayers: 5 });
    expect([...back.hooks.keys()]).toEqual(['0.attn', '1.mlp']);
    for (const [hook, map] of iv.hooks) {
      const got = back.hooks.get(hook) as HookMap;
      expect(bits(got.w)).toEqual(bits(map.w));
      expect(bits(got.b)).toEqual(bits(map.b));
      expect(got.gate === undefined).toBe(map.gate === undefined);
      if (map.gate && got.gate) {
        expect(bits(got.gate.a)).toEqual(bits(map.gate.a));
        expect(Object.is(got.gate.c, map.gate.c)).toBe(true);
      }
      expect(got.range === undefined).toBe(map.range === undefined);
      if (map.range && got.range) {
        expect(bits(got.range.lo)).toEqual(bits(map.range.lo));
        expect(bits(got.range.hi)).toEqual(bits(map.range.hi));
      }
    }
    expect({ ...back, hooks: null }).toEqual({ ...iv, hooks: null });
    // Same input, same bytes.
    expect(encodeIntervention(iv).tensors).toEqual(tensors);
  });

  it('fills created and maps absent optional fields to null and back', () => {
    const iv: Intervention = { modelId: 'm', method: 'mean', hooks: new Map([['0.resid', { w: f32(1), b: f32(2) }]]), strength: 1 };
    const { manifest, tensors } = encodeIntervention(iv);
    const m = JSON.parse(manifest) as Manifest;
    expect([m.dataset, m.settings, m.metrics]).toEqual([null, null, null]);
    expect(typeof m.created).toBe('string');
    const back = decodeIntervention(manifest, tensors);
    expect(back.dataset).toBeUndefined();
    expect(back.settings).toBeUndefined();
  });

  it('refuses to save NaN/Inf or ragged maps', () => {
    const iv = sample();
    (iv.hooks.get('1.mlp') as HookMap).b[2] = NaN;
    expect(() => encodeIntervention(iv)).toThrow(/1\.mlp\.b\[2\] is NaN/);
    const iv2 = sample();
    (iv2.hooks.get('1.mlp') as HookMap).w = f32(1, 1);
    expect(() => encodeIntervention(iv2)).toThrow(/hidden size/);
  });

  it('refuses every kind of bad file with a clear message', () => {
    const iv = sample();
    const { manifest, tensors } = encodeIntervention(iv);
    const load = (man: string, t: Uint8Array = tensors, expect: Parameters<typeof decodeIntervention>[2] = {}) => () =>
      decodeIntervention(man, t, expect);

    expect(load(manifest, tensors, { modelId: 'SmolLM2-135M' })).toThrow(
      'made for model "stories260K", but the loaded model is "SmolLM2-135M"',
    );
    expect(load(manifest, tensors, { hiddenSize: 8 })).toThrow(/0\.attn\.w has 4 values, but the model's hidden size is 8/);
    expect(load(manifest, tensors, { numLayers: 1 })).toThrow(/hook 1\.mlp is at layer 1, but the model has 1 layers/);
    expect(load(tamper(iv, (m) => (m.format = 'something-else')))).toThrow(/unknown format "something-else"/);
    expect(load(tamper(iv, (m) => (m.version = 2)))).toThrow(/format version 2 is not supported/);
    expect(load('{oops')).toThrow(/not valid JSON/);
    expect(load(tamper(iv, (m) => (m.method = 'magic')))).toThrow(/unknown method "magic"/);
    expect(load(tamper(iv, (m) => (m.hooks = ['0.attn', '1.mlp', '2.mlp'])))).toThrow(
      /lists hook 2\.mlp but intervention\.safetensors has no tensors for it/,
    );
    expect(load(tamper(iv, (m) => (m.hooks = ['0.attn'])))).toThrow(/tensors for hooks the manifest does not list: 1\.mlp/);
    expect(load(tamper(iv, (m) => (m.hooks = ['0.attn', '1.ffn'])))).toThrow(/"1\.ffn" is not a hook name/);
    expect(load(tamper(iv, (m) => (m.strength = 'strong')))).toThrow(/"strength" must be a finite number/);
    expect(load(manifest, tensors.subarray(0, tensors.length - 4))).toThrow(/past the end of the file/);

    const d4 = (name: string, data = f32(1, 2, 3, 4)) => ({ name, dtype: 'F32' as const, shape: [data.length], data });
    const oneHook = tamper(iv, (m) => (m.hooks = ['0.attn']));
    expect(load(oneHook, writeSafetensors([d4('0.attn.w')]))).toThrow(/tensor 0\.attn\.b is missing/);
    expect(load(oneHook, writeSafetensors([d4('0.attn.w'), d4('0.attn.b', f32(1, NaN, 0, 0))]))).toThrow(
      /tensor 0\.attn\.b holds NaN at index 1/,
    );
    expect(load(oneHook, writeSafetensors([d4('0.attn.w'), d4('0.attn.b', f32(1, 2, Infinity, 0))]))).toThrow(/holds Infinity at index 2/);
    expect(load(oneHook, writeSafetensors([d4('0.attn.w'), d4('0.attn.b', f32(1, 2, 3))]))).toThrow(
      /0\.attn\.b has shape \[3\], expected \[4\]/,
    );
    expect(load(oneHook, writeSafetensors([d4('0.attn.w'), d4('0.attn.b'), d4('0.attn.gate.a')]))).toThrow(
      /tensor 0\.attn\.gate\.c is missing/,
    );
    expect(load(oneHook, writeSafetensors([d4('0.attn.w'), d4('0.attn.b'), d4('0.attn.extra')]))).toThrow(
      /unexpected tensors: 0\.attn\.extra/,
    );
    expect(
      load(oneHook, writeSafetensors([d4('0.attn.w'), d4('0.attn.b'), d4('0.attn.range.lo', f32(0, 0, 5, 0)), d4('0.attn.range.hi')])),
    ).toThrow(/range\.lo\[2\] = 5 exceeds range\.hi\[2\] = 3/);
    const twoHooks = tamper(iv, (m) => (m.hooks = ['0.attn', '1.mlp']));
    expect(load(twoHooks, writeSafetensors([d4('0.attn.w'), d4('0.attn.b'), d4('1.mlp.w', f32(1, 2)), d4('1.mlp.b', f32(1, 2))]))).toThrow(
      /hooks disagree on the hidden size/,
    );
  });
});

describe('absurd intervention values (issue 16)', () => {
  const d = 4;
  const manifest = (strength = 1) =>
    JSON.stringify({ format: 'steerscope-intervention', version: 1, modelId: 'm', method: 'mean', hooks: ['0.attn'], strength, dataset: null, settings: null, metrics: null, created: 'x' });
  const tensors = (w: number[], b: number[]) =>
    writeSafetensors([
      { name: '0.attn.w', dtype: 'F32', shape: [d], data: Float32Array.from(w) },
      { name: '0.attn.b', dtype: 'F32', shape: [d], data: Float32Array.from(b) },
    ]);
  it('refuses b = 3e38 and w = −3e38 at decode, naming the tensor and the bound', () => {
    expect(() => decodeIntervention(manifest(), tensors([1, 1, 1, 1], [0, 3e38, 0, 0]))).toThrow(/tensor 0\.attn\.b holds 3\.\d+e\+38 at index 1, beyond ±1000000/);
    expect(() => decodeIntervention(manifest(), tensors([1, 1, -3e38, 1], [0, 0, 0, 0]))).toThrow(/tensor 0\.attn\.w holds -3\.\d+e\+38 at index 2, beyond ±1000000/);
  });
  it('refuses a manifest strength beyond ±1000', () => {
    expect(() => decodeIntervention(manifest(1e30), tensors([1, 1, 1, 1], [0, 0, 0, 0]))).toThrow(/"strength" is 1e\+30; it must lie within ±1000/);
  });
  it('still reads ordinary values', () => {
    const iv = decodeIntervention(manifest(2), tensors([1, 0.5, 2, 1], [0, -3, 1e5, 0]));
    expect(iv.hooks.get('0.attn')!.b[2]).toBe(1e5);
  });
  it('refuses to save what it would not load', () => {
    const iv = decodeIntervention(manifest(), tensors([1, 1, 1, 1], [0, 0, 0, 0]));
    iv.hooks.get('0.attn')!.b[0] = 3e38;
    expect(() => encodeIntervention(iv)).toThrow(/0\.attn\.b\[0\] is 3\.\d+e\+38, beyond ±1000000/);
  });
});
