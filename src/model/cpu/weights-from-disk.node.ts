// Node-only: load a checkpoint from disk (a Hugging Face folder: config.json + safetensors, single or sharded; or a
// GGUF file / a folder holding one) for the CPU forward, through the weight-source registry.
import { nodeModelFiles } from '../formats/node-model-files.node.ts';
import { readCpuCheckpoint } from './weights-from-files.ts';
import type { CpuWeights } from './weights.ts';
import type { ModelSpec } from '../spec.ts';

export async function loadCpuWeights(modelPath: string): Promise<{ spec: ModelSpec; weights: CpuWeights }> {
  return readCpuCheckpoint(nodeModelFiles(modelPath));
}
