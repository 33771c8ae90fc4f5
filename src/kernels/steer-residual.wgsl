// One hook on every token of the step: the steering map with optional DSAS gate, then the residual update.
//   mode 0 (attn/mlp hooks): x[t] += z'(z[t])     mode 1 (resid hook): x[t] = z'(x[t])
//   z' = z + λ·s·((w − 1)⊙z + b),  s = σ(aᵀz + c) when gated, else 1; neurons outside [lo, hi] pass when ranged.
// With hasMap = 0 it is the plain residual add. Gate values go to strengths[t·nSlots + slot];
// with record = 1 the pre-map activation goes to rec[(recordSlot·maxTokens + t)·dim + j].
// Two entry points, no workgroup memory or barriers (steer-residual.ts renames the chosen one to `main`):
//   gate  (gated hooks only, dispatched first): one thread per token computes s and stores it in strengths;
//   apply: one thread per neuron j, looping over TOKENS tokens; reads s back from strengths when gated.
struct Params {
  dim: u32, mode: u32, hasMap: u32, hasGate: u32,
  hasRange: u32, record: u32, slot: u32, nSlots: u32,
  recordSlot: u32, maxTokens: u32, lambda: f32, _p: u32,
};
struct Count { tokens: u32, _a: u32, _b: u32, _c: u32 };
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
// map layout: w[dim] | b[dim] | a[dim] | c, pad to 4 | lo[dim] | hi[dim]   (offsets below)
@group(0) @binding(3) var<storage, read> mapv: array<f32>;
@group(0) @binding(4) var<storage, read_write> strengths: array<f32>;
@group(0) @binding(5) var<storage, read_write> rec: array<f32>;
@group(0) @binding(6) var<uniform> count: Count;

const TOKENS: u32 = 16u;

fn zin(i: u32) -> f32 {
  if (params.mode == 0u) { return z[i]; }
  return x[i];
}

@compute @workgroup_size(64)
fn gate(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = &rec; // same bind group layout as `apply`
  let t = gid.x;
  if (t >= count.tokens) { return; }
  let dim = params.dim;
  let row = t * dim;
  var d = 0.0;
  for (var j = 0u; j < dim; j++) { d += mapv[2u * dim + j] * zin(row + j); }
  strengths[t * params.nSlots + params.slot] = 1.0 / (1.0 + exp(-(d + mapv[3u * dim])));
}

@compute @workgroup_size(64)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let dim = params.dim;
  let j = gid.x;
  if (j >= dim) { return; }
  let rangeBase = 3u * dim + 4u;
  var w = 1.0;
  var b = 0.0;
  var lo = 0.0;
  var hi = 0.0;
  if (params.hasMap != 0u) {
    w = mapv[j];
    b = mapv[dim + j];
    if (params.hasRange != 0u) { lo = mapv[rangeBase + j]; hi = mapv[rangeBase + dim + j]; }
  }
  let tEnd = min(count.tokens, (wid.y + 1u) * TOKENS);
  for (var t = wid.y * TOKENS; t < tEnd; t++) {
    let at = t * dim + j;
    let v = zin(at);
    if (params.record != 0u) { rec[(params.recordSlot * params.maxTokens + t) * dim + j] = v; }
    var o = v;
    if (params.hasMap != 0u) {
      var s = 1.0;
      if (params.hasGate != 0u) { s = strengths[t * params.nSlots + params.slot]; }
      let inside = params.hasRange == 0u || (v >= lo && v <= hi);
      if (inside) { o = v + params.lambda * s * ((w - 1.0) * v + b); }
    }
    if (params.mode == 0u) { x[at] = x[at] + o; } else { x[at] = o; }
  }
}
