// Index of the largest logit of one row (first index on ties, like torch.argmax). One workgroup of 64: thread i scans
// i, i + 64, … (neighbouring threads read neighbouring logits), then a tree reduction in workgroup memory. 64 rather
// than 256 threads: CPU implementations (SwiftShader) pay per barrier for every 4 threads of the workgroup.
// The top bit of the result is set when the row holds a NaN or ±∞ (token-word.ts): tested on the bits, as WGSL
// compilers may assume floats are finite.
// Uniform structs, appended by the wrapper: ARGMAX_PARAMS (argmax.ts).
@group(0) @binding(0) var<uniform> params: ArgmaxParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> result: array<u32>;

const WG: u32 = 64u;
const NONE: u32 = 0xffffffffu;
const NON_FINITE: u32 = 0x80000000u;
const EXPONENT: u32 = 0x7f800000u;
var<workgroup> bestV: array<f32, 64>;
var<workgroup> bestI: array<u32, 64>;
var<workgroup> nonFinite: atomic<u32>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let tid = lid.x;
  // NONE marks a thread that saw no logit: any real logit, even −∞, wins over it (ties go to the lower index).
  var bv = 0.0;
  var bi = NONE;
  for (var i = tid; i < params.vocab; i += WG) {
    let v = logits[params.rowOffset + i];
    if ((bitcast<u32>(v) & EXPONENT) == EXPONENT) { atomicOr(&nonFinite, 1u); }
    if (bi == NONE || v > bv) { bv = v; bi = i; }
  }
  bestV[tid] = bv;
  bestI[tid] = bi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      let ov = bestV[tid + s];
      let oi = bestI[tid + s];
      let mine = bestI[tid];
      if (oi != NONE && (mine == NONE || ov > bestV[tid] || (ov == bestV[tid] && oi < mine))) { bestV[tid] = ov; bestI[tid] = oi; }
    }
    workgroupBarrier();
  }
  if (tid == 0u) { result[0] = bestI[0] | select(0u, NON_FINITE, atomicLoad(&nonFinite) != 0u); }
}
