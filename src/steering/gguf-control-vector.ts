import { hookOrder, parseHookName, type HookName } from '../model/spec.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { Intervention } from './intervention.ts';
import { GgufType, ggufTensorF32, readGguf, writeGguf } from '../model/formats/gguf-io.ts';
import { beyondNote, firstOutOfRange } from './map-limits.ts';

/**
 * llama.cpp control vectors (spec section 8), GGUF v3:
 *   kv `general.architecture` = "controlvector", `controlvector.model_hint` (string, the llama.cpp
 *   architecture name such as "llama" or "qwen2"), `controlvector.layer_count` (u32, the number of
 *   direction tensors, as llama.cpp's cvector-generator and repeng write it);
 *   tensors `direction.<k>`: F32, 1-D, [hidden size].
 *
 * Index convention (llama.cpp src/llama-adapter.cpp and common/common.cpp): `direction.k` is added to
 * the residual stream at the END of decoder block k, counting blocks from 0 as the model code does
 * (`cur = ggml_add(cur, ffn_inp); cur = build_cvec(cur, il)` with il = k). So `direction.k` is exactly
 * our `{k}.resid` hook with w = 1, b = direction. `direction.0` is rejected by llama.cpp ("invalid
 * (zero) direction tensor layer index"): block 0's output cannot be steered that way.
 *
 * Export accepts the mean-shift family only: every map must have w = 1, no DSAS gate, no range mask.
 * Hooks `{k}.resid` export as `direction.k`. Hooks `{k}.mlp` export there too: in Llama/Qwen2 the
 * down_proj output is added straight to the residual stream, so adding b to it equals adding b after
 * block k (both present: summed). `{k}.attn` is refused: its shift passes through block k's MLP.
 * The strength slider is not baked in; use llama.cpp's `--control-vector-scaled file λ`.
 */
export interface ControlVector {
  modelHint: string | null;
  layerCount: number | null;
  /** Layer k (≥ 1) → direction. */
  directions: Map<number, Float32Array>;
}

export function encodeControlVector(iv: Intervention, opts: { modelHint?: string } = {}): Uint8Array {
  const fail = (msg: string): never => {
    throw new Error(`cannot export a llama.cpp control vector: ${msg}`);
  };
  const directions = new Map<number, Float32Array>();
  const hooks = [...iv.hooks.keys()].sort((a, b) => hookOrder(a) - hookOrder(b));
  if (hooks.length === 0) fail('the intervention has no hooks');
  const attn = hooks.filter((h) => parseHookName(h).kind === 'attn');
  if (attn.length) {
    fail(`llama.cpp adds control vectors to the residual stream after a block; attention hooks (${attn.join(', ')}) cannot be expressed that way. Fit on resid or mlp hooks.`);
  }
  let dim = -1;
  for (const hook of hooks) {
    const map = iv.hooks.get(hook) as HookMap;
    const { layer } = parseHookName(hook);
    if (map.gate) fail(`hook ${hook} has a DSAS gate; llama.cpp control vectors are always on`);
    if (map.range) fail(`hook ${hook} has a Linear-AcT range mask; control vectors are unconditional`);
    const notOne = map.w.findIndex((v) => v !== 1);
    if (notOne >= 0) fail(`hook ${hook} scales neurons (w[${notOne}] = ${map.w[notOne]}); only mean-shift maps (w = 1) are control vectors`);
    if (layer === 0) fail(`hook ${hook} is at layer 0, which llama.cpp never steers (direction.0 is invalid)`);
    if (dim < 0) dim = map.b.length;
    if (map.b.length !== dim) fail(`hook ${hook} has ${map.b.length} values, others ${dim}`);
    const bad = firstOutOfRange(map.b);
    if (bad >= 0) fail(`hook ${hook}: b[${bad}] is ${map.b[bad]}${beyondNote(map.b[bad])}`);
    const acc = directions.get(layer);
    if (acc) for (let j = 0; j < dim; j++) acc[j] += map.b[j]; // Float32Array: rounds to float32
    else directions.set(layer, Float32Array.from(map.b));
  }
  const layers = [...directions.keys()].sort((a, b) => a - b);
  return writeGguf(
    [
      { key: 'general.architecture', type: GgufType.STRING, value: 'controlvector' },
      { key: 'controlvector.model_hint', type: GgufType.STRING, value: opts.modelHint ?? 'llama' },
      { key: 'controlvector.layer_count', type: GgufType.UINT32, value: layers.length },
    ],
    layers.map((k) => ({ name: `direction.${k}`, dims: [dim], data: directions.get(k) as Float32Array })),
  );
}

/** Reads a control vector as llama.cpp would accept it (F32 1-D `direction.<k ≥ 1>` tensors of one size). */
export function readControlVector(bytes: Uint8Array, fileName = 'control_vector.gguf'): ControlVector {
  const file = readGguf(bytes, fileName);
  const fail = (msg: string): never => {
    throw new Error(`${fileName}: ${msg}`);
  };
  const arch = file.kv.get('general.architecture');
  if (arch && arch.value !== 'controlvector') {
    fail(`general.architecture is ${JSON.stringify(String(arch.value))}, not "controlvector" (is this a model file?)`);
  }
  const hint = file.kv.get('controlvector.model_hint');
  const count = file.kv.get('controlvector.layer_count');
  const directions = new Map<number, Float32Array>();
  let dim = -1;
  for (const t of file.tensors) {
    const m = /^direction\.(\d+)$/.exec(t.name);
    if (!m) fail(`tensor "${t.name}" is not a direction.<layer> tensor`);
    const digits = (m as RegExpExecArray)[1];
    const layer = Number(digits);
    // "direction.01" and "direction.1" name the same layer: refuse rather than let one overwrite the other.
    if (String(layer) !== digits) fail(`tensor ${t.name} writes its layer ${layer} with leading zeros; write direction.${layer}`);
    if (directions.has(layer)) fail(`layer ${layer} has two direction tensors`);
    if (layer === 0) fail('direction.0 is invalid (llama.cpp never steers the output of block 0)');
    if (t.ggmlType !== 0) fail(`tensor ${t.name} has ggml type ${t.ggmlType}; control vectors must be F32 (type 0)`);
    if (t.dims.length !== 1) fail(`tensor ${t.name} has ${t.dims.length} dimensions; control vectors are 1-D`);
    if (dim < 0) dim = t.dims[0];
    if (t.dims[0] !== dim) fail(`tensor ${t.name} has ${t.dims[0]} values, earlier directions ${dim}`);
    const data = ggufTensorF32(bytes, file, t);
    const bad = firstOutOfRange(data);
    if (bad >= 0) fail(`tensor ${t.name} holds ${data[bad]} at index ${bad}${beyondNote(data[bad])}`);
    directions.set(layer, data);
  }
  if (directions.size === 0) fail('no direction tensors');
  return {
    modelHint: hint && typeof hint.value === 'string' ? hint.value : null,
    layerCount: count && (typeof count.value === 'number' || typeof count.value === 'bigint') ? Number(count.value) : null,
    directions,
  };
}

/** A control vector as an intervention: `direction.k` → `{k}.resid` with w = 1, b = direction. */
export function decodeControlVector(
  bytes: Uint8Array,
  modelId: string,
  expect: { hiddenSize?: number; numLayers?: number } = {},
  fileName = 'control_vector.gguf',
): Intervention {
  const cv = readControlVector(bytes, fileName);
  const hooks = new Map<HookName, HookMap>();
  for (const layer of [...cv.directions.keys()].sort((a, b) => a - b)) {
    const b = cv.directions.get(layer) as Float32Array;
    if (expect.numLayers !== undefined && layer >= expect.numLayers) {
      throw new Error(`${fileName}: direction.${layer} is beyond the model's ${expect.numLayers} layers (0..${expect.numLayers - 1})`);
    }
    if (expect.hiddenSize !== undefined && b.length !== expect.hiddenSize) {
      throw new Error(`${fileName}: directions have ${b.length} values, but the model's hidden size is ${expect.hiddenSize}`);
    }
    hooks.set(`${layer}.resid`, { w: new Float32Array(b.length).fill(1), b });
  }
  return {
    modelId,
    method: 'imported',
    hooks,
    strength: 1,
    settings: { importedFrom: 'llama.cpp-control-vector', fileName, modelHint: cv.modelHint, layerCount: cv.layerCount },
  };
}
