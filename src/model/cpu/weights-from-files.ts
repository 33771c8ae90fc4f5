/** CPU weights (f32) read from any ModelFiles source through the weight-source registry: for reference checks on small models. */
import type { CpuWeights } from './weights.ts';
import { cpuWeightsFromTensors } from './weights.ts';
import { decodeWeightsToF32 } from './decode-weights.ts';
import { openCheckpoint } from '../checkpoint.ts';
import { checkFiniteTensor } from '../formats/finite-weights.ts';
import type { ModelFiles } from '../formats/model-files.ts';
import type { ModelSpec } from '../spec.ts';

/** The spec and every tensor of the checkpoint as f32, in Hugging Face names and row order. */
export async function readCpuCheckpoint(files: ModelFiles): Promise<{ spec: ModelSpec; weights: CpuWeights }> {
  const { spec, source } = await openCheckpoint(files);
  const tensors = new Map<string, Float32Array>();
  for (const file of source.files) {
    const { bytes } = await files.range(file.name, 0, file.size);
    for (const t of source.tensors) {
      if (t.file !== file.name) continue;
      const own = bytes.subarray(t.begin, t.end);
      checkFiniteTensor(t, own);
      tensors.set(t.name, decodeWeightsToF32(source.prepare(t, own), t.format, t.name));
    }
  }
  return { spec, weights: cpuWeightsFromTensors(tensors) };
}

export async function cpuWeightsFromFiles(files: ModelFiles): Promise<CpuWeights> {
  return (await readCpuCheckpoint(files)).weights;
}
