/**
 * The app build's onnxruntime-web WebAssembly (only the classifier scorer loads it, and only when chosen): the plain
 * SIMD build (14 MB) of the copy @huggingface/transformers imports, emitted as an asset of the build. The build
 * resolves transformers' `onnxruntime-web/webgpu` to that copy's WebAssembly-only bundle (vite.config.ts), whose loader
 * is inside the bundle; the dev server keeps the WebGPU bundle and its own paths (classifier-scorer.ts).
 */
import wasmUrl from '../../../node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm?url';

export const ORT_BUILD_WASM = wasmUrl;
