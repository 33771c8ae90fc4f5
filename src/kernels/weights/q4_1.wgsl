// Q4_1: blocks of 32 weights, 20 bytes: f16 d, f16 m (one word), u8 qs[16] (nibbles as Q4_0); w = d·q + m.
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> {
  let base = (p >> 4u) * 20u;
  let j = (2u * p) & 31u;
  let dm = unpack2x16float(wword(row, rows, base));
  let q = wu16(row, rows, base + 4u + (j & 15u)) >> select(0u, 4u, j >= 16u);
  return dm.x * vec2<f32>(f32(q & 15u), f32((q >> 8u) & 15u)) + dm.y;
}
