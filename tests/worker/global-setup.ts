/** Node side of the worker tests: serve the MOCK LLM on 127.0.0.1 for the whole run. */
import type { TestProject } from 'vitest/node';
import { startMockLlm } from '../fixtures/mock-llm/server.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockLlm({ port: 0 });
  project.provide('mockLlmUrl', mock.url);
  // process.env does not reach workerd (workers-sdk#8718): hand the fast-check seed policy over.
  project.provide('fcSeed', process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20261123 : Date.now() % 2 ** 31);
  return () => mock.stop();
}
