import { hookOrder, parseHookName, type HookName } from '../model/spec.ts';
import { decodeToFloat32, parseSafetensorsFile } from '../model/formats/safetensors.ts';
import type { HookMap } from '../core/steer-map.ts';
import type { Intervention } from './intervention.ts';
import { beyondNote, firstOutOfRange } from './map-limits.ts';

/** Module name → hook. A record is consulted before the default map; a function replaces it. */
export type TorchModuleMap = Record<string, HookName> | ((module: string) => HookName | undefined);

export interface ImportTorchOptions {
  modelId: string;
  moduleMap?: TorchModuleMap;
  fileName?: string;
  expect?: { hiddenSize?: number; numLayers?: number };
}

/**
 * Default names of the PyTorch reference (Hugging Face Llama / Qwen2 module paths):
 * `model.layers.{i}.self_attn.o_proj` → `{i}.attn`, `model.layers.{i}.mlp.down_proj` → `{i}.mlp`,
 * `model.layers.{i}` → `{i}.resid`.
 */
export function defaultTorchModuleToHook(module: string): HookName | undefined {
  const m = /^model\.layers\.(\d+)(\.self_attn\.o_proj|\.mlp\.down_proj)?$/.exec(module);
  if (!m) return undefined;
  const layer = Number(m[1]);
  if (m[2] === '.self_attn.o_proj') return `${layer}.attn`;
  if (m[2] === '.mlp.down_proj') return `${layer}.mlp`;
  return `${layer}.resid`;
}

/**
 * Imports a PyTorch-reference export: a safetensors file with `<module>.w1` and `<module>.b1` per
 * hooked module, shaped [1, d] (a plain [d] is accepted too), any of F32/F16/BF16.
 * A module with only `b1` gets w = 1; with only `w1`, b = 0. Refuses unknown modules (listing them),
 * other tensor names, two modules on one hook, mismatched sizes and non-finite values.
 */
export function importTorchIntervention(bytes: Uint8Array, opts: ImportTorchOptions): Intervention {
  const fileName = opts.fileName ?? 'intervention.safetensors';
  const fail = (msg: string): never => {
    throw new Error(`cannot import ${fileName}: ${msg}`);
  };
  const lookup = resolveMap(opts.moduleMap);
  let header: ReturnType<typeof parseSafetensorsFile>;
  try {
    header = parseSafetensorsFile(bytes, fileName);
  } catch (e) {
    return fail((e as Error).message);
  }

  const modules = new Map<string, { w1?: string; b1?: string }>();
  const strays: string[] = [];
  for (const name of header.tensors.keys()) {
    const m = /^(.+)\.(w1|b1)$/.exec(name);
    if (!m) {
      strays.push(name);
      continue;
    }
    const entry = modules.get(m[1]) ?? {};
    entry[m[2] as 'w1' | 'b1'] = name;
    modules.set(m[1], entry);
  }
  if (strays.length) fail(`tensors that are not <module>.w1 / <module>.b1: ${strays.join(', ')}`);
  if (modules.size === 0) fail('no <module>.w1 / <module>.b1 tensors found');

  const unknown = [...modules.keys()].filter((mod) => lookup(mod) === undefined);
  if (unknown.length) fail(`no hook for module(s) ${unknown.join(', ')} (pass a moduleMap)`);

  const read = (name: string): Float32Array => {
    const e = header.tensors.get(name);
    if (!e) return fail(`tensor ${name} is missing`);
    const ok = (e.shape.length === 2 && e.shape[0] === 1) || e.shape.length === 1;
    if (!ok) fail(`tensor ${name} has shape [${e.shape.join(', ')}], expected [1, d]`);
    const data = decodeToFloat32(bytes.subarray(e.begin, e.end), e.dtype);
    const bad = firstOutOfRange(data);
    if (bad >= 0) fail(`tensor ${name} holds ${data[bad]} at index ${bad}${beyondNote(data[bad])}`);
    return data;
  };

  const hooks = new Map<HookName, HookMap>();
  const origin = new Map<HookName, string>();
  let dim = opts.expect?.hiddenSize ?? -1;
  for (const [mod, names] of modules) {
    const hook = lookup(mod) as HookName;
    if (origin.has(hook)) fail(`modules ${origin.get(hook)} and ${mod} both map to hook ${hook}`);
    let layer = 0;
    try {
      layer = parseHookName(hook).layer;
    } catch (e) {
      fail(`module ${mod}: ${(e as Error).message}`);
    }
    const numLayers = opts.expect?.numLayers;
    if (numLayers !== undefined && layer >= numLayers) fail(`module ${mod} maps to ${hook}, beyond the model's ${numLayers} layers`);
    const w1 = names.w1 ? read(names.w1) : undefined;
    const b1 = names.b1 ? read(names.b1) : undefined;
    const d = (w1 ?? (b1 as Float32Array)).length;
    if (w1 && b1 && w1.length !== b1.length) fail(`module ${mod}: w1 has ${w1.length} values but b1 has ${b1.length}`);
    if (dim < 0) dim = d;
    if (d !== dim) fail(`module ${mod} has ${d} values per tensor, expected ${dim}`);
    hooks.set(hook, { w: w1 ?? new Float32Array(d).fill(1), b: b1 ?? new Float32Array(d) });
    origin.set(hook, mod);
  }
  const ordered = new Map([...hooks].sort(([a], [b]) => hookOrder(a) - hookOrder(b)));
  return {
    modelId: opts.modelId,
    method: 'imported',
    hooks: ordered,
    strength: 1,
    settings: { importedFrom: 'pytorch-reference', fileName, modules: Object.fromEntries(origin) },
  };
}

function resolveMap(map: TorchModuleMap | undefined): (module: string) => HookName | undefined {
  if (typeof map === 'function') return map;
  if (map) return (module) => (Object.hasOwn(map, module) ? map[module] : defaultTorchModuleToHook(module));
  return defaultTorchModuleToHook;
}
