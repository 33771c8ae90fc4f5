// `import`: converts a llama.cpp control vector (.gguf) or a PyTorch reference map (.safetensors of <module>.w1 /
// <module>.b1) into an intervention folder. --intervention accepts those files directly too (readInterventionFolder).
import fs from 'node:fs';
import path from 'node:path';
import type { EncodedIntervention } from '../src/harness/steering-api.ts';
import { importExternal, type ExternalKind as ImportKind } from '../src/steering/import-external.ts';
import { encodeIntervention } from '../src/steering/intervention-file.ts';
import type { Intervention } from '../src/steering/intervention.ts';
import { num, required, str, type Flags } from './args.ts';
import { writeInterventionFolder } from './intervention-folder.ts';

export function importInterventionFile(file: string, opts: { modelId?: string; hiddenSize?: number; numLayers?: number } = {}): { kind: ImportKind; intervention: Intervention } {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new Error(`no file ${file}`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  return importExternal(path.basename(file), bytes, { modelId: opts.modelId ?? 'imported', hiddenSize: opts.hiddenSize, numLayers: opts.numLayers });
}

/** An imported file as it crosses into the page (the manifest and tensors of our own format). */
export function encodedFromImport(file: string, modelId?: string): EncodedIntervention {
  const { manifest, tensors } = encodeIntervention(importInterventionFile(file, { modelId }).intervention);
  return { manifest, tensorsBase64: Buffer.from(tensors).toString('base64') };
}

export async function runImport(flags: Flags): Promise<Record<string, unknown>> {
  const file = required(flags, 'file');
  const out = required(flags, 'out');
  const { kind, intervention } = importInterventionFile(file, { modelId: str(flags, 'model-id'), hiddenSize: num(flags, 'hidden-size'), numLayers: num(flags, 'layers') });
  const { manifest, tensors } = encodeIntervention(intervention);
  writeInterventionFolder(out, { manifest, tensorsBase64: Buffer.from(tensors).toString('base64') });
  return { file, kind, out, modelId: intervention.modelId, hooks: [...intervention.hooks.keys()], hiddenSize: intervention.hooks.values().next().value?.b.length ?? null };
}
