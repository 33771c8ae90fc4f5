// One trained hook of the LinEAS tape forward (λ = 1), reading the pre-map activation z (kept for the backward):
//   mode 0 (attn/mlp hooks): x[t] += z'(z[t])      mode 1 (resid hook): x[t] = z'(z[t])  (z: a copy of the stream)
//   z' = z + s·((w − 1)⊙z + b), s = σ(aᵀz + c) when gated (stored at strengths[t·nSlots + slot]), else 1;
//   hasMap = 0: z' = z (a hook that is only pooled).
// map layout: w | b | a | c (map-backward.ts packTrainMap). Two entry points (map-forward.ts renames one to `main`):
//   gate (gated maps, first): one thread per token;   apply: one thread per (neuron, token).
// Uniform structs, appended by the wrapper: MAP_FORWARD_PARAMS (map-forward.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: MapForwardParams;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read> mapv: array<f32>;
@group(0) @binding(4) var<storage, read_write> strengths: array<f32>;
@group(0) @binding(5) var<uniform> count: PackedCount;

@compute @workgroup_size(64)
fn gate(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = &x;
  let t = gid.x;
  if (t >= count.tokens) { return; }
  let dim = params.dim;
  var d = mapv[3u * dim];
  for (var j = 0u; j < dim; j++) { d += mapv[2u * dim + j] * z[t * dim + j]; }
  strengths[t * params.nSlots + params.slot] = 1.0 / (1.0 + exp(-d));
}

@compute @workgroup_size(64)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>) {
  let dim = params.dim;
  let j = gid.x;
  let t = gid.y;
  if (j >= dim || t >= count.tokens) { return; }
  let at = t * dim + j;
  let v = z[at];
  var o = v;
  if (params.hasMap != 0u) {
    var s = 1.0;
    if (params.hasGate != 0u) { s = strengths[t * params.nSlots + params.slot]; }
    o = v + s * ((mapv[j] - 1.0) * v + mapv[dim + j]);
  }
  if (params.mode == 0u) { x[at] = x[at] + o; } else { x[at] = o; }
}
