import fc from 'fast-check';

// Same policy as tests/unit/setup.ts: fixed seed in CI (reproducible), fresh locally; fast-check
// prints the seed and path on failure either way. FC_SEED reproduces a run.
const penv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const seed = penv.FC_SEED ? Number(penv.FC_SEED) : penv.CI ? 20261123 : Date.now() % 2 ** 31;
fc.configureGlobal({ seed });
