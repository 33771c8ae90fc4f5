// Q4_K: super-blocks of 256 weights, 144 bytes: f16 d, f16 dmin (one word), 12 bytes of 6-bit scales and mins for
// 8 sub-blocks of 32, u8 qs[128]. Weights 64i + l (l < 32) are the low nibbles of qs[32i + l] with sub-block 2i, weights
// 64i + 32 + l the high nibbles with sub-block 2i + 1; w = d·sc·q − dmin·m.
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> {
  let k = (2u * p) & 255u;
  let base = (p >> 7u) * 144u;
  let dm = unpack2x16float(wword(row, rows, base));
  let i = k >> 6u;
  let hi = (k >> 5u) & 1u;
  let s = 2u * i + hi;
  let sb = base + 4u;
  var sc: u32;
  var mn: u32;
  if (s < 4u) {
    sc = wbyte(row, rows, sb + s) & 63u;
    mn = wbyte(row, rows, sb + s + 4u) & 63u;
  } else {
    let b8 = wbyte(row, rows, sb + s + 4u);
    sc = (b8 & 15u) | ((wbyte(row, rows, sb + s - 4u) >> 6u) << 4u);
    mn = (b8 >> 4u) | ((wbyte(row, rows, sb + s) >> 6u) << 4u);
  }
  let q = wu16(row, rows, base + 16u + 32u * i + (k & 31u)) >> (4u * hi);
  return (dm.x * f32(sc)) * vec2<f32>(f32(q & 15u), f32((q >> 8u) & 15u)) - dm.y * f32(mn);
}
