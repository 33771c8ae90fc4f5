// Causal attention of every query head h of every token t (position pos0 + t) over this layer's KV cache, GQA-aware,
// without workgroup memory or barriers. Positions 0 .. pos0 + T − 1 are split into step.chunks chunks:
//   partial: one thread per (token, head, chunk) runs an online softmax over its chunk's positions (≤ pos0 + t),
//            keeping the weighted sum of values in registers. With one chunk it writes the output directly;
//            otherwise it writes (max, sum) and the unnormalised sum to `part`.
//   combine: (only with several chunks) one thread per output value merges the chunks' partial results.
// Thread index of `partial`: (c·H + h)·T + t, so neighbouring threads are neighbouring tokens of one head and read
// the same K/V rows (one broadcast load on SwiftShader, one transaction on GPUs); the chunks give decode (T = 1)
// its parallelism. matmul-style unrolling is not needed: HD4 (head dim / 4) is a compile-time constant.
// part layout: stats (max, sum) at 2·i, then sums at 2·N + i·hd + d, for i = thread index, N = T·H·chunks.
// Uniform structs, appended by the wrapper: ATTENTION_PARAMS (attention.ts), STEP (rope-kv.ts).
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: AttentionParams;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> kCache: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> vCache: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;

const HD4: u32 = HD4_VALUE;
const HD: u32 = 4u * HD4;

@compute @workgroup_size(64)
fn partial(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = step.tokens;
  let H = params.nHeads;
  let C = step.chunks;
  let i = gid.x;
  if (i >= T * H * C) { return; }
  let t = i % T;
  let h = (i / T) % H;
  let c = i / (T * H);
  let perChunk = (step.pos0 + T + C - 1u) / C;
  let pStart = c * perChunk;
  let pEnd = min(step.pos0 + t + 1u, pStart + perChunk);
  let kvh = h / (H / params.nKv);
  let kvBase = (params.layerOffset + kvh * params.maxPos * HD) / 4u;
  let qBase = t * params.qkvStride + h * HD;

  var q: array<vec4<f32>, HD4>;
  for (var d = 0u; d < HD4; d++) {
    q[d] = vec4<f32>(qkv[qBase + 4u * d], qkv[qBase + 4u * d + 1u], qkv[qBase + 4u * d + 2u], qkv[qBase + 4u * d + 3u]);
  }
  var acc: array<vec4<f32>, HD4>;
  var m = -3.0e38;
  var l = 0.0;
  // Four positions per step: one rescale of the running sums per step instead of per position. Slots past pEnd
  // read position pEnd − 1 again and get weight 0.
  for (var p = pStart; p < pEnd; p += 4u) {
    let last = pEnd - 1u;
    let k0 = kvBase + p * HD4;
    let k1 = kvBase + min(p + 1u, last) * HD4;
    let k2 = kvBase + min(p + 2u, last) * HD4;
    let k3 = kvBase + min(p + 3u, last) * HD4;
    var s = vec4<f32>(0.0);
    for (var d = 0u; d < HD4; d++) {
      s += vec4<f32>(dot(q[d], kCache[k0 + d]), dot(q[d], kCache[k1 + d]), dot(q[d], kCache[k2 + d]), dot(q[d], kCache[k3 + d]));
    }
    s = select(vec4<f32>(-3.0e38), s * params.scale, vec4<u32>(p, p + 1u, p + 2u, p + 3u) < vec4<u32>(pEnd));
    let mNew = max(m, max(max(s.x, s.y), max(s.z, s.w)));
    let corr = exp(m - mNew);
    let e = select(vec4<f32>(0.0), exp(s - mNew), vec4<u32>(p, p + 1u, p + 2u, p + 3u) < vec4<u32>(pEnd));
    l = l * corr + (e.x + e.y) + (e.z + e.w);
    for (var d = 0u; d < HD4; d++) {
      acc[d] = acc[d] * corr + e.x * vCache[k0 + d] + e.y * vCache[k1 + d] + e.z * vCache[k2 + d] + e.w * vCache[k3 + d];
    }
    m = mNew;
  }

  if (C == 1u) {
    let o = t * params.outStride + h * HD;
    for (var d = 0u; d < HD4; d++) {
      let v = acc[d] / l;
      out[o + 4u * d] = v.x;
      out[o + 4u * d + 1u] = v.y;
      out[o + 4u * d + 2u] = v.z;
      out[o + 4u * d + 3u] = v.w;
    }
    return;
  }
  part[2u * i] = m;
  part[2u * i + 1u] = l;
  let a = 2u * T * H * C + i * HD;
  for (var d = 0u; d < HD4; d++) {
    part[a + 4u * d] = acc[d].x;
    part[a + 4u * d + 1u] = acc[d].y;
    part[a + 4u * d + 2u] = acc[d].z;
    part[a + 4u * d + 3u] = acc[d].w;
  }
}

@compute @workgroup_size(64)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = &qkv; // same bind group layout as `partial`
  _ = &kCache;
  _ = &vCache;
  let T = step.tokens;
  let H = params.nHeads;
  let C = step.chunks;
  let i = gid.x;
  if (i >= T * H * HD) { return; }
  let d = i % HD;
  let h = (i / HD) % H;
  let t = i / (HD * H);
  var mMax = -3.0e38;
  for (var c = 0u; c < C; c++) { mMax = max(mMax, part[2u * ((c * H + h) * T + t)]); }
  var l = 0.0;
  var a = 0.0;
  for (var c = 0u; c < C; c++) {
    let j = (c * H + h) * T + t;
    let w = exp(part[2u * j] - mMax);
    l += part[2u * j + 1u] * w;
    a += part[2u * T * H * C + j * HD + d] * w;
  }
  out[t * params.outStride + h * HD + d] = a / l;
}
