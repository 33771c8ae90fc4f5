// Backward of one hook for LinEAS: the steering map with its DSAS gate (λ = 1) and the hook's mean pooling.
// Forward: z' = z + s·((w − 1)⊙z + b), s = σ(aᵀz + c) (s = 1 ungated); pooled_b = mean over prompt b's tokens of z'.
// In: gin = dL/dz' from downstream (the residual stream's gradient), dpooled = dL/dpooled per prompt.
//   g(t, j)   = gin[t, j] + dpooled[b(t), j] / len(b(t))            (hasPool; the mean pooling's backward)
//   dlogit_t  = s_t(1 − s_t) Σ_j g(t, j)·((w_j − 1) z_tj + b_j)     (gated)
//   gout[t,j] = g(t, j)·(1 + s_t(w_j − 1)) + dlogit_t·a_j            (dL/dz; = g without a map)
//   grads at gradBase: w | b | a | c (+=): Σ_t s_t z_tj g(t, j), Σ_t s_t g(t, j), Σ_t dlogit_t z_tj, Σ_t dlogit_t
// dlogit_t is kept in grads[dlogitBase + t] (a scratch after the gradient blocks: 8 storage buffers, WebGPU's default).
// Sums run over every token of the batch (all prompts). Two entry points (map-backward.ts renames one to `main`):
//   dlogit (gated maps, first): one thread per token;   apply: one thread per neuron, looping over the tokens.
// Uniform structs, appended by the wrapper: MAP_BACKWARD_PARAMS (map-backward.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: MapBackwardParams;
@group(0) @binding(1) var<storage, read> gin: array<f32>;
@group(0) @binding(2) var<storage, read> z: array<f32>;
@group(0) @binding(3) var<storage, read> mapv: array<f32>;
@group(0) @binding(4) var<storage, read> strengths: array<f32>;
@group(0) @binding(5) var<storage, read> tok: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> dpooled: array<f32>;
@group(0) @binding(7) var<storage, read_write> gout: array<f32>;
@group(0) @binding(8) var<storage, read_write> grads: array<f32>;
@group(0) @binding(9) var<uniform> count: PackedCount;

fn gradAt(t: u32, j: u32) -> f32 {
  var g = gin[t * params.dim + j];
  if (params.hasPool != 0u) {
    let info = tok[t];
    g += dpooled[(params.poolSlot * params.maxPrompts + info.x) * params.dim + j] / f32(info.w);
  }
  return g;
}

fn strength(t: u32) -> f32 {
  if (params.hasGate != 0u) { return strengths[t * params.nSlots + params.slot]; }
  return 1.0;
}

@compute @workgroup_size(64)
fn dlogit(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = &gout;
  let t = gid.x;
  if (t >= count.tokens) { return; }
  let dim = params.dim;
  var r = 0.0;
  for (var j = 0u; j < dim; j++) { r += gradAt(t, j) * ((mapv[j] - 1.0) * z[t * dim + j] + mapv[dim + j]); }
  let s = strength(t);
  grads[params.dlogitBase + t] = r * s * (1.0 - s);
}

@compute @workgroup_size(64)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>) {
  let dim = params.dim;
  let j = gid.x;
  if (j >= dim) { return; }
  let hasMap = params.hasMap != 0u;
  let hasGate = params.hasGate != 0u;
  var w = 1.0;
  var a = 0.0;
  if (hasMap) { w = mapv[j]; }
  if (hasGate) { a = mapv[2u * dim + j]; }
  var gw = 0.0;
  var gb = 0.0;
  var ga = 0.0;
  var gc = 0.0;
  for (var t = 0u; t < count.tokens; t++) {
    let g = gradAt(t, j);
    var o = g;
    if (hasMap) {
      let s = strength(t);
      let zv = z[t * dim + j];
      gw += s * zv * g;
      gb += s * g;
      o = g * (1.0 + s * (w - 1.0));
      if (hasGate) {
        let dl = grads[params.dlogitBase + t];
        ga += dl * zv;
        gc += dl;
        o += dl * a;
      }
    }
    gout[t * dim + j] = o;
  }
  if (hasMap) {
    let base = params.gradBase;
    grads[base + j] = grads[base + j] + gw;
    grads[base + dim + j] = grads[base + dim + j] + gb;
    if (hasGate) {
      grads[base + 2u * dim + j] = grads[base + 2u * dim + j] + ga;
      if (j == 0u) { grads[base + 3u * dim] = grads[base + 3u * dim] + gc; }
    }
  }
}
