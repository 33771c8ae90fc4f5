// Backward of act = silu(g) · u with gu = g ‖ u per token (stride 2·inter), σ = sigmoid(g):
//   dg = dact · u · σ · (1 + g·(1 − σ))      du = dact · g · σ
// written to dgu (same layout as gu). One thread per (neuron, token).
// Uniform structs, appended by the wrapper: SILU_MUL_BACKWARD_PARAMS (silu-mul-backward.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: SiluMulBackwardParams;
@group(0) @binding(1) var<storage, read> gu: array<f32>;
@group(0) @binding(2) var<storage, read> dact: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgu: array<f32>;
@group(0) @binding(4) var<uniform> count: PackedCount;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let t = gid.y;
  let n = params.inter;
  if (j >= n || t >= count.tokens) { return; }
  let o = t * 2u * n;
  let g = gu[o + j];
  let u = gu[o + n + j];
  let sig = 1.0 / (1.0 + exp(-g));
  let da = dact[t * n + j];
  dgu[o + j] = da * u * sig * (1.0 + g * (1.0 - sig));
  dgu[o + n + j] = da * g * sig;
}
