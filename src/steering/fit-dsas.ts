import { checkRows, columnMeanStd, type PooledRows } from './matrix-rows.ts';
import { solveDense } from './solve-dense.ts';

export interface DsasOptions {
  /** Inverse L2 strength, as sklearn's LogisticRegression(C): minimise ½‖w‖² + C·Σ BCE. Default 1. */
  C?: number;
  /** Features whose population std over S ∪ C is below this are ignored (a_j = 0). Default 1e-6. */
  minStd?: number;
  /** Newton iterations cap. Default 100. */
  maxIter?: number;
  /** Stop when the gradient norm (standardised space) is below tol·max(1, initial gradient norm). Default 1e-12 (the float64 floor is handled separately). */
  tol?: number;
}

export interface DsasFit {
  /** The detector in raw activation space: s(z) = σ(aᵀz + c). c is rounded to float32 like a. */
  gate: { a: Float32Array; c: number };
  /** Share of training prompts the folded detector classifies correctly (s > 0.5 ⇔ source). */
  accuracy: number;
  /** Final objective ½‖w‖² + C·Σ BCE (standardised space). */
  loss: number;
  iterations: number;
  converged: boolean;
  /** The standardised model before folding: score = Σ_j weights_j (z_j − mean_j)/std_j + bias (weights_j = 0 where ignored). */
  standardized: { mean: Float64Array; std: Float64Array; weights: Float64Array; bias: number; ignored: Uint8Array };
}

const softplus = (f: number): number => Math.max(f, 0) + Math.log1p(Math.exp(-Math.abs(f)));
const sigmoid = (f: number): number => (f >= 0 ? 1 / (1 + Math.exp(-f)) : Math.exp(f) / (1 + Math.exp(f)));

/**
 * DSAS detector for one hook (spec section 6): logistic regression source → 1 vs control → 0 on
 * unsteered pooled activations, with BCE + L2 on standardised features (population std), then folded
 * back into one (a, c) on raw features.
 *
 * Solver: exact Newton with Armijo backtracking, deterministic, float64. Because the L2 solution lies
 * in the span of the samples (w = X̃ᵀβ), Newton runs in sample space: an (n+1)-dimensional system per
 * step (n = prompts) instead of (d+1), so d = 4096 costs no more than the n×n Gram matrix.
 */
export function fitDsas(source: PooledRows, control: PooledRows, opts: DsasOptions = {}): DsasFit {
  const C = opts.C ?? 1;
  const minStd = opts.minStd ?? 1e-6;
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-12;
  if (!(C > 0)) throw new Error(`DSAS: C must be positive, got ${C}`);
  const d = checkRows(source, 'DSAS source');
  checkRows(control, 'DSAS control', d);

  const rows = [...source, ...control];
  const n = rows.length;
  const y = new Float64Array(n);
  y.fill(1, 0, source.length);
  const { mean, std } = columnMeanStd(rows, d);
  const ignored = new Uint8Array(d);
  const inv = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    if (std[j] < minStd) ignored[j] = 1;
    else inv[j] = 1 / std[j];
  }
  const X = rows.map((r) => {
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) x[j] = (r[j] - mean[j]) * inv[j];
    return x;
  });
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k <= i; k++) {
      let s = 0;
      const xi = X[i];
      const xk = X[k];
      for (let j = 0; j < d; j++) s += xi[j] * xk[j];
      K[i * n + k] = s;
      K[k * n + i] = s;
    }
  }

  const Kv = (v: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += K[i * n + k] * v[k];
      out[i] = s;
    }
    return out;
  };
  const objective = (beta: Float64Array, c: number): number => {
    const Kb = Kv(beta);
    let reg = 0;
    let bce = 0;
    for (let i = 0; i < n; i++) {
      reg += beta[i] * Kb[i];
      const f = Kb[i] + c;
      bce += softplus(f) - y[i] * f;
    }
    return 0.5 * reg + C * bce;
  };

  /** Primal gradient at (β, c): ∂/∂w = X̃ᵀ(C g + β), ∂/∂c = C Σg, with g = σ(Kβ + c) − y. */
  const gradientAt = (beta: Float64Array, c: number) => {
    const Kb = Kv(beta);
    const g = new Float64Array(n);
    const D = new Float64Array(n);
    let sumG = 0;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(Kb[i] + c);
      g[i] = p - y[i];
      D[i] = p * (1 - p);
      sumG += g[i];
    }
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = C * g[i] + beta[i];
    const Kr = Kv(r);
    let gradSq = (C * sumG) ** 2; // ‖grad‖² = rᵀKr + (C Σg)²
    for (let i = 0; i < n; i++) gradSq += r[i] * Kr[i];
    return { D, r, Kr, sumG, norm: Math.sqrt(gradSq) };
  };

  let beta: Float64Array = new Float64Array(n);
  let c = 0;
  let loss = objective(beta, c);
  let grad = gradientAt(beta, c);
  const gradNorm0 = grad.norm;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIter; iterations++) {
    if (grad.norm <= tol * Math.max(1, gradNorm0)) {
      converged = true;
      break;
    }
    const { D, r, Kr, sumG } = grad;
    // Newton step (Δw = X̃ᵀΔβ): (C·D·K + I)Δβ + C·D·1 Δc = −r ;  1ᵀD K Δβ + 1ᵀD1 Δc = −Σg.
    const m = n + 1;
    const A = new Float64Array(m * m);
    const rhs = new Float64Array(m);
    let sumD = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        A[i * m + k] = C * D[i] * K[i * n + k] + (i === k ? 1 : 0);
        A[n * m + k] += D[i] * K[i * n + k];
      }
      A[i * m + n] = C * D[i];
      sumD += D[i];
      rhs[i] = -r[i];
    }
    A[n * m + n] = sumD;
    rhs[n] = -sumG;
    const step = solveDense(A, rhs, m);
    // Directional derivative of the objective along the step: gradᵀ(X̃ᵀΔβ, Δc) = rᵀKΔβ + C Σg Δc.
    let slope = C * sumG * step[n];
    for (let i = 0; i < n; i++) slope += Kr[i] * step[i];
    if (!(slope < 0)) break;
    // Armijo backtracking. Near the optimum the objective stops resolving progress (float64 floor,
    // |Δloss| ≈ ‖grad‖² ≲ 1e-16·loss): there a full step is accepted when it shrinks the gradient.
    let accepted: { beta: Float64Array; c: number; loss: number } | null = null;
    for (let t = 1, ls = 0; ls < 60; ls++, t *= 0.5) {
      const nb = new Float64Array(n);
      for (let i = 0; i < n; i++) nb[i] = beta[i] + t * step[i];
      const nc = c + t * step[n];
      const nl = objective(nb, nc);
      if (nl <= loss + 1e-4 * t * slope) {
        accepted = { beta: nb, c: nc, loss: nl };
        break;
      }
      if (t === 1 && nl <= loss + 1e-12 * Math.max(1, Math.abs(loss)) && gradientAt(nb, nc).norm < grad.norm) {
        accepted = { beta: nb, c: nc, loss: Math.min(nl, loss) };
        break;
      }
    }
    if (!accepted) break;
    beta = accepted.beta;
    c = accepted.c;
    loss = accepted.loss;
    grad = gradientAt(beta, c);
  }
  if (!converged) converged = grad.norm <= 1e-6 * Math.max(1, gradNorm0); // stalled at the float64 floor

  // Standardised weights w = X̃ᵀβ, then fold: a_j = w_j / std_j, c_raw = c − Σ a_j mean_j.
  const weights = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const bi = beta[i];
    const xi = X[i];
    for (let j = 0; j < d; j++) weights[j] += bi * xi[j];
  }
  const a = new Float32Array(d);
  for (let j = 0; j < d; j++) a[j] = weights[j] * inv[j];
  let cRaw = c;
  for (let j = 0; j < d; j++) cRaw -= a[j] * mean[j]; // uses the float32 a, so the fold is exact at the mean
  const gate = { a, c: Math.fround(cRaw) };

  let correct = 0;
  for (let i = 0; i < n; i++) {
    let s = gate.c;
    const r = rows[i];
    for (let j = 0; j < d; j++) s += a[j] * r[j];
    if ((s > 0 ? 1 : 0) === y[i]) correct++;
  }
  return {
    gate,
    accuracy: correct / n,
    loss,
    iterations,
    converged,
    standardized: { mean, std, weights, bias: c, ignored },
  };
}
