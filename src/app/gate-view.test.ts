import { describe, expect, it } from 'vitest';
import { gateView } from './gate-view.ts';

// Columns: 1.attn of A, 1.attn of B, 2.mlp of A, 4.attn of B.
const hooks = ['1.attn', '1.attn', '2.mlp', '4.attn'] as const;
const by = [0, 1, 0, 1];
const items = [
  { text: 'a', s: [0.1, 0.2, 0.3, 0.4] },
  { text: 'b', s: [0.5, 0.25, 0.75, 1] },
  { text: 'c', s: [] },
];

describe('gateView', () => {
  it("one intervention's columns", () => {
    expect(gateView(items, [...hooks], by, 1)).toEqual({
      hooks: ['1.attn', '4.attn'],
      items: [
        { text: 'a', s: [0.2, 0.4] },
        { text: 'b', s: [0.25, 1] },
        { text: 'c', s: [] },
      ],
      scaleMax: 1,
    });
    expect(gateView(items, [...hooks], by, 0).hooks).toEqual(['1.attn', '2.mlp']);
  });
  it('the sum per hook (forward order), scaled to the most gates at one hook', () => {
    const r = gateView(items, [...hooks], by, 'sum');
    expect(r.hooks).toEqual(['1.attn', '2.mlp', '4.attn']);
    expect(r.items[0].s[0]).toBeCloseTo(0.3, 12);
    expect(r.items[1].s).toEqual([0.75, 0.75, 1]);
    expect(r.items[2].s).toEqual([]);
    expect(r.scaleMax).toBe(2);
  });
});
