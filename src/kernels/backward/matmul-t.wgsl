// The activation gradient of a Linear y = W·x (frozen W [rows, cols], GPU weight layout of weights-access.ts):
//   dx[t, c] (+)= Σ_r dy[t, r] · W[r, c]   for tokens t < count.tokens.
// The GPU layout stores W transposed by words, so the run W[0..rows, 2p..2p+1] a thread needs is contiguous
// (weight2(p, r, rows)). One thread per column pair p and TT tokens: each weight read serves TT tokens, dy reads are
// the same address across the threads of a workgroup. accumulate = 1 adds into dx (a residual-stream gradient).
// W may be one row segment of a larger matrix: its row r pairs with dy column rowOffset + r; the segments of a matrix
// run one after another, all but the first accumulating.
// Uniform structs, appended by the wrapper: MATMUL_T_PARAMS (matmul-t.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: MatmulTParams;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> count: PackedCount;

const TT: u32 = 8u;

fn store(t: u32, p: u32, v: vec2<f32>) {
  if (t >= count.tokens) { return; }
  let at = t * params.outStride + 2u * p;
  if (params.accumulate != 0u) {
    dx[at] = dx[at] + v.x;
    dx[at + 1u] = dx[at + 1u] + v.y;
  } else {
    dx[at] = v.x;
    dx[at + 1u] = v.y;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let p = gid.x;
  if (p >= params.cols / 2u) { return; }
  let t0 = wid.y * TT;
  if (t0 >= count.tokens) { return; }
  let last = count.tokens - 1u;
  let rows = params.rows;
  var a0 = vec2<f32>(0.0);
  var a1 = vec2<f32>(0.0);
  var a2 = vec2<f32>(0.0);
  var a3 = vec2<f32>(0.0);
  var a4 = vec2<f32>(0.0);
  var a5 = vec2<f32>(0.0);
  var a6 = vec2<f32>(0.0);
  var a7 = vec2<f32>(0.0);
  // Input rows of tokens t0..t0+7 (clamped to the last token; the stores skip tokens past it).
  let s = params.inStride;
  let ro = params.rowOffset;
  let i0 = min(t0, last) * s + ro;
  let i1 = min(t0 + 1u, last) * s + ro;
  let i2 = min(t0 + 2u, last) * s + ro;
  let i3 = min(t0 + 3u, last) * s + ro;
  let i4 = min(t0 + 4u, last) * s + ro;
  let i5 = min(t0 + 5u, last) * s + ro;
  let i6 = min(t0 + 6u, last) * s + ro;
  let i7 = min(t0 + 7u, last) * s + ro;
  for (var r = 0u; r < rows; r++) {
    let w = weight2(p, r, rows);
    a0 += dy[i0 + r] * w;
    a1 += dy[i1 + r] * w;
    a2 += dy[i2 + r] * w;
    a3 += dy[i3 + r] * w;
    a4 += dy[i4 + r] * w;
    a5 += dy[i5 + r] * w;
    a6 += dy[i6 + r] * w;
    a7 += dy[i7 + r] * w;
  }
  store(t0, p, a0);
  store(t0 + 1u, p, a1);
  store(t0 + 2u, p, a2);
  store(t0 + 3u, p, a3);
  store(t0 + 4u, p, a4);
  store(t0 + 5u, p, a5);
  store(t0 + 6u, p, a6);
  store(t0 + 7u, p, a7);
}
