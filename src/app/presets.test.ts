import { describe, expect, it } from 'vitest';
import { parseDataset } from '../steering/dataset.ts';
import { lexiconScorer, lexiconWords as words } from '../eval/lexicon.ts';
import { defaultPresetFor, PRESETS } from './presets.ts';

/** Share of `prompts` the evaluation's scorer labels `label` with this lexicon. */
function share(prompts: string[], lexicon: { source: string[]; target: string[] }, label: 'source' | 'target'): number {
  const score = lexiconScorer(lexicon);
  return prompts.filter((p) => score(p).label === label).length / prompts.length;
}

/** Least sizes per audience: the instruct presets are meant to move a real chat model, so they need more examples. */
const MIN = { stories: { pairs: 16, control: 16 }, instruct: { pairs: 32, control: 24 } } as const;

describe('preset datasets', () => {
  for (const p of PRESETS) {
    const min = MIN[p.audience];
    it(`${p.name} parses, has ${min.pairs}+ source and target prompts, ${min.control}+ control prompts, and pairs source with target`, () => {
      const ds = parseDataset(JSON.stringify({ name: p.name, source: p.source, target: p.target, control: p.control, lexicon: p.lexicon }), `${p.id}.json`);
      expect(ds.source.length).toBeGreaterThanOrEqual(min.pairs);
      expect(ds.control.length).toBeGreaterThanOrEqual(min.control);
      expect(ds.target.length).toBe(ds.source.length);
      expect(ds.lexicon).toEqual(p.lexicon);
    });

    it(`${p.name} has a lexicon of 15+ lower-case single words a side, no word on both sides, that tells its source prompts from its target prompts`, () => {
      const lex = p.lexicon!;
      expect(lex.source.length).toBeGreaterThanOrEqual(15);
      expect(lex.target.length).toBeGreaterThanOrEqual(15);
      for (const w of [...lex.source, ...lex.target]) expect(words(w)).toEqual([w]);
      expect(lex.source.filter((w) => lex.target.includes(w))).toEqual([]);
      // Most source prompts score source-like and most target prompts target-like; control prompts mostly neither way.
      expect(share(p.source, lex, 'source')).toBeGreaterThanOrEqual(0.6);
      expect(share(p.target, lex, 'target')).toBeGreaterThanOrEqual(0.6);
      expect(share(p.control, lex, 'source')).toBeLessThanOrEqual(0.25);
    });

    if (p.audience === 'instruct') {
      it(`${p.name} has a short description, a scorer hint and 8 distinct chat messages that are not among its prompts`, () => {
        expect(p.description.trim().length).toBeGreaterThan(0);
        expect(p.description.length).toBeLessThanOrEqual(140);
        expect(['lexicon', 'vader']).toContain(p.scorer);
        const chat = p.chatPrompts ?? [];
        expect(chat).toHaveLength(8);
        for (const m of chat) expect(m.trim()).toBe(m);
        for (const m of chat) expect(m.length).toBeGreaterThan(0);
        expect(new Set(chat).size).toBe(8);
        const prompts = new Set([...p.source, ...p.target, ...p.control]);
        expect(chat.filter((m) => prompts.has(m))).toEqual([]);
      });
    }
  }

  it('has one preset per id, the stories preset first (a fresh draft starts from it)', () => {
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    expect(PRESETS[0].id).toBe('preset:sad-to-happy');
  });

  it('offers the four instruct tasks of the chat-model issue, each with the scorer it suits', () => {
    const scorerOf = (id: string) => PRESETS.find((p) => p.id === id)?.scorer;
    expect(scorerOf('preset:negative-to-positive')).toBe('vader');
    expect(scorerOf('preset:toxic-to-polite')).toBe('vader');
    expect(scorerOf('preset:formal-to-casual')).toBe('lexicon');
    expect(scorerOf('preset:casual-to-formal')).toBe('lexicon');
    expect(scorerOf('preset:ocean-topic')).toBe('lexicon');
  });

  it('casual → formal is formal → casual the other way round, pair for pair', () => {
    const f = PRESETS.find((p) => p.id === 'preset:formal-to-casual')!;
    const c = PRESETS.find((p) => p.id === 'preset:casual-to-formal')!;
    expect(c.source).toEqual(f.target);
    expect(c.target).toEqual(f.source);
    expect(c.lexicon).toEqual({ source: f.lexicon!.target, target: f.lexicon!.source });
  });

  it('starts story models on sad → happy and chat models on rude → polite', () => {
    expect(defaultPresetFor(false).id).toBe('preset:sad-to-happy');
    expect(defaultPresetFor(true).id).toBe('preset:toxic-to-polite');
    expect(defaultPresetFor(true).source[0]).toBe('Shut up, nobody cares what you think.');
  });

  it('sad → happy has the words of the shared dataset file', () => {
    const lex = PRESETS.find((p) => p.id === 'preset:sad-to-happy')!.lexicon!;
    for (const w of ['sad', 'cry', 'cried', 'crying', 'lonely', 'angry', 'scared', 'lost', 'broken', 'mad', 'upset']) expect(lex.source).toContain(w);
    for (const w of ['happy', 'smile', 'smiled', 'laugh', 'laughed', 'glad', 'fun', 'loved', 'hug', 'hugged', 'excited', 'play']) expect(lex.target).toContain(w);
  });
});
