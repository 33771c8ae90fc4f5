// Causal GQA attention over a packed batch of prompts, for the LinEAS tape: token t attends to the tokens of its own
// prompt up to itself (tok[t].z = the prompt's first token, tok[t].w its length). q and k are already rotated.
//   out[t, h] = Σ_s p_ts v_s,   p_ts = softmax_s(q_t·k_s·scale),   lse[t·H + h] = log Σ_s exp(q_t·k_s·scale)
// lse lets the backward recompute p without storing T×T probabilities. One thread per (token, head).
// Uniform structs, appended by the wrapper: ATTENTION_PACKED_PARAMS (attention-packed.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: AttentionPackedParams;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> tok: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<uniform> count: PackedCount;

fn score(t: u32, s: u32, qo: u32, kOff: u32) -> f32 {
  let hd = params.headDim;
  let kb = s * params.qkvStride + kOff;
  var d = 0.0;
  for (var j = 0u; j < hd; j++) { d += qkv[qo + j] * qkv[kb + j]; }
  return d * params.scale;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let H = params.nHeads;
  let t = gid.x / H;
  let h = gid.x % H;
  if (t >= count.tokens) { return; }
  let hd = params.headDim;
  let kvh = h / (H / params.nKv);
  let qo = t * params.qkvStride + h * hd;
  let kOff = (H + kvh) * hd;
  let vOff = (H + params.nKv + kvh) * hd;
  let start = tok[t].z;
  var m = -3.0e38;
  for (var s = start; s <= t; s++) { m = max(m, score(t, s, qo, kOff)); }
  let oo = t * params.outStride + h * hd;
  for (var j = 0u; j < hd; j++) { out[oo + j] = 0.0; }
  var sum = 0.0;
  for (var s = start; s <= t; s++) {
    let p = exp(score(t, s, qo, kOff) - m);
    sum += p;
    let vb = s * params.qkvStride + vOff;
    for (var j = 0u; j < hd; j++) { out[oo + j] = out[oo + j] + p * qkv[vb + j]; }
  }
  let inv = 1.0 / sum;
  for (var j = 0u; j < hd; j++) { out[oo + j] = out[oo + j] * inv; }
  lse[t * H + h] = m + log(sum);
}
