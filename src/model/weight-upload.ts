/**
 * Creates the GPU weight uploader for a checkpoint whose tensors have the given file formats.
 *
 * TEMPORARY ADAPTER (until the `quant` branch lands): that branch changes the uploader to
 * `new GpuWeightUploader(device, pool, spec, formats)` and `upload(name, format, bytes)`, keeping weights in their
 * file formats. When merging, replace the body of `createWeightUploader` with that constructor call. Until then
 * the current uploader takes F32 / F16 / BF16 only, and quantized files are refused here, before any upload.
 */
import type { BufferPool } from '../gpu/buffers.ts';
import type { WeightFormat } from '../core/weight-format.ts';
import { chooseGpuDType, GpuWeightUploader, type GpuWeights } from './gpu/gpu-weights.ts';
import { ModelFileError } from './formats/model-files.ts';
import type { ModelSpec, WeightDType } from './spec.ts';

export interface WeightUploader {
  wants(name: string): boolean;
  upload(name: string, format: WeightFormat, bytes: Uint8Array): void;
  finish(): GpuWeights;
}

const FLOAT_FORMATS: readonly WeightFormat[] = ['F32', 'F16', 'BF16'];

export function createWeightUploader(device: GPUDevice, pool: BufferPool, spec: ModelSpec, formats: Map<string, WeightFormat>): WeightUploader {
  const dtypes: WeightDType[] = [];
  for (const [name, f] of formats) {
    if (!FLOAT_FORMATS.includes(f)) throw new ModelFileError(`tensor "${name}" is ${f}: quantized weights on the GPU are not available in this build yet (F32, F16, BF16 load)`);
    // The matrices decide the GPU dtype (norms and biases are f32 on the GPU whatever the file has).
    if (!/norm|\.bias$/.test(name)) dtypes.push(f as WeightDType);
  }
  const up = new GpuWeightUploader(device, pool, spec, chooseGpuDType(dtypes));
  return {
    wants: (name) => up.wants(name),
    upload: (name, format, bytes) => up.upload(name, format as WeightDType, bytes),
    finish: () => up.finish(),
  };
}
