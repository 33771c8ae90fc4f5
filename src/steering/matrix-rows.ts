/**
 * Pooled activation matrices as the fitting code sees them: `rows[i]` is prompt i's pooled vector
 * (length d), float64. Shared validation and column helpers for the closed-form fitters.
 */
export type PooledRows = readonly Float64Array[];

/** Checks a pooled matrix is non-empty, rectangular and finite; returns its width d. */
export function checkRows(rows: PooledRows, label: string, expectedDim?: number): number {
  if (rows.length === 0) throw new Error(`${label}: no rows (need at least one pooled prompt)`);
  const d = expectedDim ?? rows[0].length;
  if (d === 0) throw new Error(`${label}: rows have zero width`);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.length !== d) throw new Error(`${label}: row ${i} has ${r.length} values, expected ${d}`);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(r[j])) throw new Error(`${label}: row ${i}, neuron ${j} is ${r[j]} (not finite)`);
    }
  }
  return d;
}

/** Column j as a fresh Float64Array. */
export function column(rows: PooledRows, j: number): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i][j];
  return out;
}

/** Per-column mean and population standard deviation (divide by N). */
export function columnMeanStd(rows: PooledRows, d: number): { mean: Float64Array; std: Float64Array } {
  const n = rows.length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const std = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) {
      const e = r[j] - mean[j];
      std[j] += e * e;
    }
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] / n);
  return { mean, std };
}
