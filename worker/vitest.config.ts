import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Worker tests inside workerd (@cloudflare/vitest-pool-workers, vitest 4 plugin form).
 * Run: npx vitest run -c worker/vitest.config.ts
 * The wrangler.toml [env.dev] config is loaded, then the test bindings below override it:
 * test token hashes, one extension origin, a practically unlimited RATE_LIMITER for most tests and
 * a tight RATE_LIMITER_TIGHT (3/min) for the 429 test. The MOCK LLM runs on 127.0.0.1 (global setup).
 */
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: here('./src/index.ts'),
      wrangler: { configPath: here('./wrangler.toml'), environment: 'dev' },
      miniflare: {
        bindings: {
          // sha256("test-token-alpha"), sha256("test-token-ratelimit"), sha256(dev token)
          API_TOKEN_HASHES:
            '05272b9d20f61cbfc976ef4e81c93161fd0224f7a4ccb1f5e92dfa7241a61bb5,4f90451dd19e715906247fedbdb341b08724ec6e6cb64d607b1ff653f0844a62,9993f117c1c943899befba48cb18602e3c496e2dd12b8a50d1cf51dc8f660837',
          ALLOWED_ORIGINS: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
          PROVIDER: 'extractor',
          OPENAI_BASE_URL: '',
          OPENAI_MODEL: 'mock:ok',
          OPENAI_TIMEOUT_MS: '2000',
          OPENAI_MAX_RETRIES: '2',
        },
        ratelimits: {
          RATE_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
          RATE_LIMITER_TIGHT: { simple: { limit: 3, period: 60 } },
        },
      },
    }),
  ],
  test: {
    root: here('..'),
    include: ['tests/worker/**/*.test.ts'],
    globalSetup: ['tests/worker/global-setup.ts'],
    setupFiles: ['tests/worker/setup.ts'],
    testTimeout: 30_000,
  },
});
