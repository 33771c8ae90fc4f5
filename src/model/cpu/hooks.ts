import { parseHookName, type HookName, type ModelSpec } from '../spec.ts';
import { steerInPlace, type HookMap } from '../../core/steer-map.ts';

/** Steering for the CPU forward pass: spec section 2 at every processed position. */
export interface CpuSteering {
  maps: Map<HookName, HookMap>;
  lambda: number;
  /** Use the DSAS gates of maps that carry one (default true); false means s ≡ 1. */
  useGate?: boolean;
}

/** Records and steers the activations arriving at hook points during one CPU forward call. */
export class CpuHookRunner {
  readonly recorded = new Map<HookName, Float64Array[]>();
  readonly strengths = new Map<HookName, number[]>();
  private readonly maps: Map<HookName, HookMap>;
  private readonly lambda: number;
  private readonly useGate: boolean;

  constructor(spec: ModelSpec, steering: CpuSteering | undefined, record: Iterable<HookName> | undefined) {
    this.maps = steering?.maps ?? new Map();
    this.lambda = steering?.lambda ?? 0;
    this.useGate = steering?.useGate ?? true;
    for (const [name, map] of this.maps) {
      checkHook(spec, name);
      checkMap(name, map, spec.hiddenSize);
      if (map.gate && this.useGate) this.strengths.set(name, []);
    }
    for (const name of record ?? []) {
      checkHook(spec, name);
      this.recorded.set(name, []);
    }
  }

  /** Record `z` (pre-map) if asked, then apply the hook's map in place if it has one. */
  at(name: HookName, z: Float64Array): void {
    this.recorded.get(name)?.push(Float64Array.from(z));
    const map = this.maps.get(name);
    if (!map) return;
    const s = steerInPlace(z, map, this.lambda, this.useGate);
    this.strengths.get(name)?.push(s);
  }
}

function checkHook(spec: ModelSpec, name: string): void {
  const { layer } = parseHookName(name);
  if (layer >= spec.numLayers) throw new Error(`hook "${name}": the model has ${spec.numLayers} layers`);
}

function checkMap(name: string, map: HookMap, d: number): void {
  const parts: [string, Float32Array | undefined][] = [
    ['w', map.w],
    ['b', map.b],
    ['gate.a', map.gate?.a],
    ['range.lo', map.range?.lo],
    ['range.hi', map.range?.hi],
  ];
  for (const [part, v] of parts) {
    if (v && v.length !== d) throw new Error(`hook "${name}": ${part} has ${v.length} values, expected ${d}`);
  }
}
