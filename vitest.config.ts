import { defineConfig } from 'vitest/config';

// Pure-logic tests run in Node; GPU tests run in Chromium through Playwright (e2e/).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts', 'server/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    // Set-up hooks may build the Python reference venv on a fresh clone (pip installs gguf, numpy, onnx…) before
    // writing their fixtures (the tiny classifier): far longer than vitest's 10 s default.
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
