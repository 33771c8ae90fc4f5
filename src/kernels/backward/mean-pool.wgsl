// Mean pooling of one hook over each prompt of a packed batch, after the hook's own steering map (λ = 1):
//   pooled[(poolSlot·maxPrompts + b)·dim + j] = (1/len_b) Σ_{t in prompt b} z'(t, j),
//   z' = z + s·((w − 1)⊙z + b) with s = strengths[t·nSlots + slot] when gated, else 1; z' = z without a map.
// prompts[b] = (first token, length). map layout: w | b | a | c (map-forward.ts packTrainMap). One thread per (neuron, prompt).
// Uniform structs, appended by the wrapper: MEAN_POOL_PARAMS (mean-pool.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: MeanPoolParams;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> mapv: array<f32>;
@group(0) @binding(3) var<storage, read> strengths: array<f32>;
@group(0) @binding(4) var<storage, read> prompts: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read_write> pooled: array<f32>;
@group(0) @binding(6) var<uniform> count: PackedCount;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let dim = params.dim;
  let j = gid.x;
  let b = gid.y;
  if (j >= dim || b >= count.prompts) { return; }
  let seg = prompts[b];
  var w = 1.0;
  var bias = 0.0;
  if (params.hasMap != 0u) {
    w = mapv[j];
    bias = mapv[dim + j];
  }
  var acc = 0.0;
  for (var t = seg.x; t < seg.x + seg.y; t++) {
    let v = z[t * dim + j];
    var o = v;
    if (params.hasMap != 0u) {
      var s = 1.0;
      if (params.hasGate != 0u) { s = strengths[t * params.nSlots + params.slot]; }
      o = v + s * ((w - 1.0) * v + bias);
    }
    acc += o;
  }
  pooled[(params.poolSlot * params.maxPrompts + b) * dim + j] = acc / f32(seg.y);
}
