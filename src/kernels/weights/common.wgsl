// Byte access into a weight matrix in the GPU layout (weights-access.ts): each row's file bytes as little-endian
// 32-bit words, the word grid stored transposed (word w of row r at W[w·rows + r]). Every multi-byte field the
// decoders read sits at an even byte offset of its row, so a 16-bit read never crosses a word edge.
fn wword(row: u32, rows: u32, off: u32) -> u32 { return W[(off >> 2u) * rows + row]; }
fn wu16(row: u32, rows: u32, off: u32) -> u32 { return (wword(row, rows, off) >> ((off & 2u) * 8u)) & 0xffffu; }
fn wbyte(row: u32, rows: u32, off: u32) -> u32 { return (wword(row, rows, off) >> ((off & 3u) * 8u)) & 0xffu; }
fn f16bits(bits: u32) -> f32 { return unpack2x16float(bits).x; }
/** The signed byte in the low 8 bits. */
fn sbyte(b: u32) -> f32 { return f32(bitcast<i32>(b << 24u) >> 24u); }
