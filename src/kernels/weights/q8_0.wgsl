// Q8_0: blocks of 32 weights, 34 bytes: f16 d, i8 q[32]; w = d·q. Columns 2p, 2p+1 are in block p/16 at j = 2p % 32
// (j even: the scale and both quants are 16-bit reads at even offsets).
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> {
  let base = (p >> 4u) * 34u;
  let d = f16bits(wu16(row, rows, base));
  let q = wu16(row, rows, base + 2u + ((2u * p) & 31u));
  return d * vec2<f32>(sbyte(q), sbyte(q >> 8u));
}
