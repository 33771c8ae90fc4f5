/**
 * The list of external weight files beside an ONNX export whose f32 weights exceed protobuf's 2 GiB
 * (tools/onnx-export-external.py writes it): the page cannot list a served folder, and onnxruntime-web must be handed
 * every file the .onnx names. Pure: used by the page (reference-api) and by the CLI (bench-models).
 */

/** Beside model.onnx, in the model folder's onnx/. */
export const ONNX_DATA_MANIFEST = 'model.onnx_data.json';

export interface OnnxDataManifest {
  /** In order; `path` is the `location` the .onnx gives its tensors (relative to the .onnx file). */
  files: { path: string; bytes: number }[];
  /** Tensor bytes in all files. */
  bytes: number;
}

/** The manifest, or an Error saying what is wrong with it. */
export function parseOnnxDataManifest(text: string): OnnxDataManifest | Error {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return new Error(`${ONNX_DATA_MANIFEST} is not JSON: ${(e as Error).message}`);
  }
  const files = (raw as { files?: unknown }).files;
  const bytes = (raw as { bytes?: unknown }).bytes;
  if (!Array.isArray(files) || files.length === 0) return new Error(`${ONNX_DATA_MANIFEST} lists no files`);
  const out: OnnxDataManifest['files'] = [];
  for (const f of files as unknown[]) {
    const p = (f as { path?: unknown }).path;
    const n = (f as { bytes?: unknown }).bytes;
    // A plain file name: the page fetches it from the same folder, and it must not escape it.
    if (typeof p !== 'string' || !/^[\w.-]+$/.test(p) || p.startsWith('.')) return new Error(`${ONNX_DATA_MANIFEST}: bad file name ${JSON.stringify(p)}`);
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) return new Error(`${ONNX_DATA_MANIFEST}: bad size for ${p}`);
    out.push({ path: p, bytes: n });
  }
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0) return new Error(`${ONNX_DATA_MANIFEST}: bad total bytes`);
  return { files: out, bytes };
}
