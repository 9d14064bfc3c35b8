import { describe, expect, inject, it } from 'vitest';
import { createMockLlm } from '../fixtures/mock-llm/handler.ts';
import type { AiBinding } from '../../worker/src/env.ts';
import { call, captureConsole, errorCode, expectNoContent, fastDeps, records, SENTINELS, visit } from './helpers.ts';

const logs = captureConsole();

function llmEnv(mode: string, extra: Record<string, string> = {}) {
  return { PROVIDER: 'openai-compatible', OPENAI_BASE_URL: inject('mockLlmUrl'), OPENAI_MODEL: `mock:${mode}`, OPENAI_API_KEY: 'sk-test-ZQXkey', ...extra };
}

function attempts(): Array<Record<string, unknown>> {
  return records(logs).filter((r) => r.event === 'provider_attempt');
}

function requestLog(): Record<string, unknown> | undefined {
  return records(logs).find((r) => r.event === 'request');
}

describe('openai-compatible provider against the local MOCK endpoint (loopback HTTP)', () => {
  it('valid structured output → 200 with server titles and template order', async () => {
    const { res, json } = await call(visit(), { env: llmEnv('ok') });
    expect(res.status).toBe(200);
    const body = json as { provider: string; note: { sections: Array<{ key: string; title: string; statements: unknown[] }> } };
    expect(body.provider).toBe('openai-compatible');
    expect(body.note.sections.map((x) => x.key)).toEqual(['subjective']); // empty sections omitted
    expect(body.note.sections[0]?.title).toBe('Subjective');
    expect(body.note.sections[0]?.statements).toHaveLength(5);
    expect(attempts()).toHaveLength(1);
    expectNoContent([logs.text()], [...SENTINELS, 'ZQXkey']);
  });
  it('JSON inside a ```json fence is accepted', async () => {
    const { res } = await call(visit(), { env: llmEnv('fenced') });
    expect(res.status).toBe(200);
  });
  it.each([
    ['garbage', 'bad_json'],
    ['wrong-schema', 'schema'],
    ['empty', 'schema'],
  ])('%s output → 502 provider_failed (%s), not retried', async (mode, failure) => {
    const { res, json, text } = await call(visit(), { env: llmEnv(mode), deps: fastDeps });
    expect(res.status).toBe(502);
    expect(errorCode(json)).toBe('provider_failed');
    expect(requestLog()).toMatchObject({ failure, status: 502 });
    expect(attempts()).toHaveLength(1);
    expectNoContent([text, logs.text()], [...SENTINELS, 'language model']);
  });
  it('HTTP 500 is retried (1 + OPENAI_MAX_RETRIES attempts) then 502', async () => {
    const { res, json } = await call(visit(), { env: llmEnv('http500'), deps: fastDeps });
    expect(res.status).toBe(502);
    expect(errorCode(json)).toBe('provider_failed');
    expect(attempts().map((a) => a.failure)).toEqual(['http_5xx', 'http_5xx', 'http_5xx']);
    expectNoContent([logs.text()], ['mock upstream error']);
  });
  it('HTTP 429 is retried; HTTP 400 is not', async () => {
    await call(visit(), { env: llmEnv('http429'), deps: fastDeps });
    expect(attempts().map((a) => a.failure)).toEqual(['http_429', 'http_429', 'http_429']);
    logs.lines.length = 0;
    const r = await call(visit(), { env: llmEnv('http400'), deps: fastDeps });
    expect(r.res.status).toBe(502);
    expect(attempts().map((a) => a.failure)).toEqual(['http_4xx']);
  });
  it('two 500s then success → 200 after back-off', async () => {
    const sleeps: number[] = [];
    const tag = `t${Date.now() % 100000}`;
    const { res } = await call(visit(), { env: llmEnv(`flaky-${tag}`), deps: { sleep: async (ms) => void sleeps.push(ms) } });
    expect(res.status).toBe(200);
    expect(attempts().map((a) => a.failure ?? 'ok')).toEqual(['http_5xx', 'http_5xx', 'ok']);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(200);
  });
  it('a slow endpoint times out on every attempt → 502 (timeout)', async () => {
    const t0 = Date.now();
    const { res, json } = await call(visit(), { env: llmEnv('slow-5000', { OPENAI_TIMEOUT_MS: '150', OPENAI_MAX_RETRIES: '1' }), deps: fastDeps });
    expect(res.status).toBe(502);
    expect(errorCode(json)).toBe('provider_failed');
    expect(attempts().map((a) => a.failure)).toEqual(['timeout', 'timeout']);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
  it('a body that never finishes is a timeout too', async () => {
    const { res } = await call(visit(), { env: llmEnv('hang-body', { OPENAI_TIMEOUT_MS: '150', OPENAI_MAX_RETRIES: '0' }), deps: fastDeps });
    expect(res.status).toBe(502);
    expect(attempts().map((a) => a.failure)).toEqual(['timeout']);
  });
  it('an unreachable endpoint is a network failure → 502', async () => {
    const { res } = await call(visit(), { env: llmEnv('ok', { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_MAX_RETRIES: '0' }), deps: fastDeps });
    expect(res.status).toBe(502);
    expect(attempts().map((a) => a.failure)).toEqual(['network']);
  });
  it('not configured (no URL) → 502 without calling anything', async () => {
    const { res } = await call(visit(), { env: llmEnv('ok', { OPENAI_BASE_URL: '' }) });
    expect(res.status).toBe(502);
    expect(requestLog()).toMatchObject({ failure: 'not_configured' });
  });
  it('a plain-http endpoint off this machine (or one with credentials in the URL) is refused: 502 not_configured, nothing sent', async () => {
    for (const url of ['http://llm.example.org/v1', 'http://10.0.0.5:8080/v1', 'https://user:pw@llm.example.org/v1', 'ftp://llm.example.org/v1']) {
      let sent = 0;
      const { res } = await call(visit(), {
        env: llmEnv('ok', { OPENAI_BASE_URL: url }),
        deps: {
          fetch: async () => {
            sent++;
            return new Response('{}');
          },
        },
      });
      expect(res.status, url).toBe(502);
      expect(sent, url).toBe(0);
      expect(requestLog()).toMatchObject({ failure: 'not_configured' });
    }
  });
  it('the extractor can still be requested explicitly when an LLM is configured', async () => {
    const { res, json } = await call(visit({ options: { provider: 'extractor' } }), { env: llmEnv('http500') });
    expect(res.status).toBe(200);
    expect((json as { provider: string }).provider).toBe('extractor');
  });
  it('sends the transcript as delimited data, with the key only in the Authorization header', async () => {
    const seen: Request[] = [];
    const mock = createMockLlm();
    const { res } = await call(visit(), {
      env: llmEnv('ok', { OPENAI_BASE_URL: 'https://mock.invalid/v1' }),
      deps: {
        fetch: async (input, init) => {
          const r = new Request(input as string, init);
          seen.push(r.clone());
          return mock.fetch(r);
        },
      },
    });
    expect(res.status).toBe(200);
    const sent = seen[0]!;
    expect(sent.headers.get('authorization')).toBe('Bearer sk-test-ZQXkey');
    const body = (await sent.json()) as { temperature: number; messages: Array<{ role: string; content: string }>; response_format: { type: string } };
    expect(body.temperature).toBe(0);
    expect(body.response_format.type).toBe('json_schema');
    const [system, user] = body.messages;
    expect(system?.role).toBe('system');
    expect(system?.content).not.toContain('ZQXalpha');
    expect(user?.content).toMatch(/<<<TRANSCRIPT [0-9a-f]{24}>>>/);
    expect(user?.content).toContain(JSON.stringify({ id: 's1', speaker: 'clinician', text: 'Good morning [NAME_1], what brings you in today? ZQXalpha' }));
  });
});

describe('workers-ai provider (AI binding backed by the MOCK)', () => {
  function aiBinding(mode: string, counter?: { n: number }): AiBinding {
    const mock = createMockLlm();
    return {
      async run(model, inputs) {
        if (counter) counter.n++;
        if (mode === 'throw') throw new Error('ZQXbinding exploded');
        const r = await mock.fetch(
          new Request('http://mock.invalid/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: `mock:${mode}`, messages: inputs.messages }) }),
        );
        const j = (await r.json()) as { choices?: Array<{ message: { content: string } }> };
        expect(model).toBe('@cf/test/model');
        return { response: j.choices?.[0]?.message.content };
      },
    };
  }
  const aiEnv = (ai: AiBinding) => ({ PROVIDER: 'workers-ai', WORKERS_AI_MODEL: '@cf/test/model', AI: ai, OPENAI_TIMEOUT_MS: '200' });

  it('valid output → 200', async () => {
    const { res, json } = await call(visit(), { env: aiEnv(aiBinding('ok')) });
    expect(res.status).toBe(200);
    expect((json as { provider: string }).provider).toBe('workers-ai');
  });
  it('JSON-mode object responses are accepted too', async () => {
    const ai: AiBinding = {
      async run() {
        return { response: { sections: [{ key: 'plan', statements: [{ text: 'Rest and fluids.', evidence: ['s5'] }] }] } };
      },
    };
    const { res, json } = await call(visit(), { env: aiEnv(ai) });
    expect(res.status).toBe(200);
    expect((json as { note: { sections: Array<{ key: string }> } }).note.sections.map((s) => s.key)).toEqual(['plan']);
  });
  it('garbage → 502; a throwing binding is retried then 502; no binding → 502', async () => {
    expect((await call(visit(), { env: aiEnv(aiBinding('garbage')), deps: fastDeps })).res.status).toBe(502);
    const counter = { n: 0 };
    const r = await call(visit(), { env: aiEnv(aiBinding('throw', counter)), deps: fastDeps });
    expect(r.res.status).toBe(502);
    expect(counter.n).toBe(3);
    expectNoContent([r.text, logs.text()], ['ZQXbinding']);
    expect((await call(visit(), { env: { PROVIDER: 'workers-ai', AI: undefined } })).res.status).toBe(502);
  });
  it('a hanging binding times out', async () => {
    const ai: AiBinding = { run: () => new Promise(() => {}) };
    const { res } = await call(visit(), { env: { ...aiEnv(ai), OPENAI_MAX_RETRIES: '0' }, deps: fastDeps });
    expect(res.status).toBe(502);
    expect(attempts().map((a) => a.failure)).toEqual(['timeout']);
  });
});
