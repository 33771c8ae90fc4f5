/** Generated tokens as the output view shows them. */
import type { TokenItem } from './app-state.ts';

/**
 * The items whose text lies within `text` (the generated text once a stop string, such as a chat template's
 * end-of-turn marker spelled in several tokens, was cut off): the token that straddles the end keeps only its part
 * before it, and the tokens after it are dropped, so the tints and the heatmap cover the reply and nothing after it.
 */
export function itemsWithin(items: readonly TokenItem[], text: string): TokenItem[] {
  const out: TokenItem[] = [];
  let at = 0;
  for (const it of items) {
    if (at >= text.length && it.text !== '') break;
    const room = text.length - at;
    out.push(it.text.length <= room ? it : { ...it, text: it.text.slice(0, room) });
    at += Math.min(it.text.length, room);
  }
  return out;
}
