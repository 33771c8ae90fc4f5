import { parseHookName, type HookName, type ModelSpec } from '../spec.ts';
import { steerInPlace, type HookMap } from '../../core/steer-map.ts';

/** Steering for the CPU forward pass: spec section 2 at every processed position. */
export interface CpuSteering {
  maps: Map<HookName, HookMap>;
  lambda: number;
  /** Use the DSAS gates of maps that carry one (default true); false means s ≡ 1. */
  useGate?: boolean;
}

/** One gated map's gate values: intervention (index in the steering list) at hook, one per processed position. */
export interface CpuGateSlot {
  hook: HookName;
  intervention: number;
  values: number[];
}

/**
 * Records and steers the activations arriving at hook points during one CPU forward call. Several interventions are
 * applied in the order given: at a hook they share, z ← steer_B(steer_A(z)), each with its own λ and gate.
 */
export class CpuHookRunner {
  readonly recorded = new Map<HookName, Float64Array[]>();
  /** The first intervention's gate values per gated hook (all of them: `slots`). */
  readonly strengths = new Map<HookName, number[]>();
  /** Every gated map's gate values, in the GPU model's column order (forward order, then intervention order). */
  readonly slots: CpuGateSlot[] = [];
  private readonly steerings: CpuSteering[];

  constructor(spec: ModelSpec, steering: CpuSteering | readonly CpuSteering[] | undefined, record: Iterable<HookName> | undefined) {
    this.steerings = steering === undefined ? [] : Array.isArray(steering) ? [...(steering as readonly CpuSteering[])] : [steering as CpuSteering];
    this.steerings.forEach((st, i) => {
      for (const [name, map] of st.maps) {
        checkHook(spec, name);
        checkMap(name, map, spec.hiddenSize);
        if (map.gate && (st.useGate ?? true) && i === 0) this.strengths.set(name, []);
      }
    });
    for (const name of record ?? []) {
      checkHook(spec, name);
      this.recorded.set(name, []);
    }
  }

  /** Record `z` (pre-map) if asked, then apply every intervention's map at the hook in place, in order. */
  at(name: HookName, z: Float64Array): void {
    this.recorded.get(name)?.push(Float64Array.from(z));
    this.steerings.forEach((st, i) => {
      const map = st.maps.get(name);
      if (!map) return;
      const useGate = st.useGate ?? true;
      const s = steerInPlace(z, map, st.lambda, useGate);
      if (i === 0) this.strengths.get(name)?.push(s);
      if (!map.gate || !useGate) return;
      let slot = this.slots.find((g) => g.hook === name && g.intervention === i);
      if (!slot) this.slots.push((slot = { hook: name, intervention: i, values: [] }));
      slot.values.push(s);
    });
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
