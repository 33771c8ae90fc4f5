/**
 * The onnxruntime-web WebAssembly (and its loader) that @huggingface/transformers' own copy of onnxruntime-web asks for (its WebGPU
 * bundle loads the asyncify build), served by the Vite dev server instead of the CDN transformers would pick.
 * Imported by the classifier scorer in the dev server only (the app build leaves onnxruntime-web out).
 */
import wasmUrl from '../../../node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import mjsUrl from '../../../node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs?url';

/** The binary and its loader (onnxruntime-web's wasmPaths). */
export const ORT_WASM_PATHS: { wasm: string; mjs: string } = { wasm: wasmUrl, mjs: mjsUrl };
