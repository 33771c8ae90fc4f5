// What the Import button was given, as the two files of our intervention format: our own pair (or the .zip exported
// here, already unpacked), or one file made by another tool (a llama.cpp control vector, a PyTorch map) converted for
// the loaded model. Pure, so the choice of files and the messages are tested in Node.
import { importExternal, type ExternalKind } from '../steering/import-external.ts';
import { encodeIntervention, MANIFEST_FILE_NAME, TENSORS_FILE_NAME } from '../steering/intervention-file.ts';

export interface ImportEntry {
  name: string;
  data: Uint8Array;
}

export interface ImportTarget {
  id: string;
  hiddenSize: number;
  numLayers: number;
}

export interface ImportedFiles {
  files: { manifest: string; tensors: ArrayBuffer };
  /** Set when the files were converted from another tool's format. */
  external: { kind: ExternalKind; fileName: string } | null;
}

const KIND_LABEL: Record<ExternalKind, string> = { 'control-vector': 'control vector', torch: 'PyTorch map' };

export function externalLabel(kind: ExternalKind): string {
  return KIND_LABEL[kind];
}

const baseName = (n: string) => n.replace(/^.*\//, '');
const bufferOf = (d: Uint8Array) => d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) as ArrayBuffer;

export function interventionFilesFrom(entries: readonly ImportEntry[], model: ImportTarget | null): ImportedFiles {
  const manifest = entries.find((e) => baseName(e.name) === MANIFEST_FILE_NAME) ?? entries.find((e) => /\.json$/i.test(e.name));
  const tensors = entries.find((e) => baseName(e.name) === TENSORS_FILE_NAME) ?? entries.find((e) => /\.safetensors$/i.test(e.name));
  if (manifest && tensors) return { files: { manifest: new TextDecoder().decode(manifest.data), tensors: bufferOf(tensors.data) }, external: null };
  const gguf = entries.find((e) => e.data.length >= 4 && new TextDecoder().decode(e.data.subarray(0, 4)) === 'GGUF');
  const other = manifest ? undefined : (gguf ?? tensors);
  if (other) {
    const fileName = baseName(other.name);
    if (!model) throw new Error(`${fileName} does not say which model it is for: load that model first, then import it.`);
    const { kind, intervention } = importExternal(fileName, other.data, { modelId: model.id, hiddenSize: model.hiddenSize, numLayers: model.numLayers });
    const encoded = encodeIntervention(intervention);
    return { files: { manifest: encoded.manifest, tensors: bufferOf(encoded.tensors) }, external: { kind, fileName } };
  }
  const missing = !manifest && !tensors ? 'neither file' : !manifest ? `no ${MANIFEST_FILE_NAME}` : `no ${TENSORS_FILE_NAME}`;
  throw new Error(
    `An intervention is two files, ${MANIFEST_FILE_NAME} and ${TENSORS_FILE_NAME} (or the .zip exported here), or one llama.cpp control vector (.gguf) or PyTorch map (.safetensors); this has ${missing}.`,
  );
}
