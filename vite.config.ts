import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { modelsPlugin } from './server/models-plugin.ts';

// MODELS_DIR: folder whose model sub-folders (each with a config.json) the app lists. Default ./models.
const modelsDir = process.env.MODELS_DIR ?? './models';

export default defineConfig({
  plugins: [react(), modelsPlugin(modelsDir)],
  // Per checkout (not node_modules/.vite): work trees that share node_modules must not share pre-bundled deps.
  cacheDir: '.cache/vite',
  worker: { format: 'es' },
  // Pre-bundle the heavy dependencies at start, so no page reloads mid-run when they are first imported.
  optimizeDeps: { exclude: ['onnxruntime-web'], include: ['react', 'react-dom/client', 'zustand', '@huggingface/transformers'] },
  build: {
    target: 'es2022',
    rollupOptions: { input: { main: 'index.html', harness: 'harness.html' } },
  },
  server: { fs: { allow: ['.', '..'] } },
});
