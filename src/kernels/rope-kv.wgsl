// Rotate-half RoPE on the q and k heads of qkv[t] (position pos0 + t), q rotated in place, k and v written to
// this layer's KV cache at that position. cos/sin come from a table computed on the CPU in float64.
// One thread per rotation pair or copied value; each workgroup covers 64 of them for TOKENS tokens.
// Uniform structs, appended by the wrapper: STEP, ROPE_KV_PARAMS (rope-kv.ts); this kernel reads step.tokens, step.pos0.
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: RopeKvParams;
@group(0) @binding(2) var<storage, read_write> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> cosSin: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> kCache: array<f32>;
@group(0) @binding(5) var<storage, read_write> vCache: array<f32>;

const TOKENS: u32 = 16u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tEnd = min(step.tokens, (wid.y + 1u) * TOKENS);
  for (var t = wid.y * TOKENS; t < tEnd; t++) { one(gid.x, t); }
}

fn one(i: u32, t: u32) {
  let hd = params.headDim;
  let half = hd / 2u;
  let pos = step.pos0 + t;
  let rotations = (params.nHeads + params.nKv) * half;
  let row = t * params.qkvStride;
  if (i < rotations) {
    let head = i / half;
    let k = i % half;
    let base = row + head * hd;
    let x1 = qkv[base + k];
    let x2 = qkv[base + k + half];
    let cs = cosSin[pos * half + k];
    let o1 = x1 * cs.x - x2 * cs.y;
    let o2 = x2 * cs.x + x1 * cs.y;
    if (head < params.nHeads) {
      qkv[base + k] = o1;
      qkv[base + k + half] = o2;
    } else {
      let dst = params.layerOffset + ((head - params.nHeads) * params.maxPos + pos) * hd;
      kCache[dst + k] = o1;
      kCache[dst + k + half] = o2;
    }
  } else if (i < rotations + params.nKv * hd) {
    let j = i - rotations;
    let kvh = j / hd;
    let d = j % hd;
    vCache[params.layerOffset + (kvh * params.maxPos + pos) * hd + d] = qkv[row + (params.nHeads + params.nKv) * hd + j];
  }
}
