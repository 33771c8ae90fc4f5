// BF16: two weights a word; widening is exact (the bf16 bits are the high half of the f32's).
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> {
  let w = W[p * rows + row];
  return vec2<f32>(bitcast<f32>(w << 16u), bitcast<f32>(w & 0xffff0000u));
}
