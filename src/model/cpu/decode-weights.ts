/** A tensor's file bytes (any WeightFormat) as f32 values for the CPU reference. */
import type { WeightFormat } from '../../core/weight-format.ts';
import { decodeToFloat32 } from '../formats/dtype-codec.ts';
import { dequantize } from '../../core/dequantize.ts';

export function decodeWeightsToF32(bytes: Uint8Array, format: WeightFormat, name: string): Float32Array {
  if (format === 'F32' || format === 'F16' || format === 'BF16') return decodeToFloat32(bytes, format);
  try {
    return dequantize(bytes, format);
  } catch (e) {
    throw new Error(`tensor "${name}" (${format}): ${(e as Error).message}`);
  }
}
