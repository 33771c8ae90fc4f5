// One hook on one token (workgroup_id.x = t): the steering map with optional DSAS gate, then the residual update.
//   mode 0 (attn/mlp hooks): x[t] += z'(z[t])     mode 1 (resid hook): x[t] = z'(x[t])
//   z' = z + λ·s·((w − 1)⊙z + b),  s = σ(aᵀz + c) when gated, else 1; neurons outside [lo, hi] pass when ranged.
// With hasMap = 0 it is the plain residual add. Gate values go to strengths[t·nSlots + slot];
// with record = 1 the pre-map activation goes to rec[(recordSlot·maxTokens + t)·dim + j].
struct Params {
  dim: u32, mode: u32, hasMap: u32, hasGate: u32,
  hasRange: u32, record: u32, slot: u32, nSlots: u32,
  recordSlot: u32, maxTokens: u32, lambda: f32, _p: u32,
};
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
// map layout: w[dim] | b[dim] | a[dim] | c, pad to 4 | lo[dim] | hi[dim]   (offsets below)
@group(0) @binding(3) var<storage, read> mapv: array<f32>;
@group(0) @binding(4) var<storage, read_write> strengths: array<f32>;
@group(0) @binding(5) var<storage, read_write> rec: array<f32>;

const WG: u32 = 64u;
var<workgroup> red: array<f32, 64>;

fn zin(i: u32) -> f32 {
  if (params.mode == 0u) { return z[i]; }
  return x[i];
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tid = lid.x;
  let t = wid.x;
  let dim = params.dim;
  let row = t * dim;
  var s = 1.0;
  if (params.hasGate != 0u) {
    var d = 0.0;
    for (var j = tid; j < dim; j += WG) { d += mapv[2u * dim + j] * zin(row + j); }
    red[tid] = d;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
      if (tid < k) { red[tid] += red[tid + k]; }
      workgroupBarrier();
    }
    s = 1.0 / (1.0 + exp(-(red[0] + mapv[3u * dim])));
    if (tid == 0u) { strengths[t * params.nSlots + params.slot] = s; }
  }
  let k = params.lambda * s;
  let rangeBase = 3u * dim + 4u;
  for (var j = tid; j < dim; j += WG) {
    let v = zin(row + j);
    if (params.record != 0u) { rec[(params.recordSlot * params.maxTokens + t) * dim + j] = v; }
    var o = v;
    if (params.hasMap != 0u) {
      var inside = true;
      if (params.hasRange != 0u) { inside = v >= mapv[rangeBase + j] && v <= mapv[rangeBase + dim + j]; }
      if (inside) { o = v + k * ((mapv[j] - 1.0) * v + mapv[dim + j]); }
    }
    if (params.mode == 0u) { x[row + j] = x[row + j] + o; } else { x[row + j] = o; }
  }
}
