import { describe, expect, it } from 'vitest';
import { parseDataset } from '../steering/dataset.ts';
import { PRESETS } from './presets.ts';

describe('preset datasets', () => {
  for (const p of PRESETS) {
    it(`${p.name} parses, has 16+ prompts per set and pairs source with target`, () => {
      const ds = parseDataset(JSON.stringify({ name: p.name, source: p.source, target: p.target, control: p.control }), `${p.id}.json`);
      expect(ds.source.length).toBeGreaterThanOrEqual(16);
      expect(ds.control.length).toBeGreaterThanOrEqual(16);
      expect(ds.target.length).toBe(ds.source.length);
    });
  }
});
