import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../model/formats/safetensors.ts';
import { defaultTorchModuleToHook, importTorchIntervention } from './import-torch.ts';

type T = { name: string; dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array };
const row = (name: string, values: number[], dtype: T['dtype'] = 'F32'): T => ({
  name,
  dtype,
  shape: [1, values.length],
  data: Float32Array.from(values),
});

describe('importTorchIntervention', () => {
  it('maps the default module names to hooks and reads [1, d] tensors', () => {
    const bytes = writeSafetensors([
      row('model.layers.3.self_attn.o_proj.w1', [1, 2, 3]),
      row('model.layers.3.self_attn.o_proj.b1', [0.5, 0, -1]),
      row('model.layers.0.mlp.down_proj.w1', [1, 1, 0.5], 'F16'),
      row('model.layers.0.mlp.down_proj.b1', [0, 0.25, 0], 'F16'),
      row('model.layers.2.b1', [7, 8, 9]),
    ]);
    const iv = importTorchIntervention(bytes, { modelId: 'm', expect: { hiddenSize: 3, numLayers: 4 } });
    expect(iv.method).toBe('imported');
    expect([...iv.hooks.keys()]).toEqual(['0.mlp', '2.resid', '3.attn']);
    expect(Array.from(iv.hooks.get('3.attn')?.w ?? [])).toEqual([1, 2, 3]);
    expect(Array.from(iv.hooks.get('3.attn')?.b ?? [])).toEqual([0.5, 0, -1]);
    expect(Array.from(iv.hooks.get('0.mlp')?.w ?? [])).toEqual([1, 1, 0.5]);
    expect(Array.from(iv.hooks.get('2.resid')?.w ?? [])).toEqual([1, 1, 1]); // b1 only → w = 1
    expect(iv.settings?.modules).toEqual({
      '3.attn': 'model.layers.3.self_attn.o_proj',
      '0.mlp': 'model.layers.0.mlp.down_proj',
      '2.resid': 'model.layers.2',
    });
  });

  it('default map: exactly the three module patterns', () => {
    expect(defaultTorchModuleToHook('model.layers.12.self_attn.o_proj')).toBe('12.attn');
    expect(defaultTorchModuleToHook('model.layers.12.mlp.down_proj')).toBe('12.mlp');
    expect(defaultTorchModuleToHook('model.layers.12')).toBe('12.resid');
    expect(defaultTorchModuleToHook('model.layers.12.post_attention_layernorm')).toBeUndefined();
  });

  it('lists unknown modules, and accepts an override (record first, then default; or a function)', () => {
    const bytes = writeSafetensors([
      row('model.layers.0.post_attention_layernorm.w1', [1, 1]),
      row('model.layers.0.post_feedforward_layernorm.b1', [1, 1]),
      row('model.layers.1.mlp.down_proj.b1', [2, 2]),
    ]);
    expect(() => importTorchIntervention(bytes, { modelId: 'm' })).toThrow(
      'no hook for module(s) model.layers.0.post_attention_layernorm, model.layers.0.post_feedforward_layernorm (pass a moduleMap)',
    );
    const iv = importTorchIntervention(bytes, {
      modelId: 'm',
      moduleMap: {
        'model.layers.0.post_attention_layernorm': '0.attn',
        'model.layers.0.post_feedforward_layernorm': '0.mlp',
      },
    });
    expect([...iv.hooks.keys()]).toEqual(['0.attn', '0.mlp', '1.mlp']);
    const viaFn = importTorchIntervention(bytes, {
      modelId: 'm',
      moduleMap: (mod) => (mod.includes('down_proj') ? '5.mlp' : mod.includes('attention') ? '0.attn' : '0.mlp'),
    });
    expect([...viaFn.hooks.keys()]).toEqual(['0.attn', '0.mlp', '5.mlp']);
    expect(() => importTorchIntervention(bytes, { modelId: 'm', moduleMap: () => '0.attn' })).toThrow(/both map to hook 0\.attn/);
  });

  it('refuses other tensor names, bad shapes, size mismatches, layers out of range and NaN', () => {
    const t = (...ts: T[]) => writeSafetensors(ts);
    expect(() => importTorchIntervention(t(row('model.layers.0.weight', [1])), { modelId: 'm' })).toThrow(
      /not <module>\.w1 \/ <module>\.b1: model\.layers\.0\.weight/,
    );
    expect(() =>
      importTorchIntervention(t({ name: 'model.layers.0.b1', dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }), { modelId: 'm' }),
    ).toThrow(/shape \[2, 2\], expected \[1, d\]/);
    expect(() => importTorchIntervention(t(row('model.layers.0.w1', [1, 1]), row('model.layers.0.b1', [1])), { modelId: 'm' })).toThrow(
      /w1 has 2 values but b1 has 1/,
    );
    expect(() => importTorchIntervention(t(row('model.layers.0.b1', [1, 1])), { modelId: 'm', expect: { hiddenSize: 3 } })).toThrow(
      /2 values per tensor, expected 3/,
    );
    expect(() => importTorchIntervention(t(row('model.layers.4.b1', [1])), { modelId: 'm', expect: { numLayers: 4 } })).toThrow(
      /maps to 4\.resid, beyond the model's 4 layers/,
    );
    expect(() => importTorchIntervention(t(row('model.layers.0.b1', [1, NaN])), { modelId: 'm' })).toThrow(/holds NaN at index 1/);
    expect(() => importTorchIntervention(new Uint8Array(3), { modelId: 'm', fileName: 'x.safetensors' })).toThrow(/cannot import x\.safetensors/);
  });
});
