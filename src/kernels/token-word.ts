/**
 * The word the argmax and sampling kernels write per chosen token: the token id in the low 31 bits, and the top bit
 * set when the logits row held a non-finite value (NaN, +∞ or −∞). A vocabulary never reaches 2³¹ ids. Generation
 * must stop on that bit: a row with NaN picks token 0 and one with +∞ picks garbage, silently.
 */
export const NON_FINITE_BIT = 0x8000_0000;

export function decodeTokenWord(word: number): { tokenId: number; nonFinite: boolean } {
  return { tokenId: (word & 0x7fff_ffff) >>> 0, nonFinite: (word & NON_FINITE_BIT) !== 0 };
}

/** CPU twin of the kernels' check: whether any of the row's values is NaN or ±∞. */
export function hasNonFinite(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): boolean {
  for (let i = 0; i < length; i++) if (!Number.isFinite(logits[offset + i])) return true;
  return false;
}
