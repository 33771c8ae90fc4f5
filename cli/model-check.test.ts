import { describe, expect, it } from 'vitest';
import { checkInterventionModels } from './model-check.ts';

describe('generate / eval: an intervention for another model id', () => {
  it('passes interventions made for the loaded model, and files with no model id', () => {
    expect(checkInterventionModels('stories260K', [{ path: 'a', modelId: 'stories260K' }, { path: 'b.gguf', modelId: null }], false)).toEqual([]);
    expect(checkInterventionModels('stories260K', [], false)).toEqual([]);
  });
  it('refuses one made for another id, naming both ids and the flag', () => {
    expect(() => checkInterventionModels('stories260K', [{ path: '/tmp/iv', modelId: 'SmolLM2-135M' }], false)).toThrow(
      '--intervention /tmp/iv was made for model "SmolLM2-135M"; the loaded model is "stories260K": pass --allow-other-model to use it anyway (for one fitted on the same architecture under another name or path; hidden size and layers are still checked)',
    );
    expect(() => checkInterventionModels('stories260K', [{ path: 'a', modelId: 'stories260K' }, { path: 'b', modelId: 'other' }], false)).toThrow(
      /^--intervention b \(intervention 2 of 2\) was made for model "other"; the loaded model is "stories260K": pass --allow-other-model/,
    );
  });
  it('refuses two made for different ids given together, naming the one that is not for the loaded model', () => {
    const two = [{ path: 'a', modelId: 'x' }, { path: 'b', modelId: 'y' }];
    expect(() => checkInterventionModels('z', two, false)).toThrow(
      'the interventions were made for different models (--intervention a for "x", --intervention b for "y"); the loaded model is "z": pass --allow-other-model to use them anyway',
    );
    expect(() => checkInterventionModels('x', two, false)).toThrow(/^--intervention b \(intervention 2 of 2\) was made for model "y"; the loaded model is "x"/);
    expect(() => checkInterventionModels('y', two, false)).toThrow(/^--intervention a \(intervention 1 of 2\) was made for model "x"; the loaded model is "y"/);
  });
  it('two for the same other id are refused as such', () => {
    expect(() => checkInterventionModels('m', [{ path: 'a', modelId: 'x' }, { path: 'b', modelId: 'x' }], false)).toThrow(/^--intervention a \(intervention 1 of 2\) was made for model "x"; the loaded model is "m": pass --allow-other-model to use them anyway/);
  });
  it('--allow-other-model lets them through with one warning per different id', () => {
    expect(checkInterventionModels('stories260K', [{ path: 'a', modelId: 'stories260K' }, { path: 'b', modelId: 'another-model' }, { path: 'c', modelId: 'x' }], true)).toEqual([
      'intervention 2 (b) was made for model "another-model"; the loaded model is "stories260K"',
      'intervention 3 (c) was made for model "x"; the loaded model is "stories260K"',
    ]);
  });
});
