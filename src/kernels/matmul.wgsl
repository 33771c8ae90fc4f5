// y[t, r] = bias[r] + Σ_j W[r, j] · in(t, j), four rows per workgroup, one token per workgroup row (workgroup_id.y).
// The input transform is fused (INPUT_MODE):
//   0 plain:    in(t, j) = x[t, j]
//   1 rmsnorm:  in(t, j) = x[t, j] · rsqrt(mean_j x[t, j]² + eps) · g[j]
//   2 silu·mul: in(t, j) = silu(x[t, j]) · x[t, cols + j]   (x holds gate ‖ up, stride 2·cols)
const INPUT_MODE: u32 = INPUT_MODE_VALUE;
const ROWS: u32 = 4u;
const WG: u32 = 64u;

struct Params { rows: u32, cols: u32, inStride: u32, outStride: u32, inTokenOffset: u32, hasBias: u32, eps: f32, _p: u32 };
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> W: array<WSTORE>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

var<workgroup> red: array<f32, 256>;
var<workgroup> normScale: f32;

fn silu(v: vec2<f32>) -> vec2<f32> { return v / (vec2<f32>(1.0) + exp(-v)); }

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tid = lid.x;
  let t = wid.y;
  let row0 = wid.x * ROWS;
  let xin = (t + params.inTokenOffset) * params.inStride;
  let half = params.cols / 2u;

  var scale = 1.0;
  if (INPUT_MODE == 1u) {
    var ss = 0.0;
    for (var j = tid; j < params.cols; j += WG) { let v = x[xin + j]; ss += v * v; }
    red[tid] = ss;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (tid < s) { red[tid] += red[tid + s]; }
      workgroupBarrier();
    }
    if (tid == 0u) { normScale = inverseSqrt(red[0] / f32(params.cols) + params.eps); }
    workgroupBarrier();
    scale = normScale;
  }

  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var jp = tid; jp < half; jp += WG) {
    var a: vec2<f32>;
    if (INPUT_MODE == 2u) {
      a = silu(vec2<f32>(x[xin + 2u * jp], x[xin + 2u * jp + 1u])) *
          vec2<f32>(x[xin + params.cols + 2u * jp], x[xin + params.cols + 2u * jp + 1u]);
    } else {
      a = vec2<f32>(x[xin + 2u * jp], x[xin + 2u * jp + 1u]);
      if (INPUT_MODE == 1u) { a = a * scale * vec2<f32>(g[2u * jp], g[2u * jp + 1u]); }
    }
    for (var r = 0u; r < ROWS; r++) {
      let row = row0 + r;
      if (row < params.rows) { acc[r] += dot(weight2(row * half + jp), a); }
    }
  }
  workgroupBarrier();
  for (var r = 0u; r < ROWS; r++) { red[r * WG + tid] = acc[r]; }
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      for (var r = 0u; r < ROWS; r++) { red[r * WG + tid] += red[r * WG + tid + s]; }
    }
    workgroupBarrier();
  }
  if (tid < ROWS) {
    let row = row0 + tid;
    if (row < params.rows) {
      var v = red[tid * WG];
      if (params.hasBias != 0u) { v += bias[row]; }
      y[t * params.outStride + row] = v;
    }
  }
}
