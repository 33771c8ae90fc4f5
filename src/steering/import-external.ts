// Interventions made by other tools: a llama.cpp control vector (.gguf) or a PyTorch reference map (.safetensors of
// <module>.w1 / <module>.b1). One place that tells them apart and turns them into our Intervention, for the CLI's
// `import` and the app's Import button alike.
import { decodeControlVector } from './gguf-control-vector.ts';
import { importTorchIntervention } from './import-torch.ts';
import type { Intervention } from './intervention.ts';

export type ExternalKind = 'control-vector' | 'torch';

/** What a file is, by its first bytes (GGUF magic) and name; null when it is neither kind. */
export function externalKindOf(fileName: string, bytes: Uint8Array): ExternalKind | null {
  if (bytes.length >= 4 && bytes[0] === 0x47 && bytes[1] === 0x47 && bytes[2] === 0x55 && bytes[3] === 0x46) return 'control-vector';
  if (/\.safetensors$/i.test(fileName)) return 'torch';
  return null;
}

export interface ExternalTarget {
  /** The model the intervention is for (neither format names it). */
  modelId: string;
  hiddenSize?: number;
  numLayers?: number;
}

/** Reads a control vector or PyTorch map for `target`; errors name the file and what is wrong. */
export function importExternal(fileName: string, bytes: Uint8Array, target: ExternalTarget): { kind: ExternalKind; intervention: Intervention } {
  const kind = externalKindOf(fileName, bytes);
  if (!kind) throw new Error(`${fileName}: not a llama.cpp control vector (GGUF) nor a PyTorch map (.safetensors)`);
  const expect = { hiddenSize: target.hiddenSize, numLayers: target.numLayers };
  const intervention =
    kind === 'control-vector'
      ? decodeControlVector(bytes, target.modelId, expect, fileName)
      : importTorchIntervention(bytes, { modelId: target.modelId, expect, fileName });
  return { kind, intervention };
}
