/** Named f32 weight tensors for the CPU reference forward pass (HF names, row-major, `[out, in]` for linears). */
export interface CpuWeights {
  /** The tensor called `name`; throws when it is missing. */
  get(name: string): Float32Array;
  has(name: string): boolean;
}

/** Wraps a name → tensor map (already decoded to f32). */
export function cpuWeightsFromTensors(map: Map<string, Float32Array>): CpuWeights {
  return {
    get(name: string): Float32Array {
      const t = map.get(name);
      if (!t) throw new Error(`weight "${name}" is missing from the checkpoint`);
      return t;
    },
    has(name: string): boolean {
      return map.has(name);
    },
  };
}
