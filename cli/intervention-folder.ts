// Reads and writes intervention folders (intervention.json + intervention.safetensors) on disk.
import fs from 'node:fs';
import path from 'node:path';
import type { EncodedIntervention } from '../src/harness/steering-api.ts';
import { MANIFEST_FILE_NAME, TENSORS_FILE_NAME } from '../src/steering/intervention-file.ts';
import { encodedFromImport } from './import.ts';

/**
 * An intervention folder, or a file to import: a llama.cpp control vector (.gguf) or a PyTorch map (.safetensors).
 */
export function readInterventionFolder(dir: string): EncodedIntervention {
  if (fs.existsSync(dir) && fs.statSync(dir).isFile()) return encodedFromImport(dir);
  const manifestPath = path.join(dir, MANIFEST_FILE_NAME);
  const tensorsPath = path.join(dir, TENSORS_FILE_NAME);
  if (!fs.existsSync(dir)) throw new Error(`no intervention folder ${dir}`);
  if (!fs.existsSync(manifestPath)) throw new Error(`${dir} has no ${MANIFEST_FILE_NAME}`);
  if (!fs.existsSync(tensorsPath)) throw new Error(`${dir} has no ${TENSORS_FILE_NAME}`);
  return { manifest: fs.readFileSync(manifestPath, 'utf8'), tensorsBase64: fs.readFileSync(tensorsPath).toString('base64') };
}

/**
 * The model id an --intervention was made for, as cli/model-check.ts compares it: a folder's manifest names it; a file
 * imported on the fly records none (null).
 */
export function recordedModelId(dir: string, enc: EncodedIntervention): string | null {
  if (fs.existsSync(dir) && fs.statSync(dir).isFile()) return null;
  let id: unknown;
  try {
    id = (JSON.parse(enc.manifest) as { modelId?: unknown }).modelId;
  } catch {
    return null; // a malformed manifest: the engine refuses it in its own words
  }
  return typeof id === 'string' ? id : null;
}

export function writeInterventionFolder(dir: string, enc: EncodedIntervention): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MANIFEST_FILE_NAME), enc.manifest);
  fs.writeFileSync(path.join(dir, TENSORS_FILE_NAME), Buffer.from(enc.tensorsBase64, 'base64'));
}
