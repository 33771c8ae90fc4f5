// x[t, :] = E[ids[t], :] for the tokens t < count.tokens. E is in the GPU weight layout (weights-access.ts): one row
// segment of the embedding, rows rowOffset..rowOffset + rows of vocab; a token whose row is in another segment is
// left to that segment's dispatch (ids past the vocabulary read its last row). One thread per pair of features; each
// workgroup covers 64 pairs of TOKENS tokens.
// Uniform structs, appended by the wrapper: EMBED_PARAMS (embed.ts), TOKEN_COUNT (token-count.ts).
@group(0) @binding(0) var<uniform> params: EmbedParams;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> W: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<uniform> count: TokenCount;

const TOKENS: u32 = 16u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let half = params.dim / 2u;
  let jp = gid.x;
  if (jp >= half) { return; }
  let tEnd = min(count.tokens, (wid.y + 1u) * TOKENS);
  for (var t = wid.y * TOKENS; t < tEnd; t++) {
    let id = min(ids[t], params.vocab - 1u);
    if (id < params.rowOffset || id >= params.rowOffset + params.rows) { continue; }
    let w = weight2(jp, id - params.rowOffset, params.rows);
    x[t * params.dim + 2u * jp] = w.x;
    x[t * params.dim + 2u * jp + 1u] = w.y;
  }
}
