import { describe, expect, it } from 'vitest';
import { ShardIndexError, parseShardIndex } from './shard-index.ts';

describe('parseShardIndex', () => {
  it('maps tensors to files and lists each file once, in order of first use', () => {
    const idx = parseShardIndex({
      metadata: { total_size: 123 },
      weight_map: {
        'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
        'model.norm.weight': 'model-00002-of-00002.safetensors',
        'model.layers.0.mlp.up_proj.weight': 'model-00001-of-00002.safetensors',
      },
    });
    expect(idx.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(idx.fileOf.get('model.norm.weight')).toBe('model-00002-of-00002.safetensors');
    expect(idx.fileOf.size).toBe(3);
  });

  it.each([
    ['a non-object', [1], /must be a JSON object/],
    ['null', null, /must be a JSON object/],
    ['no weight_map', { metadata: {} }, /"weight_map"/],
    ['weight_map as a list', { weight_map: ['a'] }, /"weight_map"/],
    ['an empty weight_map', { weight_map: {} }, /empty/],
    ['a non-string file', { weight_map: { w: 3 } }, /weight_map\["w"\].*3/],
    ['a path with /', { weight_map: { w: 'sub/model.safetensors' } }, /weight_map\["w"\].*sub\/model/],
    ['a parent reference', { weight_map: { w: '..model.safetensors' } }, /not a plain file name/],
    ['a backslash path', { weight_map: { w: 'a\\b.safetensors' } }, /not a plain file name/],
    ['an empty file name', { weight_map: { w: '' } }, /not a plain file name/],
  ])('refuses %s', (_what, json, pattern) => {
    let message = '';
    try {
      parseShardIndex(json, 'index.json');
    } catch (e) {
      expect(e).toBeInstanceOf(ShardIndexError);
      message = (e as Error).message;
    }
    expect(message).toContain('index.json');
    expect(message).toMatch(pattern);
  });
});
