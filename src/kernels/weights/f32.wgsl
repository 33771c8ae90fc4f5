// F32: one word a weight.
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> {
  return vec2<f32>(bitcast<f32>(W[2u * p * rows + row]), bitcast<f32>(W[(2u * p + 1u) * rows + row]));
}
