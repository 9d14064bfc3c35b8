import fc from 'fast-check';

// Property tests use a fixed seed in CI (reproducible) and a fresh one locally; the seed is
// printed by fast-check on failure either way.
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20261123 : Date.now() % 2 ** 31;
fc.configureGlobal({ seed });
