/**
 * Stands in for onnxruntime-web in the production build. The app imports @huggingface/transformers for its
 * tokenizer; transformers imports onnxruntime-web, whose 55 MB of WebAssembly the built app does not ship (so the
 * Evaluate panel's text classifier, which needs it, fails there with this message; it runs in the dev server). The
 * engine harness (dev server only) runs the real onnxruntime-web as the independent reference.
 * What transformers reads at import time: `env` (wasm/webgpu settings, versions), `InferenceSession`, `Tensor`.
 * `versions.web` stays unset, so transformers does not point wasmPaths at a CDN either.
 */
const absent = (): never => {
  throw new Error('onnxruntime-web is not part of the app build: the text classifier scorer and the ONNX reference run in the dev server only');
};

export const env: Record<string, unknown> = { wasm: {}, webgpu: {}, versions: {} };
export const InferenceSession = { create: absent };
export class Tensor {
  constructor() {
    absent();
  }
}
export default { env, InferenceSession, Tensor };
