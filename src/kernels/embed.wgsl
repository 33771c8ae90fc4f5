// x[t, :] = E[ids[t], :] for every token t of the step. One thread per pair of features.
struct Params { dim: u32, vocab: u32, _a: u32, _b: u32 };
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> W: array<WSTORE>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let half = params.dim / 2u;
  let jp = gid.x;
  if (jp >= half) { return; }
  let t = wid.y;
  let id = min(ids[t], params.vocab - 1u);
  let w = weight2(id * half + jp);
  x[t * params.dim + 2u * jp] = w.x;
  x[t * params.dim + 2u * jp + 1u] = w.y;
}
