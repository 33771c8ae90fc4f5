// Q4_0: blocks of 32 weights, 18 bytes: f16 d, u8 qs[16]; weight j < 16 is the low nibble of qs[j], weight j + 16 the
// high nibble; w = d·(q − 8).
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> {
  let base = (p >> 4u) * 18u;
  let j = (2u * p) & 31u;
  let d = f16bits(wu16(row, rows, base));
  let q = wu16(row, rows, base + 2u + (j & 15u)) >> select(0u, 4u, j >= 16u);
  return d * (vec2<f32>(f32(q & 15u), f32((q >> 8u) & 15u)) - 8.0);
}
