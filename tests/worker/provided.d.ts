// The value tests/worker/global-setup.ts provides to the workerd tests.
declare module 'vitest' {
  export interface ProvidedContext {
    mockLlmUrl: string;
  }
}

export {};
