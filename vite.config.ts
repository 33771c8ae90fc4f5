import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { cspPlugin, cspString } from './server/csp-plugin.ts';
import { modelsPlugin } from './server/models-plugin.ts';

// MODELS_DIR: folder whose model sub-folders (each with a config.json) the app lists. Default ./models.
const modelsDir = process.env.MODELS_DIR ?? './models';

// The production build is the app (index.html) only: test pages such as harness.html are served by the dev server
// (browser tests, CLI, bench) and not shipped. The text classifier scorer runs onnxruntime-web through
// @huggingface/transformers; the build gives transformers that copy's WebAssembly-only bundle instead of its WebGPU one,
// so it ships the plain 14 MB WebAssembly (fetched only when the classifier is used) and not the 27 MB asyncify build.
export default defineConfig(({ command }) => ({
  plugins: [react(), modelsPlugin(modelsDir), cspPlugin()],
  // Per checkout (not node_modules/.vite): work trees that share node_modules must not share pre-bundled deps.
  cacheDir: '.cache/vite',
  worker: { format: 'es' },
  // Pre-bundle the heavy dependencies at start, so no page reloads mid-run when they are first imported.
  optimizeDeps: { exclude: ['onnxruntime-web'], include: ['react', 'react-dom/client', 'zustand', '@huggingface/transformers'] },
  resolve:
    command === 'build'
      ? { alias: [{ find: /^onnxruntime-web\/webgpu$/, replacement: 'onnxruntime-web/wasm' }] }
      : {},
  build: {
    target: 'es2022',
    rollupOptions: { input: { main: 'index.html' } },
  },
  server: { fs: { allow: ['.', '..'] } },
  // `vite preview` serves the build with the same policy as a header, so it also covers the engine worker's script
  // (a worker does not inherit the page's <meta> policy). A real deployment should send this header too.
  preview: { headers: { 'Content-Security-Policy': cspString() } },
}));
