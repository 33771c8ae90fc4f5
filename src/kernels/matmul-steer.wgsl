// A steered attn/mlp hook fused into the matmul that produces its input, for one-token steps of narrow models
// (rows ≤ 64: one workgroup computes the whole z):
//   z[r] = Σ_j W[r, j] · in(j)       in(j) = x[j] (plain: o_proj) or silu(x[j]) · x[cols + j] (silu-mul: down_proj)
//   y[r] += z'(z)[r],  z' = z + λ·s·((w − 1)⊙z + b)  (s = σ(aᵀz + c) when gated, else 1; outside [lo, hi] passes)
// and s goes to strengths[slot]. y is the residual stream. The hook costs no dispatch of its own.
// One workgroup of RG = 32 threads, each RT = 2 rows (rg, rg + 32), over the transposed weights (weights-access.ts).
// The gate needs all of z, which no thread holds; but aᵀz = aᵀ(W·in) = (Wᵀa)ᵀ·in, so with the projected gate vector
// gproj = Wᵀa (cols floats, computed once per intervention by matmul-t) every thread accumulates the gate logit over
// the same input it already reads, in the same order (all threads hold the same s). No workgroup memory, no barrier:
// CPU implementations of WebGPU pay for every barrier, which made the gate most of the steering's cost there.
const INPUT_MODE: u32 = INPUT_MODE_VALUE;
const GATED: bool = GATED_VALUE;
// Uniform structs, appended by the wrapper: MATMUL_PARAMS (matmul.ts), STEER_PARAMS (steer-residual.ts).
@group(0) @binding(0) var<uniform> params: MatmulParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> steer: SteerParams;
// map layout (steer-residual.ts packMap): w[dim] | b[dim] | a[dim] | c, pad to 4 | lo[dim] | hi[dim]
@group(0) @binding(5) var<storage, read> mapv: array<f32>;
@group(0) @binding(6) var<storage, read_write> strengths: array<f32>;
// Wᵀa, cols floats (GATED); a one-float placeholder otherwise.
@group(0) @binding(7) var<storage, read> gproj: array<f32>;

const RG: u32 = 32u;

fn silu(v: vec2<f32>) -> vec2<f32> { return v / (vec2<f32>(1.0) + exp(-v)); }

fn input(p: u32) -> vec2<f32> {
  let a = vec2<f32>(x[2u * p], x[2u * p + 1u]);
  if (INPUT_MODE == 0u) { return a; }
  return silu(a) * vec2<f32>(x[params.cols + 2u * p], x[params.cols + 2u * p + 1u]);
}

/** y[r] += z'(z) for row r (if it exists). */
fn apply(r: u32, v: f32, s: f32) {
  if (r >= params.rows) { return; }
  let dim = params.rows;
  var o = v;
  let inside = steer.hasRange == 0u || (v >= mapv[3u * dim + 4u + r] && v <= mapv[4u * dim + 4u + r]);
  if (inside) { o = v + steer.lambda * s * ((mapv[r] - 1.0) * v + mapv[dim + r]); }
  y[r] = y[r] + o;
}

@compute @workgroup_size(32)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  _ = &gproj;
  let rg = lid.x;
  let rows = params.rows;
  let half = params.cols / 2u;
  let row0 = min(rg, rows - 1u);
  let row1 = min(rg + RG, rows - 1u);
  var a0 = 0.0;
  var a1 = 0.0;
  var logit = 0.0;
  for (var p = 0u; p < half; p++) {
    let v = input(p);
    a0 += dot(weight2(p, row0, rows), v);
    a1 += dot(weight2(p, row1, rows), v);
    if (GATED) { logit += dot(vec2<f32>(gproj[2u * p], gproj[2u * p + 1u]), v); }
  }
  var s = 1.0;
  if (GATED) {
    s = 1.0 / (1.0 + exp(-(logit + mapv[3u * rows])));
    if (rg == 0u) { strengths[steer.slot] = s; }
  }
  apply(rg, a0, s);
  apply(rg + RG, a1, s);
}
