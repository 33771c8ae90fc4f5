// One hook on every token of the step: the steering map with optional DSAS gate, then the residual update.
//   mode 0 (attn/mlp hooks): x[t] += z'(z[t])     mode 1 (resid hook): x[t] = z'(x[t])
//   z' = z + λ·s·((w − 1)⊙z + b),  s = σ(aᵀz + c) when gated, else 1; neurons outside [lo, hi] pass when ranged.
// With hasMap = 0 it is the plain residual add. Gate values go to strengths[t·nSlots + slot];
// with record = 1 the pre-map activation goes to rec[(recordSlot·maxTokens + t)·dim + j].
// One dispatch per hook, two entry points (steer-residual.ts renames the chosen one to `main`):
//   perToken (decode on GPUs): one workgroup of WG threads per token (workgroup_id.x = t): thread i owns neurons
//     i, i + WG, …; when gated, each thread parks its part of aᵀz in workgroup memory, one barrier, and every thread
//     adds the WG parts in the same order (so all threads hold the same s, no second barrier); then each thread maps
//     and writes its neurons. An ungated hook has no barrier (hasGate is uniform).
//   perThread (prefill, and decode on CPU implementations): one thread per token does the whole row (gate, then map), no workgroup memory or barrier:
//     many tokens give the parallelism, and CPU implementations of WebGPU pay for every barrier of every workgroup.
// Uniform structs, appended by the wrapper: STEER_PARAMS (steer-residual.ts), TOKEN_COUNT (token-count.ts).
@group(0) @binding(0) var<uniform> params: SteerParams;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
// map layout: w[dim] | b[dim] | a[dim] | c, pad to 4 | lo[dim] | hi[dim]   (offsets below)
@group(0) @binding(3) var<storage, read> mapv: array<f32>;
@group(0) @binding(4) var<storage, read_write> strengths: array<f32>;
@group(0) @binding(5) var<storage, read_write> rec: array<f32>;
@group(0) @binding(6) var<uniform> count: TokenCount;

const WG: u32 = 64u;
var<workgroup> parts: array<f32, 64>;

fn zin(i: u32) -> f32 {
  if (params.mode == 0u) { return z[i]; }
  return x[i];
}

// Neuron j of token t: record the pre-map value, map it with k = λ·s, write the residual update.
fn steerNeuron(t: u32, j: u32, k: f32) {
  let dim = params.dim;
  let at = t * dim + j;
  let v = zin(at);
  if (params.record != 0u) { rec[(params.recordSlot * params.maxTokens + t) * dim + j] = v; }
  var o = v;
  if (params.hasMap != 0u) {
    let rangeBase = 3u * dim + 4u;
    let inside = params.hasRange == 0u || (v >= mapv[rangeBase + j] && v <= mapv[rangeBase + dim + j]);
    if (inside) { o = v + k * ((mapv[j] - 1.0) * v + mapv[dim + j]); }
  }
  if (params.mode == 0u) { x[at] = x[at] + o; } else { x[at] = o; }
}

@compute @workgroup_size(64)
fn perThread(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = &parts;
  let t = gid.x;
  if (t >= count.tokens) { return; }
  let dim = params.dim;
  let row = t * dim;
  var s = 1.0;
  if (params.hasGate != 0u) {
    var d = mapv[3u * dim];
    for (var j = 0u; j < dim; j++) { d += mapv[2u * dim + j] * zin(row + j); }
    s = 1.0 / (1.0 + exp(-d));
    strengths[t * params.nSlots + params.slot] = s;
  }
  let k = params.lambda * s;
  for (var j = 0u; j < dim; j++) { steerNeuron(t, j, k); }
}

@compute @workgroup_size(64)
fn perToken(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.x;
  let tid = lid.x;
  let dim = params.dim;
  let row = t * dim;
  let live = t < count.tokens;
  var s = 1.0;
  if (params.hasGate != 0u) {
    var d = 0.0;
    if (live) {
      for (var j = tid; j < dim; j += WG) { d += mapv[2u * dim + j] * zin(row + j); }
    }
    parts[tid] = d;
    workgroupBarrier();
    var sum = mapv[3u * dim];
    for (var i = 0u; i < WG; i++) { sum += parts[i]; }
    s = 1.0 / (1.0 + exp(-sum));
    if (live && tid == 0u) { strengths[t * params.nSlots + params.slot] = s; }
  }
  if (!live) { return; }
  let k = params.lambda * s;
  for (var j = tid; j < dim; j += WG) { steerNeuron(t, j, k); }
}
