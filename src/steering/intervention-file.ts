import { parseHookName, hookOrder, type HookName } from '../model/spec.ts';
import { decodeToFloat32, parseSafetensorsFile, writeSafetensors } from '../model/formats/safetensors.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { Intervention, SteeringMethod } from './intervention.ts';
import { isSteeringMethod } from './methods/registry.ts';
import { beyondNote, firstOutOfRange } from './map-limits.ts';
import { StrengthError, checkStrength } from './strength.ts';

/**
 * The playground's own intervention format (spec section 8): a JSON manifest `intervention.json`
 * plus `intervention.safetensors` with float32 tensors per hook:
 *   `<hook>.w`, `<hook>.b` [d]; with a DSAS gate `<hook>.gate.a` [d] and `<hook>.gate.c` [1];
 *   with a Linear-AcT range `<hook>.range.lo`, `<hook>.range.hi` [d].
 */
export const INTERVENTION_FORMAT = 'steerscope-intervention';
export const INTERVENTION_VERSION = 1;
export const MANIFEST_FILE_NAME = 'intervention.json';
export const TENSORS_FILE_NAME = 'intervention.safetensors';

export interface InterventionManifest {
  format: typeof INTERVENTION_FORMAT;
  version: typeof INTERVENTION_VERSION;
  modelId: string;
  method: SteeringMethod;
  /** Hook names in forward order. */
  hooks: HookName[];
  strength: number;
  dataset: { name: string; hash: string } | null;
  settings: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  created: string;
}

export interface InterventionExpectation {
  modelId?: string;
  hiddenSize?: number;
  numLayers?: number;
}


const TENSOR_SUFFIXES = ['w', 'b', 'gate.a', 'gate.c', 'range.lo', 'range.hi'] as const;
type TensorSuffix = (typeof TENSOR_SUFFIXES)[number];

export class InterventionFileError extends Error {
  override name = 'InterventionFileError';
}

/**
 * Serialises an intervention. Values are stored as float32; `gate.c` (a JS number) is rounded to
 * float32 on the way, so a round trip is bitwise exact whenever c is already a float32 value (fitDsas
 * returns it so). `created` defaults to now. Refuses non-finite values and inconsistent shapes.
 */
export function encodeIntervention(iv: Intervention): { manifest: string; tensors: Uint8Array } {
  const fail = (msg: string): never => {
    throw new InterventionFileError(`cannot save intervention: ${msg}`);
  };
  if (!isSteeringMethod(iv.method)) fail(`unknown method "${iv.method}"`);
  try {
    checkStrength(iv.strength, 'strength');
  } catch (e) {
    fail((e as StrengthError).message);
  }
  const hooks = [...iv.hooks.keys()].sort((a, b) => hookOrder(a) - hookOrder(b));
  const tensors: { name: string; dtype: 'F32'; shape: number[]; data: Float32Array }[] = [];
  let dim = -1;
  for (const hook of hooks) {
    const map = iv.hooks.get(hook) as HookMap;
    const d = map.w.length;
    if (dim < 0) dim = d;
    if (d !== dim || map.b.length !== d) fail(`hook ${hook}: w and b must have the hidden size ${dim} (w ${d}, b ${map.b.length})`);
    const add = (suffix: TensorSuffix, data: Float32Array, shape: number[]): void => {
      const bad = firstOutOfRange(data);
      if (bad >= 0) fail(`${hook}.${suffix}[${bad}] is ${data[bad]}${beyondNote(data[bad])}`);
      tensors.push({ name: `${hook}.${suffix}`, dtype: 'F32', shape, data });
    };
    add('w', map.w, [d]);
    add('b', map.b, [d]);
    if (map.gate) {
      if (map.gate.a.length !== d) fail(`hook ${hook}: gate.a has ${map.gate.a.length} values, expected ${d}`);
      add('gate.a', map.gate.a, [d]);
      add('gate.c', Float32Array.of(map.gate.c), [1]);
    }
    if (map.range) {
      if (map.range.lo.length !== d || map.range.hi.length !== d) fail(`hook ${hook}: range.lo/hi must have ${d} values`);
      add('range.lo', map.range.lo, [d]);
      add('range.hi', map.range.hi, [d]);
    }
  }
  const manifest: InterventionManifest = {
    format: INTERVENTION_FORMAT,
    version: INTERVENTION_VERSION,
    modelId: iv.modelId,
    method: iv.method,
    hooks,
    strength: iv.strength,
    dataset: iv.dataset ? { name: iv.dataset.name, hash: iv.dataset.hash } : null,
    settings: iv.settings ?? null,
    metrics: iv.metrics ?? null,
    created: iv.created ?? new Date().toISOString(),
  };
  const bytes = writeSafetensors(tensors, { format: INTERVENTION_FORMAT, version: String(INTERVENTION_VERSION) });
  return { manifest: JSON.stringify(manifest, null, 2), tensors: bytes };
}

/**
 * Reads an intervention saved by encodeIntervention, refusing (InterventionFileError) an unknown
 * format or version, a malformed manifest, a different model id, hooks outside the model, manifest
 * hooks that do not match the tensors, missing or unexpected tensors, wrong shapes or hidden size,
 * and NaN/Inf values. F16/BF16 tensors are accepted and widened to float32.
 */
export function decodeIntervention(
  manifestText: string,
  tensorBytes: Uint8Array,
  expect: InterventionExpectation = {},
): Intervention {
  const fail = (msg: string): never => {
    throw new InterventionFileError(`cannot load intervention: ${msg}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(manifestText);
  } catch (e) {
    return fail(`${MANIFEST_FILE_NAME} is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(raw)) return fail(`${MANIFEST_FILE_NAME} must be a JSON object`);
  if (raw.format !== INTERVENTION_FORMAT) {
    fail(raw.format === undefined ? `"format" is missing (expected "${INTERVENTION_FORMAT}")` : `unknown format ${JSON.stringify(raw.format)} (expected "${INTERVENTION_FORMAT}")`);
  }
  if (raw.version !== INTERVENTION_VERSION) {
    fail(raw.version === undefined ? `"version" is missing (this build reads version ${INTERVENTION_VERSION})` : `format version ${JSON.stringify(raw.version)} is not supported (this build reads version ${INTERVENTION_VERSION})`);
  }
  const modelId = raw.modelId;
  if (typeof modelId !== 'string' || !modelId) return fail('"modelId" must be a non-empty string');
  if (expect.modelId !== undefined && modelId !== expect.modelId) {
    fail(`it was made for model "${modelId}", but the loaded model is "${expect.modelId}"`);
  }
  const method = raw.method;
  if (typeof method !== 'string' || !isSteeringMethod(method)) return fail(method === undefined ? '"method" is missing' : `unknown method ${JSON.stringify(method)}`);
  if (typeof raw.strength !== 'number' || !Number.isFinite(raw.strength)) fail('"strength" must be a finite number');
  try {
    checkStrength(raw.strength, '"strength"');
  } catch (e) {
    fail((e as StrengthError).message);
  }
  if (!Array.isArray(raw.hooks) || raw.hooks.length === 0) return fail('"hooks" must be a non-empty list of hook names');
  const hooks: HookName[] = [];
  for (const h of raw.hooks as unknown[]) {
    if (typeof h !== 'string') return fail(`hook ${JSON.stringify(h)} is not a string`);
    let layer: number;
    try {
      const parsed = parseHookName(h);
      layer = parsed.layer;
      if (`${parsed.layer}.${parsed.kind}` !== h) fail(`hook name "${h}" is not canonical (write ${parsed.layer}.${parsed.kind})`);
    } catch (e) {
      return fail((e as Error).message.replace(/^cannot load intervention: /, ''));
    }
    if (expect.numLayers !== undefined && layer >= expect.numLayers) {
      fail(`hook ${h} is at layer ${layer}, but the model has ${expect.numLayers} layers (0..${expect.numLayers - 1})`);
    }
    if (hooks.includes(h as HookName)) fail(`hook ${h} is listed twice`);
    hooks.push(h as HookName);
  }
  const dataset = raw.dataset ?? null;
  if (dataset !== null && !(isRecord(dataset) && typeof dataset.name === 'string' && typeof dataset.hash === 'string')) {
    fail('"dataset" must be null or { name: string, hash: string }');
  }
  for (const key of ['settings', 'metrics'] as const) {
    if (raw[key] != null && !isRecord(raw[key])) fail(`"${key}" must be an object or null`);
  }
  if (raw.created != null && typeof raw.created !== 'string') fail('"created" must be a string');

  let header: ReturnType<typeof parseSafetensorsFile>;
  try {
    header = parseSafetensorsFile(tensorBytes, TENSORS_FILE_NAME);
  } catch (e) {
    return fail((e as Error).message);
  }
  const byHook = new Map<string, Map<TensorSuffix, string>>();
  const strays: string[] = [];
  for (const name of header.tensors.keys()) {
    const suffix = TENSOR_SUFFIXES.find((s) => name.endsWith(`.${s}`) && isHook(name.slice(0, -s.length - 1)));
    if (!suffix) {
      strays.push(name);
      continue;
    }
    const hook = name.slice(0, -suffix.length - 1);
    if (!byHook.has(hook)) byHook.set(hook, new Map());
    (byHook.get(hook) as Map<TensorSuffix, string>).set(suffix, name);
  }
  if (strays.length) fail(`${TENSORS_FILE_NAME} has unexpected tensors: ${strays.join(', ')}`);
  const notInManifest = [...byHook.keys()].filter((h) => !hooks.includes(h as HookName));
  if (notInManifest.length) fail(`${TENSORS_FILE_NAME} has tensors for hooks the manifest does not list: ${notInManifest.join(', ')}`);

  const read = (hook: HookName, suffix: TensorSuffix, shape: number[]): Float32Array => {
    const name = `${hook}.${suffix}`;
    const entry = header.tensors.get(name);
    if (!entry) return fail(`tensor ${name} is missing`);
    if (entry.shape.length !== shape.length || entry.shape.some((v, i) => v !== shape[i])) {
      fail(`tensor ${name} has shape [${entry.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    const data = decodeToFloat32(tensorBytes.subarray(entry.begin, entry.end), entry.dtype);
    const bad = firstOutOfRange(data);
    if (bad >= 0) fail(`tensor ${name} holds ${data[bad]} at index ${bad}${beyondNote(data[bad])}`);
    return data;
  };

  let dim = expect.hiddenSize ?? -1;
  const maps = new Map<HookName, HookMap>();
  for (const hook of [...hooks].sort((a, b) => hookOrder(a) - hookOrder(b))) {
    const present = byHook.get(hook);
    if (!present) return fail(`the manifest lists hook ${hook} but ${TENSORS_FILE_NAME} has no tensors for it`);
    const wEntry = header.tensors.get(`${hook}.w`);
    if (!wEntry) return fail(`tensor ${hook}.w is missing`);
    if (wEntry.shape.length !== 1) fail(`tensor ${hook}.w has shape [${wEntry.shape.join(', ')}], expected [d]`);
    const d = wEntry.shape[0];
    if (dim < 0) dim = d;
    if (d !== dim) {
      fail(
        expect.hiddenSize !== undefined
          ? `tensor ${hook}.w has ${d} values, but the model's hidden size is ${expect.hiddenSize}`
          : `hooks disagree on the hidden size: ${hook}.w has ${d} values, earlier hooks ${dim}`,
      );
    }
    const map: HookMap = { w: read(hook, 'w', [d]), b: read(hook, 'b', [d]) };
    if (present.has('gate.a') || present.has('gate.c')) {
      map.gate = { a: read(hook, 'gate.a', [d]), c: read(hook, 'gate.c', [1])[0] };
    }
    if (present.has('range.lo') || present.has('range.hi')) {
      const lo = read(hook, 'range.lo', [d]);
      const hi = read(hook, 'range.hi', [d]);
      const bad = lo.findIndex((v, j) => v > hi[j]);
      if (bad >= 0) fail(`hook ${hook}: range.lo[${bad}] = ${lo[bad]} exceeds range.hi[${bad}] = ${hi[bad]}`);
      map.range = { lo, hi };
    }
    maps.set(hook, map);
  }

  const iv: Intervention = { modelId, method: method as SteeringMethod, hooks: maps, strength: raw.strength as number };
  if (dataset) iv.dataset = { name: (dataset as { name: string }).name, hash: (dataset as { hash: string }).hash };
  if (isRecord(raw.settings)) iv.settings = raw.settings;
  if (isRecord(raw.metrics)) iv.metrics = raw.metrics;
  if (typeof raw.created === 'string') iv.created = raw.created;
  return iv;
}

function isHook(s: string): boolean {
  return /^\d+\.(attn|mlp|resid)$/.test(s);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
