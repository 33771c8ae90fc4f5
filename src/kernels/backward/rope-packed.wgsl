// Rotate-half RoPE, in place, on the q and k heads of qkv[t] for a packed batch of prompts: token t sits at position
// tok[t].y of its prompt. sign = +1 is the forward rotation; sign = −1 the inverse rotation, which is the transpose,
// i.e. the backward (dq, dk after the rotation → before it). cos/sin come from rope-kv.ts's float64 table.
// One thread per (rotation pair, token).
// Uniform structs, appended by the wrapper: ROPE_PACKED_PARAMS (rope-packed.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: RopePackedParams;
@group(0) @binding(1) var<storage, read_write> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> cosSin: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> tok: array<vec4<u32>>;
@group(0) @binding(4) var<uniform> count: PackedCount;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.y;
  let half = params.headDim / 2u;
  let i = gid.x;
  if (t >= count.tokens || i >= (params.nHeads + params.nKv) * half) { return; }
  let head = i / half;
  let k = i % half;
  let base = t * params.qkvStride + head * params.headDim;
  let cs = cosSin[tok[t].y * half + k];
  let sn = params.sign * cs.y;
  let x1 = qkv[base + k];
  let x2 = qkv[base + k + half];
  qkv[base + k] = x1 * cs.x - x2 * sn;
  qkv[base + k + half] = x2 * cs.x + x1 * sn;
}
