import { defineConfig } from 'vitest/config';

// Pure unit tests (Node). Worker tests run inside workerd with worker/vitest.config.ts;
// end-to-end tests run in real Chromium with tests/e2e/run.ts.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    // fast-check: a fixed seed in CI, printed on failure (see tests/unit/setup.ts)
    setupFiles: ['tests/unit/setup.ts'],
    testTimeout: 60_000,
  },
});
