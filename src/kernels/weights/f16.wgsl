// F16: two weights a word, column 2p in the low half (no shader-f16 needed).
fn weight2(p: u32, row: u32, rows: u32) -> vec2<f32> { return unpack2x16float(W[p * rows + row]); }
