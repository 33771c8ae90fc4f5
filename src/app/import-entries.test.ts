import { describe, expect, it } from 'vitest';
import type { HookMap } from '../core/steer-map.ts';
import { writeSafetensors } from '../model/formats/safetensors.ts';
import type { HookName } from '../model/spec.ts';
import { encodeControlVector } from '../steering/gguf-control-vector.ts';
import { decodeIntervention, encodeIntervention } from '../steering/intervention-file.ts';
import type { Intervention } from '../steering/intervention.ts';
import { interventionFilesFrom } from './import-entries.ts';

const model = { id: 'stories260K', hiddenSize: 3, numLayers: 2 };
const shift = (b: number[]): HookMap => ({ w: new Float32Array(b.length).fill(1), b: Float32Array.from(b) });
const iv = (maps: [HookName, HookMap][]): Intervention => ({ modelId: 'stories260K', method: 'mean', hooks: new Map(maps), strength: 1 });

describe('interventionFilesFrom', () => {
  it('passes our own two files through unchanged', () => {
    const { manifest, tensors } = encodeIntervention(iv([['1.resid', shift([1, 2, 3])]]));
    const got = interventionFilesFrom([{ name: 'x/intervention.json', data: new TextEncoder().encode(manifest) }, { name: 'x/intervention.safetensors', data: tensors }], null);
    expect(got.external).toBeNull();
    expect(got.files.manifest).toBe(manifest);
    expect(new Uint8Array(got.files.tensors)).toEqual(tensors);
  });

  it('converts a llama.cpp control vector for the loaded model (direction k → k.resid shift)', () => {
    const bytes = encodeControlVector(iv([['1.resid', shift([0.5, -1, 2])]]));
    const got = interventionFilesFrom([{ name: 'happy.gguf', data: bytes }], model);
    expect(got.external).toEqual({ kind: 'control-vector', fileName: 'happy.gguf' });
    const back = decodeIntervention(got.files.manifest, new Uint8Array(got.files.tensors), { modelId: 'stories260K', hiddenSize: 3, numLayers: 2 });
    expect([...back.hooks.keys()]).toEqual(['1.resid']);
    expect(Array.from(back.hooks.get('1.resid')!.b)).toEqual([0.5, -1, 2]);
    expect(back.modelId).toBe('stories260K');
  });

  it('converts a PyTorch map (.safetensors of <module>.w1 / .b1)', () => {
    const bytes = writeSafetensors([
      { name: 'model.layers.0.mlp.down_proj.w1', dtype: 'F32', shape: [1, 3], data: Float32Array.of(2, 1, 1) },
      { name: 'model.layers.0.mlp.down_proj.b1', dtype: 'F32', shape: [1, 3], data: Float32Array.of(0, 0, 1) },
    ]);
    const got = interventionFilesFrom([{ name: 'map.safetensors', data: bytes }], model);
    expect(got.external?.kind).toBe('torch');
    const back = decodeIntervention(got.files.manifest, new Uint8Array(got.files.tensors), { modelId: 'stories260K', hiddenSize: 3, numLayers: 2 });
    expect(Array.from(back.hooks.get('0.mlp')!.w)).toEqual([2, 1, 1]);
  });

  it('says what is wrong: no model loaded, a vector for another size, a file that is neither', () => {
    const bytes = encodeControlVector(iv([['1.resid', shift([0.5, -1, 2])]]));
    expect(() => interventionFilesFrom([{ name: 'happy.gguf', data: bytes }], null)).toThrow('happy.gguf does not say which model it is for: load that model first, then import it.');
    expect(() => interventionFilesFrom([{ name: 'happy.gguf', data: bytes }], { ...model, numLayers: 1 })).toThrow(/happy\.gguf: direction\.1 is beyond the model's 1 layers/);
    expect(() => interventionFilesFrom([{ name: 'notes.json', data: new TextEncoder().encode('{}') }], model)).toThrow(/An intervention is two files.*this has no intervention\.safetensors/);
  });
});
