// Backward of y = x · r · g with r = 1/sqrt(mean(x²) + eps) (RMSNorm, g the frozen norm weight), per token row:
//   dx[t] += r·(dy⊙g) − x·r³·(x·(dy⊙g))/dim
// (adds into dx: the residual stream's gradient). One thread per token; r is recomputed from x.
// Uniform structs, appended by the wrapper: RMSNORM_BACKWARD_PARAMS (rmsnorm-backward.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: RmsnormBackwardParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<uniform> count: PackedCount;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= count.tokens) { return; }
  let dim = params.dim;
  let o = t * dim;
  var ss = 0.0;
  var d = 0.0;
  for (var j = 0u; j < dim; j++) {
    let xv = x[o + j];
    ss += xv * xv;
    d += xv * dy[o + j] * g[j];
  }
  let r = inverseSqrt(ss / f32(dim) + params.eps);
  let c = r * r * r * d / f32(dim);
  for (var j = 0u; j < dim; j++) {
    dx[o + j] = dx[o + j] + r * dy[o + j] * g[j] - x[o + j] * c;
  }
}
