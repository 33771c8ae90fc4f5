// Q6_K: super-blocks of 256 weights, 210 bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), i8 scales[16] (one per
// 16 weights), f16 d. Half h (128 weights), quarter t, lane l < 32: weight 128h + 32t + l has its low bits in the
// nibble t / 2 of ql[64h + 32(t % 2) + l], its high bits at 2t of qh[32h + l], scale scales[8h + l / 16 + 2t];
// w = d·scale·(q − 32).
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> {
  let k = (2u * p) & 255u;
  let base = (p >> 7u) * 210u;
  let h = k >> 7u;
  let t = (k >> 5u) & 3u;
  let l = k & 31u;
  let ql = wu16(row, rows, base + 64u * h + 32u * (t & 1u) + l) >> (4u * (t >> 1u));
  let qh = wu16(row, rows, base + 128u + 32u * h + l) >> (2u * t);
  let q0 = (ql & 15u) | ((qh & 3u) << 4u);
  let q1 = ((ql >> 8u) & 15u) | (((qh >> 8u) & 3u) << 4u);
  let sc = sbyte(wbyte(row, rows, base + 192u + 8u * h + (l >> 4u) + 2u * t));
  let d = f16bits(wu16(row, rows, base + 208u));
  return (d * sc) * (vec2<f32>(f32(q0), f32(q1)) - 32.0);
}
