/**
 * Harness calls that hand the GPU engine's prompt logits to reference checks in a compact form: every row as one
 * base64 Float32 block (a real vocabulary's rows as JSON numbers would be tens of MB), or per position only the top
 * two and the logit of the token that follows in the input (teacher forcing).
 */
import { current, applySteering, bytesToBase64 } from './session.ts';

export interface PositionTop2 {
  argmax: number;
  top2: [number, number];
  top2Logits: [number, number];
  /** Logit of ids[i + 1] (absent at the last position). */
  nextLogit?: number;
}

/** The two largest entries of `row` (ties to the lower id, as llama.cpp's and numpy's argmax). */
export function top2Of(row: ArrayLike<number>): { top2: [number, number]; top2Logits: [number, number] } {
  let a = -1, b = -1, la = -Infinity, lb = -Infinity;
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (v > la) { b = a; lb = la; a = j; la = v; }
    else if (v > lb) { b = j; lb = v; }
  }
  return { top2: [a, b], top2Logits: [la, lb] };
}

async function promptLogits(ids: number[]): Promise<Float32Array[]> {
  applySteering();
  return (await current().model.run(ids, 0, { logits: 'all' })).logits;
}

export const logitsApi = {
  /** Every prompt position's logits, row-major float32, base64. */
  async logitsF32(ids: number[]): Promise<string> {
    const rows = await promptLogits(ids);
    const V = rows[0].length;
    const all = new Float32Array(rows.length * V);
    rows.forEach((r, i) => all.set(r, i * V));
    return bytesToBase64(new Uint8Array(all.buffer));
  },

  /** Per position: argmax, top two and the logit of the next input token. */
  async logitsTop2(ids: number[]): Promise<PositionTop2[]> {
    const rows = await promptLogits(ids);
    return rows.map((r, i) => {
      const t = top2Of(r);
      return { argmax: t.top2[0], ...t, ...(i + 1 < ids.length ? { nextLogit: r[ids[i + 1]] } : {}) };
    });
  },
};
