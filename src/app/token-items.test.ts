import { describe, expect, it } from 'vitest';
import { itemsWithin } from './token-items.ts';

const items = (...texts: string[]) => texts.map((text, i) => ({ text, s: [i / 10] }));

describe('itemsWithin', () => {
  it('keeps every token when the text is all of them', () => {
    expect(itemsWithin(items('Hel', 'lo', '!'), 'Hello!')).toEqual(items('Hel', 'lo', '!'));
  });

  it('drops the tokens of a cut-off end-of-turn marker and trims the one that straddles it', () => {
    // "Hi" then "<|end|>" spelled as "<|", "end", "|>": the text was cut to "Hi".
    expect(itemsWithin(items('H', 'i<|', 'end', '|>'), 'Hi')).toEqual([
      { text: 'H', s: [0] },
      { text: 'i', s: [0.1] },
    ]);
    expect(itemsWithin(items('<|', 'end'), '')).toEqual([]);
  });

  it('keeps empty-text tokens inside the reply (special tokens decode to nothing) but none after its end', () => {
    expect(itemsWithin(items('a', '', 'b', 'c'), 'ab')).toEqual([
      { text: 'a', s: [0] },
      { text: '', s: [0.1] },
      { text: 'b', s: [0.2] },
    ]);
  });
});
