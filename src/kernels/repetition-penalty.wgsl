// HF-style repetition penalty on one logits row: for every distinct earlier token id, a positive logit is divided
// by the penalty and a negative one multiplied by it.
// Uniform structs, appended by the wrapper: PENALTY_PARAMS (repetition-penalty.ts).
@group(0) @binding(0) var<uniform> params: PenaltyParams;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.count) { return; }
  let at = params.rowOffset + ids[i];
  let v = logits[at];
  logits[at] = select(v * params.penalty, v / params.penalty, v > 0.0);
}
