import { defineConfig } from 'vitest/config';

// End-to-end tests: real Chromium with the built extension (npm run build first).
// One file at a time: each launches its own browser and the machine has 2 cores.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
