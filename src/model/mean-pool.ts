/** Mean over positions (every row counts, BOS included): the pooling of spec section 3. */
export function meanPool(rows: Float64Array[]): Float64Array {
  if (rows.length === 0) throw new Error('meanPool needs at least one row');
  const d = rows[0].length;
  const out = new Float64Array(d);
  for (const row of rows) {
    if (row.length !== d) throw new Error(`meanPool: row of length ${row.length}, expected ${d}`);
    for (let j = 0; j < d; j++) out[j] += row[j];
  }
  for (let j = 0; j < d; j++) out[j] /= rows.length;
  return out;
}
