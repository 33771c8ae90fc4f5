// Samples one token id from one logits row, on the GPU: temperature, top-k, top-p, a seeded counter-based uniform.
// The same rule as the CPU sampler (src/model/sampler.ts): order the vocabulary by logit (descending, lower id first
// on ties), keep the top k, weight e_i = exp((l_i − max) / temperature), keep the shortest prefix whose weight
// reaches top-p · (weight of the top k), and take the first id of that prefix at which the running weight exceeds
// u · (weight of the prefix). Nothing is sorted: each "shortest prefix with F ≥ goal" (F a count or a weight sum)
// is found by bisection over the order: first over the logit's order-preserving u32 key (32 steps), then over the id
// among equal logits (only when several ids share the boundary logit). A prefix is named by its last element
// (key K, id J): it holds the ids with key > K, or key = K and id ≤ J.
// One workgroup of WG threads per sample (workgroup_id.x = w, uniform number counter + w, result[w]); thread i reads
// logits i, i + WG, …. Every step is one reduction with one barrier: threads park partial sums in one half of
// workgroup memory, then each thread adds all WG parts in the same order (same totals everywhere, deterministic);
// the halves alternate, so the next step's writes never race this step's reads.
// result[w] has its top bit set when the row holds a NaN or ±∞ (token-word.ts), tested on the bits.
// The uniform: mulberry32 (src/model/seeded-random.ts) at call counter + w of seed, top 24 bits (exact in f32).
// Uniform structs, appended by the wrapper: SAMPLE_PARAMS (sample.ts).
@group(0) @binding(0) var<uniform> params: SampleParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> result: array<u32>;

const WG: u32 = 64u;
const ALL: u32 = 0xffffffffu;
var<workgroup> partF: array<f32, 128>;
var<workgroup> partU: array<u32, 128>;
var<workgroup> tiesFlag: u32;
var<workgroup> lastFlag: u32;
var<workgroup> nonFinite: atomic<u32>;
const EXPONENT: u32 = 0x7f800000u;

var<private> tid: u32;
var<private> parity: u32 = 0u;
/** The largest logit (weights are relative to it). */
var<private> top: f32;

/** Order-preserving key of a logit (larger logit, larger key; −0 counts as +0). */
fn okey(v: f32) -> u32 {
  let b = bitcast<u32>(select(v, 0.0, v == 0.0));
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

/** Id i with key k lies in the prefix ending at (bk, bj). */
fn within(k: u32, i: u32, bk: u32, bj: u32) -> bool {
  return k > bk || (k == bk && i <= bj);
}

fn weight(v: f32) -> f32 {
  return exp((v - top) / params.temperature);
}

fn sumAll(v: f32) -> f32 {
  let base = parity * WG;
  partF[base + tid] = v;
  workgroupBarrier();
  var s = 0.0;
  for (var i = 0u; i < WG; i++) { s += partF[base + i]; }
  parity = 1u - parity;
  return s;
}

fn maxAll(v: f32) -> f32 {
  let base = parity * WG;
  partF[base + tid] = v;
  workgroupBarrier();
  var s = partF[base];
  for (var i = 1u; i < WG; i++) { s = max(s, partF[base + i]); }
  parity = 1u - parity;
  return s;
}

/** Smallest (or, with `largest`, largest) of the threads' values. */
fn minAllU(v: u32, largest: bool) -> u32 {
  let base = parity * WG;
  partU[base + tid] = v;
  workgroupBarrier();
  var s = partU[base];
  for (var i = 1u; i < WG; i++) { s = select(min(s, partU[base + i]), max(s, partU[base + i]), largest); }
  parity = 1u - parity;
  return s;
}

/** F over the prefix (K, J) within the prefix (rk, rj) (F: the count, or the weight with useWeight). */
fn evalF(K: u32, J: u32, rk: u32, rj: u32, useWeight: bool) -> f32 {
  var c = 0.0;
  for (var i = tid; i < params.vocab; i += WG) {
    let v = logits[params.rowOffset + i];
    let k = okey(v);
    if (within(k, i, K, J) && within(k, i, rk, rj)) { c += select(1.0, weight(v), useWeight); }
  }
  return sumAll(c);
}

fn meets(f: f32, goal: f32, strict: bool) -> bool {
  return select(f >= goal, f > goal, strict);
}

/**
 * The last element (K, J) of the shortest prefix of the prefix (rk, rj) whose F meets the goal (F ≥ goal, or
 * F > goal when strict). The whole prefix (rk, rj) must meet it.
 */
fn search(rk: u32, rj: u32, useWeight: bool, goal: f32, strict: bool) -> vec2<u32> {
  // The largest key K whose ids with key ≥ K (the prefix (K, ALL)) meet the goal.
  var lo = 0u;
  var hi = ALL;
  for (var it = 0u; it < 32u; it++) {
    let d = hi - lo;
    let mid = lo + d / 2u + (d & 1u);
    if (meets(evalF(mid, ALL, rk, rj, useWeight), goal, strict)) { lo = mid; } else { hi = mid - 1u; }
  }
  let K = lo;
  // Ids at key K inside the prefix: usually one.
  var n = 0.0;
  var first = ALL;
  for (var i = tid; i < params.vocab; i += WG) {
    let k = okey(logits[params.rowOffset + i]);
    if (k == K && within(k, i, rk, rj)) {
      n += 1.0;
      first = min(first, i);
    }
  }
  n = sumAll(n);
  first = minAllU(first, false);
  if (tid == 0u) { tiesFlag = select(0u, 1u, n > 1.0); }
  var J = first;
  if (workgroupUniformLoad(&tiesFlag) != 0u) {
    // Several ids share the logit: the smallest id J whose prefix (K, J) meets the goal.
    var jl = first;
    var jh = params.vocab - 1u;
    let steps = 32u - countLeadingZeros(params.vocab);
    for (var it = 0u; it < steps; it++) {
      let mid = (jl + jh) / 2u;
      if (meets(evalF(K, mid, rk, rj, useWeight), goal, strict)) { jh = mid; } else { jl = min(mid + 1u, jh); }
    }
    J = jl;
  }
  return vec2<u32>(K, J);
}

/** mulberry32's uniform number `n` (0-based) of `seed`, top 24 bits. */
fn uniform24(seed: u32, n: u32) -> f32 {
  var t = seed + (n + 1u) * 0x6d2b79f5u;
  t = (t ^ (t >> 15u)) * (t | 1u);
  t = t ^ (t + (t ^ (t >> 7u)) * (t | 61u));
  t = t ^ (t >> 14u);
  return f32(t >> 8u) * (1.0 / 16777216.0);
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  tid = lid.x;
  var m = -3.4e38;
  for (var i = tid; i < params.vocab; i += WG) {
    let v = logits[params.rowOffset + i];
    if ((bitcast<u32>(v) & EXPONENT) == EXPONENT) { atomicOr(&nonFinite, 1u); }
    m = max(m, v);
  }
  top = maxAll(m);
  // The candidates: a prefix (rk, rj) of the order, everything to begin with.
  var rk = 0u;
  var rj = ALL;
  if (params.topK > 0u && params.topK < params.vocab) {
    let b = search(rk, rj, false, f32(params.topK), false);
    rk = b.x;
    rj = b.y;
  }
  if (params.topP < 1.0) {
    let z = evalF(0u, ALL, rk, rj, true);
    let b = search(rk, rj, true, params.topP * z, false);
    rk = b.x;
    rj = b.y;
  }
  let mass = evalF(0u, ALL, rk, rj, true);
  let goal = uniform24(params.seed, params.counter + wid.x) * mass;
  var pick = search(rk, rj, true, goal, true);
  // Rounding can leave u · mass at the whole mass: then the last candidate, as the CPU sampler does.
  if (tid == 0u) { lastFlag = select(1u, 0u, mass > goal); }
  if (workgroupUniformLoad(&lastFlag) != 0u) {
    var lowest = ALL;
    for (var i = tid; i < params.vocab; i += WG) {
      let k = okey(logits[params.rowOffset + i]);
      if (within(k, i, rk, rj)) { lowest = min(lowest, k); }
    }
    lowest = minAllU(lowest, false);
    var last = 0u;
    for (var i = tid; i < params.vocab; i += WG) {
      let k = okey(logits[params.rowOffset + i]);
      if (k == lowest && within(k, i, rk, rj)) { last = max(last, i); }
    }
    pick = vec2<u32>(lowest, minAllU(last, true));
  }
  if (tid == 0u) { result[wid.x] = pick.y | select(0u, 0x80000000u, atomicLoad(&nonFinite) != 0u); }
}
