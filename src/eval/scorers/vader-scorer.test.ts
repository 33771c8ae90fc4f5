import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../app/presets.ts';
import { runPythonJson } from '../../testing/python-refs.node.ts';
import { vaderScorerKind, vaderCompound, vaderLabel } from './vader-scorer.ts';
import type { EvalParams } from '../types.ts';

/** Sentences: the sentiment presets' texts and a few with VADER's special rules (negation, boosters, caps, "but", emoticons). */
function sentences(): string[] {
  const out: string[] = [];
  for (const id of ['preset:negative-to-positive', 'preset:toxic-to-polite']) {
    const p = PRESETS.find((x) => x.id === id)!;
    out.push(...p.source, ...p.target, ...p.control);
  }
  out.push(
    'The movie was not good.',
    'The food was GREAT!!!',
    'It was good, but the ending was terrible.',
    'I kind of like it.',
    'This is extremely bad.',
    'Not bad at all.',
    'I love it :)',
    'Meh.',
    '',
  );
  return out;
}

describe('VADER scorer', () => {
  it('agrees with the Python vaderSentiment package on the presets’ sentences', () => {
    const texts = sentences();
    const ref = runPythonJson<{ compound: number }[]>('vader_reference.py', texts);
    let same = 0;
    let sameLabel = 0;
    const differ: string[] = [];
    texts.forEach((t, i) => {
      const ours = vaderCompound(t);
      const theirs = ref[i].compound;
      if (Math.abs(ours - theirs) < 1e-4) same++;
      else differ.push(`${JSON.stringify(t)}: js ${ours} python ${theirs}`);
      if (vaderLabel(ours, 'negative') === vaderLabel(theirs, 'negative')) sameLabel++;
    });
    console.log(`VADER js vs python on ${texts.length} sentences: compound equal ${same}, label equal ${sameLabel}; differ:\n  ${differ.join('\n  ')}`);
    // The JS port predates some of Python 3.3.2's rules (e.g. "not bad at all"): most scores are equal, nearly all labels.
    expect(same / texts.length).toBeGreaterThanOrEqual(0.9);
    expect(sameLabel / texts.length).toBeGreaterThanOrEqual(0.95);
  });

  it('labels by VADER’s ±0.05 thresholds, with the source side given', () => {
    expect(vaderLabel(-0.05, 'negative')).toBe('source');
    expect(vaderLabel(0.05, 'negative')).toBe('target');
    expect(vaderLabel(0.049, 'negative')).toBe('neutral');
    expect(vaderLabel(-0.4, 'positive')).toBe('target');
    const p = { vaderSource: 'positive' } as EvalParams;
    const s = vaderScorerKind.create(p) as { score(t: string): { label: string; value: number } };
    expect(s.score('I love this, it is wonderful.').label).toBe('source');
    expect(s.score('I love this, it is wonderful.').value).toBeGreaterThan(0.5);
    expect(() => vaderScorerKind.check({ vaderSource: 'sideways' } as unknown as EvalParams)).toThrow(/vaderSource/);
  });
});
