/** A tensor's file bytes (any WeightFormat) as f32 values for the CPU reference. */
import type { WeightFormat } from '../../core/weight-format.ts';
import { decodeToFloat32 } from '../formats/dtype-codec.ts';

export function decodeWeightsToF32(bytes: Uint8Array, format: WeightFormat, name: string): Float32Array {
  if (format === 'F32' || format === 'F16' || format === 'BF16') return decodeToFloat32(bytes, format);
  // TODO(quant): quantized formats — call the CPU dequantizer of src/core/dequantize.ts (quant branch) here:
  //   return dequantize(bytes, format, numel);
  throw new Error(`tensor "${name}" is ${format}: the CPU reference cannot dequantize it yet (F32, F16, BF16 only)`);
}
