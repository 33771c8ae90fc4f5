/**
 * Solves A x = rhs for a small dense square system (row-major A, n × n) by Gaussian elimination
 * with partial pivoting, in float64. A and rhs are not modified. Throws when A is singular.
 */
export function solveDense(A: Float64Array, rhs: Float64Array, n: number): Float64Array {
  if (A.length !== n * n || rhs.length !== n) throw new Error(`solveDense: expected ${n}×${n} matrix and ${n} right-hand side`);
  const m = Float64Array.from(A);
  const x = Float64Array.from(rhs);
  let scale = 0;
  for (let i = 0; i < m.length; i++) scale = Math.max(scale, Math.abs(m[i]));
  const tiny = scale * n * 1e-15;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[piv * n + col])) piv = r;
    const p = m[piv * n + col];
    if (!(Math.abs(p) > tiny)) throw new Error('solveDense: matrix is singular to working precision');
    if (piv !== col) {
      for (let k = 0; k < n; k++) {
        const t = m[col * n + k];
        m[col * n + k] = m[piv * n + k];
        m[piv * n + k] = t;
      }
      const t = x[col];
      x[col] = x[piv];
      x[piv] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / p;
      if (f === 0) continue;
      for (let k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
    x[r] = s / m[r * n + r];
  }
  return x;
}
