// Backward of attention-packed.wgsl (causal GQA over a packed batch), probabilities recomputed from q, k and the
// forward's log-sum-exp: p_ts = exp(q_t·k_s·scale − lse_t). With dp_ts = dOut_t·v_s and δ_t = Σ_s p_ts dp_ts:
//   dq_t = Σ_s p_ts (dp_ts − δ_t) scale k_s
//   dk_s = Σ_{h in the group} Σ_{t ≥ s} p_ts (dp_ts − δ_t) scale q_t      dv_s = Σ_{h in the group} Σ_{t ≥ s} p_ts dOut_t
// written into dqkv (the qkv layout: dq | dk | dv per token; every value is written). Two entry points, no atomics
// (attention-backward.ts renames the chosen one to `main`):
//   query: one thread per (token, head): δ (kept in delta) and dq;
//   key:   one thread per (token, KV head): dk and dv, reading δ (dispatched after query).
// Uniform structs, appended by the wrapper: ATTENTION_PACKED_PARAMS (attention-packed.ts), PACKED_COUNT (count.ts).
@group(0) @binding(0) var<uniform> params: AttentionPackedParams;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> tok: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(7) var<uniform> count: PackedCount;

fn dotRows(a: u32, b: u32) -> f32 {
  var d = 0.0;
  for (var j = 0u; j < params.headDim; j++) { d += qkv[a + j] * qkv[b + j]; }
  return d;
}

fn dotOutV(o: u32, vb: u32) -> f32 {
  var d = 0.0;
  for (var j = 0u; j < params.headDim; j++) { d += dOut[o + j] * qkv[vb + j]; }
  return d;
}

@compute @workgroup_size(64)
fn query(@builtin(global_invocation_id) gid: vec3<u32>) {
  let H = params.nHeads;
  let t = gid.x / H;
  let h = gid.x % H;
  if (t >= count.tokens) { return; }
  let hd = params.headDim;
  let kvh = h / (H / params.nKv);
  let qo = t * params.qkvStride + h * hd;
  let kOff = (H + kvh) * hd;
  let vOff = (H + params.nKv + kvh) * hd;
  let oo = t * params.outStride + h * hd;
  let l = lse[t * H + h];
  let start = tok[t].z;
  var dl = 0.0;
  for (var s = start; s <= t; s++) {
    let p = exp(dotRows(qo, s * params.qkvStride + kOff) * params.scale - l);
    dl += p * dotOutV(oo, s * params.qkvStride + vOff);
  }
  delta[t * H + h] = dl;
  for (var j = 0u; j < hd; j++) { dqkv[qo + j] = 0.0; }
  for (var s = start; s <= t; s++) {
    let kb = s * params.qkvStride + kOff;
    let p = exp(dotRows(qo, kb) * params.scale - l);
    let ds = p * (dotOutV(oo, s * params.qkvStride + vOff) - dl) * params.scale;
    for (var j = 0u; j < hd; j++) { dqkv[qo + j] = dqkv[qo + j] + ds * qkv[kb + j]; }
  }
}

@compute @workgroup_size(64)
fn key(@builtin(global_invocation_id) gid: vec3<u32>) {
  let H = params.nHeads;
  let KV = params.nKv;
  let s = gid.x / KV;
  let kvh = gid.x % KV;
  if (s >= count.tokens) { return; }
  let hd = params.headDim;
  let group = H / KV;
  let kb = s * params.qkvStride + (H + kvh) * hd;
  let vb = s * params.qkvStride + (H + KV + kvh) * hd;
  for (var j = 0u; j < hd; j++) {
    dqkv[kb + j] = 0.0;
    dqkv[vb + j] = 0.0;
  }
  let end = tok[s].z + tok[s].w;
  for (var h = kvh * group; h < (kvh + 1u) * group; h++) {
    for (var t = s; t < end; t++) {
      let qo = t * params.qkvStride + h * hd;
      let oo = t * params.outStride + h * hd;
      let p = exp(dotRows(qo, kb) * params.scale - lse[t * H + h]);
      let ds = p * (dotOutV(oo, vb) - delta[t * H + h]) * params.scale;
      for (var j = 0u; j < hd; j++) {
        dqkv[kb + j] = dqkv[kb + j] + ds * qkv[qo + j];
        dqkv[vb + j] = dqkv[vb + j] + p * dOut[oo + j];
      }
    }
  }
}
