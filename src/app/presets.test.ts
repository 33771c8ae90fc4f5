import { describe, expect, it } from 'vitest';
import { parseDataset } from '../steering/dataset.ts';
import { lexiconScorer, lexiconWords as words } from '../eval/lexicon.ts';
import { PRESETS } from './presets.ts';

/** Share of `prompts` the evaluation's scorer labels `label` with this lexicon. */
function share(prompts: string[], lexicon: { source: string[]; target: string[] }, label: 'source' | 'target'): number {
  const score = lexiconScorer(lexicon);
  return prompts.filter((p) => score(p).label === label).length / prompts.length;
}

describe('preset datasets', () => {
  for (const p of PRESETS) {
    it(`${p.name} parses, has 16+ prompts per set and pairs source with target`, () => {
      const ds = parseDataset(JSON.stringify({ name: p.name, source: p.source, target: p.target, control: p.control, lexicon: p.lexicon }), `${p.id}.json`);
      expect(ds.source.length).toBeGreaterThanOrEqual(16);
      expect(ds.control.length).toBeGreaterThanOrEqual(16);
      expect(ds.target.length).toBe(ds.source.length);
      expect(ds.lexicon).toEqual(p.lexicon);
    });

    it(`${p.name} has a lexicon of lower-case single words, no word on both sides, that tells its source prompts from its target prompts`, () => {
      const lex = p.lexicon!;
      expect(lex.source.length).toBeGreaterThanOrEqual(10);
      expect(lex.target.length).toBeGreaterThanOrEqual(10);
      for (const w of [...lex.source, ...lex.target]) expect(words(w)).toEqual([w]);
      expect(lex.source.filter((w) => lex.target.includes(w))).toEqual([]);
      // Most source prompts score source-like and most target prompts target-like; control prompts mostly neither way.
      expect(share(p.source, lex, 'source')).toBeGreaterThanOrEqual(0.6);
      expect(share(p.target, lex, 'target')).toBeGreaterThanOrEqual(0.6);
      expect(share(p.control, lex, 'source')).toBeLessThanOrEqual(0.25);
    });
  }

  it('sad → happy has the words of the shared dataset file', () => {
    const lex = PRESETS.find((p) => p.id === 'preset:sad-to-happy')!.lexicon!;
    for (const w of ['sad', 'cry', 'cried', 'crying', 'lonely', 'angry', 'scared', 'lost', 'broken', 'mad', 'upset']) expect(lex.source).toContain(w);
    for (const w of ['happy', 'smile', 'smiled', 'laugh', 'laughed', 'glad', 'fun', 'loved', 'hug', 'hugged', 'excited', 'play']) expect(lex.target).toContain(w);
  });
});
