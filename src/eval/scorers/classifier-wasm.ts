/**
 * The onnxruntime-web WebAssembly that @huggingface/transformers' own copy of onnxruntime-web asks for (its WebGPU
 * bundle loads the asyncify build), served by the Vite dev server instead of the CDN transformers would pick.
 * Imported by the classifier scorer in the dev server only (the app build leaves onnxruntime-web out).
 */
import wasmUrl from '../../../node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';

export const ORT_WASM_URL: string = wasmUrl;
