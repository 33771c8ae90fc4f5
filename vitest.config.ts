import { defineConfig } from 'vitest/config';

// Pure-logic tests run in Node; GPU tests run in Chromium through Playwright (e2e/).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'cli/**/*.test.ts', 'scripts/**/*.test.ts', 'server/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    pool: 'forks',
  },
});
