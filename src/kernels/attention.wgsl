// Causal attention of query head h for token t (position pos0 + t) over this layer's KV cache, GQA-aware.
// One workgroup per (head, token); positions are scanned in chunks of 64 with an online softmax.
struct Step { tokens: u32, pos0: u32, _a: u32, _b: u32 };
struct Params { nHeads: u32, nKv: u32, headDim: u32, qkvStride: u32, maxPos: u32, layerOffset: u32, outStride: u32, scale: f32 };
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> kCache: array<f32>;
@group(0) @binding(4) var<storage, read> vCache: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

const WG: u32 = 64u;
const MAX_HD: u32 = 256u;
var<workgroup> q: array<f32, 256>;
var<workgroup> w: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tid = lid.x;
  let h = wid.x;
  let t = wid.y;
  let hd = params.headDim;
  let kvh = h / (params.nHeads / params.nKv);
  let n = step.pos0 + t + 1u;
  let kvBase = params.layerOffset + kvh * params.maxPos * hd;

  for (var d = tid; d < hd; d += WG) { q[d] = qkv[t * params.qkvStride + h * hd + d]; }
  workgroupBarrier();

  var m = -3.0e38;
  var l = 0.0;
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var start = 0u; start < n; start += WG) {
    let p = start + tid;
    var s = -3.0e38;
    if (p < n) {
      var dotv = 0.0;
      let kb = kvBase + p * hd;
      for (var d = 0u; d < hd; d++) { dotv += q[d] * kCache[kb + d]; }
      s = dotv * params.scale;
    }
    w[tid] = s;
    workgroupBarrier();
    var cmax = -3.0e38;
    for (var i = 0u; i < WG; i++) { cmax = max(cmax, w[i]); }
    let mNew = max(m, cmax);
    let corr = exp(m - mNew);
    workgroupBarrier();
    var e = 0.0;
    if (p < n) { e = exp(s - mNew); }
    w[tid] = e;
    workgroupBarrier();
    var sum = 0.0;
    for (var i = 0u; i < WG; i++) { sum += w[i]; }
    l = l * corr + sum;
    let count = min(WG, n - start);
    for (var k = 0u; k < 4u; k++) {
      let d = tid + k * WG;
      if (d < hd) {
        var a = acc[k] * corr;
        for (var i = 0u; i < count; i++) { a += w[i] * vCache[kvBase + (start + i) * hd + d]; }
        acc[k] = a;
      }
    }
    m = mNew;
    workgroupBarrier();
  }
  for (var k = 0u; k < 4u; k++) {
    let d = tid + k * WG;
    if (d < hd) { out[t * params.outStride + h * hd + d] = acc[k] / l; }
  }
}
