// y[t, r] = bias[r] + Σ_j W[r, j] · in(t, j) for the output tokens t < count.tokens.
// A workgroup of WG = RG·TG threads computes a tile of TILE_T tokens × TILE_R rows. Thread (rg, tg) — rg = tid % RG,
// so consecutive threads own consecutive rows — computes TT tokens (tg·TT + i) × RT rows (rg + k·RG) and keeps the
// TT·RT sums in registers over the whole of `cols`: no workgroup memory, no barrier, no reduction (except with
// KS > 1, below).
//   * Weights are stored transposed (weights-access.ts): at each column pair the threads of a workgroup read
//     consecutive words (coalesced on GPUs; one vector load per 4 lanes on SwiftShader), and every weight read
//     serves TT tokens.
//   * A thread's tokens are the same for every thread of its row group, so input reads are the same address across
//     neighbouring threads (broadcast / cache hits), and the input transform below costs once per SIMD group.
// The per-thread work over its TT × RT outputs is unrolled by matmul.ts (the @ markers), so the accumulators are
// plain registers on every compiler.
// The input transform is fused (INPUT_MODE):
//   0 plain:    in(t, j) = x[t, j]
//   1 rmsnorm:  in(t, j) = x[t, j] · rsqrt(mean_j x[t, j]² + eps) · g[j]
//               (the dot product runs over x·g while summing x²; the per-token scale multiplies the finished sum)
//   2 silu·mul: in(t, j) = silu(x[t, j]) · x[t, cols + j]   (x holds gate ‖ up, stride 2·cols)
// Input token read for output token t is t + inTokenOffset. cols must be even (columns are read in pairs).
// accumulate = 1 adds the result to y (a fused residual add) instead of overwriting it.
// W may be one row segment of a larger matrix (weights-access.ts GpuMatrix): rows counts the segment's rows, and its
// row r is output row rowOffset + r (bias and y indexed by the output row).
const INPUT_MODE: u32 = INPUT_MODE_VALUE;
const RG: u32 = RG_VALUE;
const TG: u32 = TG_VALUE;
const TT: u32 = TT_VALUE;
const RT: u32 = RT_VALUE;
const TILE_T: u32 = TG * TT;
const TILE_R: u32 = RG * RT;
const KS: u32 = KS_VALUE;

// Uniform structs, appended by the wrapper: MATMUL_PARAMS (matmul.ts), TOKEN_COUNT (token-count.ts).
@group(0) @binding(0) var<uniform> params: MatmulParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> W: array<u32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<uniform> count: TokenCount;

fn silu(v: vec2<f32>) -> vec2<f32> { return v / (vec2<f32>(1.0) + exp(-v)); }

/** Columns 2p, 2p + 1 of the input row at xin. */
fn pair(xin: u32, p: u32) -> vec2<f32> { return vec2<f32>(x[xin + 2u * p], x[xin + 2u * p + 1u]); }

/** Writes one output if it exists; `scale` is the rmsnorm factor (1 in the other modes). */
fn store(t: u32, row: u32, acc: f32, scale: f32) {
  if (t >= count.tokens || row >= params.rows) { return; }
  var v = acc * scale;
  let out = params.rowOffset + row;
  if (params.hasBias != 0u) { v += bias[out]; }
  let at = t * params.outStride + out;
  if (params.accumulate != 0u) { v = y[at] + v; }
  y[at] = v;
}

fn normScale(ss: f32) -> f32 {
  if (INPUT_MODE != 1u) { return 1.0; }
  return inverseSqrt(ss / f32(params.cols) + params.eps);
}

// KS > 1 (GPUs, long rows): KS threads share each output, thread ks taking the ks-th of KS column ranges; their
// partial sums meet in workgroup memory (one barrier) and thread ks = 0 stores.
// @DECL

@compute @workgroup_size(RG, TG, KS)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  _ = &g; // keeps g in the (shader-derived) bind group layout in every mode
  let rg = lid.x;
  let tg = lid.y;
  let ks = lid.z;
  let rows = params.rows;
  let half = params.cols / 2u;
  let r0 = wid.x * TILE_R;
  let tFirst = wid.y * TILE_T + tg * TT;
  let pChunk = (half + KS - 1u) / KS;
  let pBegin = min(ks * pChunk, half);
  let pEnd = min(pBegin + pChunk, half);
  // Rows row{k} = r0 + rg + k·RG (clamped: rows past the end read the last row and are not written).
  // Input rows xin{i} of tokens tFirst + i (clamped to the last token of the step), sums of squares ss{i},
  // accumulators a{i}_{k}.
  // @SETUP
  for (var p = pBegin; p < pEnd; p++) {
    // w{k} = W[row{k}, 2p..2p+1], x{i} = in(tFirst + i, 2p..2p+1), a{i}_{k} += dot(w{k}, x{i}).
    // @INNER
  }
  // @STORE
}
