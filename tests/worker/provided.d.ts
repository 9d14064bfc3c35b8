// The value tests/worker/global-setup.ts provides to the workerd tests.
declare module 'vitest' {
  export interface ProvidedContext {
    mockLlmUrl: string;
    /** fast-check seed: FC_SEED, else fixed in CI, else fresh (chosen on the Node side) */
    fcSeed: number;
  }
}

export {};
