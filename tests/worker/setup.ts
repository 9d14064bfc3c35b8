import fc from 'fast-check';
import { inject } from 'vitest';

// Same policy as tests/unit/setup.ts: fixed seed in CI (reproducible), fresh locally; fast-check
// prints the seed and path on failure either way. FC_SEED reproduces a run. The seed is chosen on
// the Node side (tests/worker/global-setup.ts) because process.env does not reach workerd.
fc.configureGlobal({ seed: inject('fcSeed') });
