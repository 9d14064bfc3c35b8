import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api.ts';
import { baseEnv, call, captureConsole, errorCode, expectNoContent, ORIGIN, RATE_TOKEN, records, SENTINELS, URL_NOTES, visit } from './helpers.ts';

const logs = captureConsole();

/** Every error body must be exactly the closed ApiError shape. */
function expectError(json: unknown, code: string): void {
  expect(ApiError.safeParse(json).success).toBe(true);
  expect(errorCode(json)).toBe(code);
}

describe('happy path', () => {
  it('returns a note with evidence, a request id, and logs only metadata', async () => {
    const { res, json, text } = await call(visit());
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = json as { provider: string; note: { sections: Array<{ statements: Array<{ evidence: string[] }> }> } };
    expect(body.provider).toBe('extractor');
    for (const s of body.note.sections) for (const st of s.statements) expect(st.evidence.length).toBeGreaterThan(0);
    expect(text.length).toBeGreaterThan(0);
    const recs = records(logs);
    const req = recs.find((r) => r.event === 'request');
    expect(req).toMatchObject({ route: '/v1/notes', status: 200, provider: 'extractor', segments: 5, template: 'soap' });
    expectNoContent([logs.text()], SENTINELS);
  });

  it('GET /v1/health answers without auth', async () => {
    const res = await exports.default.fetch('https://api.test/v1/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', api: 'v1' });
  });
});

describe('request id', () => {
  it('ignores a client-supplied id (free text would reach the logs)', async () => {
    const { res } = await call(visit(), { headers: { 'x-request-id': 'JaneDoe' } });
    expect(res.headers.get('x-request-id')).not.toBe('JaneDoe');
    expect(logs.text()).not.toContain('JaneDoe');
  });
});

describe('routing', () => {
  it('404 for unknown paths without echoing the path', async () => {
    const { res, json, text } = await call(undefined, { method: 'GET', url: 'https://api.test/v1/patients/ZQXsecretname' });
    expect(res.status).toBe(404);
    expectError(json, 'not_found');
    expectNoContent([text, logs.text()], ['ZQXsecretname']);
    expect(records(logs).find((r) => r.event === 'request')?.route).toBe('other');
  });
  it('405 for a wrong method', async () => {
    const { res, json } = await call(undefined, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expectError(json, 'method_not_allowed');
  });
  it('415 for a non-JSON content type', async () => {
    const { res, json } = await call('segments=ZQXalpha', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expectError(json, 'unsupported_media_type');
    expectNoContent([logs.text()], ['ZQXalpha']);
  });
});

describe('size limit', () => {
  it('413 when Content-Length is over 1 MiB, before auth or parsing', async () => {
    const big = JSON.stringify(visit({ segments: [{ id: 'a', speaker: 'patient', t0: 0, t1: 1, text: 'ZQXhuge '.repeat(140_000) }] }));
    expect(big.length).toBeGreaterThan(1_048_576);
    const { res, json, text } = await call(big, { token: null });
    expect(res.status).toBe(413);
    expectError(json, 'payload_too_large');
    expectNoContent([text, logs.text()], ['ZQXhuge']);
  });
  it('413 for a streamed body without Content-Length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent >= 20) return ctl.close();
        sent++;
        ctl.enqueue(chunk);
      },
    });
    const { createApp } = await import('../../worker/src/index.ts');
    const req = new Request(URL_NOTES, { method: 'POST', body: stream, headers: { 'content-type': 'application/json', authorization: 'Bearer test-token-alpha' } });
    expect(req.headers.get('content-length')).toBeNull();
    const res = await createApp().fetch(req, baseEnv);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(20);
  });
  it('a body just under the limit is parsed (and then judged by the schema)', async () => {
    const segs = Array.from({ length: 200 }, (_, i) => ({ id: `s${i}`, speaker: 'patient', t0: i, t1: i + 1, text: 'The cough is worse at night. '.repeat(130) }));
    const body = JSON.stringify(visit({ segments: segs }));
    expect(body.length).toBeLessThan(1_048_576);
    expect(body.length).toBeGreaterThan(700_000);
    const { res, json } = await call(body);
    expect(res.status).toBe(400); // 200 × 3,770 chars is over the 600k total-chars bound
    expectError(json, 'bad_request');
  });
});

describe('auth', () => {
  it.each([
    ['missing', null, undefined],
    ['not bearer', null, { authorization: 'Basic dGVzdDp0ZXN0' }],
    ['empty bearer', null, { authorization: 'Bearer ' }],
    ['wrong token', 'not-the-right-token-ZQX', undefined],
    ['token with spaces', 'test token alpha', undefined],
    ['unicode token', 'tëst-tökén-ālpha', undefined],
  ])('401 with no detail: %s', async (_n, token, headers) => {
    const { res, json, text } = await call(visit(), { token: token as string | null, ...(headers ? { headers } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expectError(json, 'unauthorized');
    expect(Object.keys((json as { error: object }).error).sort()).toEqual(['code', 'requestId']);
    expectNoContent([text, logs.text()], [...SENTINELS, 'not-the-right-token', 'test token alpha']);
  });
  it('fails closed when no token hashes are configured', async () => {
    const { res } = await call(visit(), { env: { API_TOKEN_HASHES: '' } });
    expect(res.status).toBe(401);
  });
  it('accepts any configured token and logs only a digest prefix', async () => {
    const { res } = await call(visit(), { token: 'dev-local-token-not-secret' });
    expect(res.status).toBe(200);
    const rec = records(logs).find((r) => r.event === 'request');
    expect(rec?.tokenId).toBe('9993f117c1c9');
    expect(logs.text()).not.toContain('dev-local-token-not-secret');
  });
});

describe('rate limit (Workers Rate Limiting binding)', () => {
  it('429 with Retry-After once the per-token limit is spent', async () => {
    const tight = { RATE_LIMITER: baseEnv.RATE_LIMITER_TIGHT };
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await call(visit(), { token: RATE_TOKEN, env: tight });
      statuses.push(last.res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last?.res.headers.get('retry-after')).toBe('60');
    expectError(last?.json, 'rate_limited');
    // The limit is per token: another token is unaffected.
    const other = await call(visit(), { env: tight });
    expect(other.res.status).toBe(200);
    expectNoContent([logs.text()], SENTINELS);
  });
  it('503 (fail closed) when the binding is missing', async () => {
    const { res, json } = await call(visit(), { env: { RATE_LIMITER: undefined } });
    expect(res.status).toBe(503);
    expectError(json, 'unavailable');
  });
  it('503 when the binding throws', async () => {
    const broken = { limit: async () => Promise.reject(new Error('ZQXboom')) } as unknown as RateLimit;
    const { res, text } = await call(visit(), { env: { RATE_LIMITER: broken } });
    expect(res.status).toBe(503);
    expectNoContent([text, logs.text()], ['ZQXboom']);
  });
});

describe('config', () => {
  it('503 when a var is invalid (and the value is not logged)', async () => {
    const { res, json } = await call(visit(), { env: { PROVIDER: 'ZQXnot-a-provider' } });
    expect(res.status).toBe(503);
    expectError(json, 'unavailable');
    expectNoContent([logs.text()], ['ZQXnot-a-provider']);
  });
});

describe('CORS', () => {
  it('answers the preflight for the extension origin', async () => {
    const { res } = await call(undefined, {
      method: 'OPTIONS',
      token: null,
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('vary')).toBe('Origin');
  });
  it('adds ACAO to the extension origin responses, errors included', async () => {
    const ok = await call(visit(), { headers: { origin: ORIGIN } });
    expect(ok.res.status).toBe(200);
    expect(ok.res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const bad = await call(visit(), { headers: { origin: ORIGIN }, token: null });
    expect(bad.res.status).toBe(401);
    expect(bad.res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
  it.each(['https://evil.example', 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 'null', `${ORIGIN}.evil.example`])(
    '403 and no ACAO for other origins: %s',
    async (origin) => {
      for (const method of ['OPTIONS', 'POST']) {
        const { res, json } = await call(method === 'POST' ? visit() : undefined, { method, headers: { origin } });
        expect(res.status).toBe(403);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expectError(json, 'forbidden');
      }
    },
  );
});

describe('validation (400 with field paths, never values)', () => {
  it('malformed JSON: 400 with no fields, and the parser message is not echoed', async () => {
    const { res, json, text } = await call('{"visitId": "v1", "segments": [ZQXalpha');
    expect(res.status).toBe(400);
    expectError(json, 'bad_request');
    expect((json as ApiError).error.fields).toBeUndefined();
    expectNoContent([text, logs.text()], ['ZQXalpha']);
  });
  it.each([
    ['empty body', ''],
    ['null', 'null'],
    ['array', '[]'],
    ['string', '"ZQXalpha"'],
    ['number', '42'],
  ])('%s → 400', async (_n, body) => {
    const { res, json, text } = await call(body);
    expect(res.status).toBe(400);
    expectError(json, 'bad_request');
    expectNoContent([text, logs.text()], ['ZQXalpha']);
  });
  it('wrong types give the field path only', async () => {
    const v = visit();
    (v.segments as Array<Record<string, unknown>>)[1] = { id: 's2', speaker: 'patient', t0: 'ZQXzero', t1: 1, text: 42 };
    const { res, json, text } = await call(v);
    expect(res.status).toBe(400);
    const fields = (json as ApiError).error.fields ?? [];
    expect(fields).toContainEqual(['segments', 1, 't0']);
    expect(fields).toContainEqual(['segments', 1, 'text']);
    expectNoContent([text, logs.text()], ['ZQXzero', ...SENTINELS]);
  });
  it('unknown keys are refused, and their names (which could be content) are not echoed', async () => {
    const v = { ...visit(), ZQXJaneDoe: 'x', __proto__x: 1 };
    const { res, json, text } = await call(v);
    expect(res.status).toBe(400);
    expectError(json, 'bad_request');
    expectNoContent([text, logs.text()], ['ZQXJaneDoe']);
  });
  it('a "__proto__" key is refused', async () => {
    const { res } = await call('{"visitId":"v","template":"soap","segments":[],"__proto__":{"polluted":true}}');
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('huge field inside the 1 MiB limit: 400 at its path', async () => {
    const v = visit({ segments: [{ id: 's1', speaker: 'patient', t0: 0, t1: 1, text: 'ZQXlong '.repeat(1000) }] });
    const { res, json, text } = await call(v);
    expect(res.status).toBe(400);
    expect((json as ApiError).error.fields).toContainEqual(['segments', 0, 'text']);
    expectNoContent([text, logs.text()], ['ZQXlong']);
  });
  it('duplicate segment ids, bad template, t1 < t0, too many segments', async () => {
    const dup = visit();
    (dup.segments as Array<Record<string, unknown>>)[1]!.id = 's1';
    expect((await call(dup)).res.status).toBe(400);
    expect((await call(visit({ template: 'ZQXfree' }))).res.status).toBe(400);
    expect((await call(visit({ segments: [{ id: 'a', speaker: 'patient', t0: 5, t1: 1, text: 'x' }] }))).res.status).toBe(400);
    const many = Array.from({ length: 5001 }, (_, i) => ({ id: `s${i}`, speaker: 'patient', t0: 0, t1: 0, text: '' }));
    expect((await call(visit({ segments: many }))).res.status).toBe(400);
    expectNoContent([logs.text()], ['ZQXfree']);
  });
  it('unicode edge cases: valid text passes, lone surrogates are refused', async () => {
    const texts = [
      'Patient reports pain 🤕 at 7/10 — worse at night ZQXuni',
      'Arabic: السعال منذ أسبوعين ZQXuni',
      'Combining: e\u0301 n\u0303 ZQXuni',
      'Zero width: co\u200Bugh \u2066isolate\u2069 ZQXuni',
      'NUL \u0000 and BOM \uFEFF ZQXuni',
      'Astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ZQXuni',
    ];
    for (const t of texts) {
      const { res } = await call(visit({ segments: [{ id: 'u1', speaker: 'patient', t0: 0, t1: 1, text: t }] }));
      expect(res.status).toBe(200);
    }
    const lone = '{"visitId":"v","template":"soap","segments":[{"id":"a","speaker":"patient","t0":0,"t1":1,"text":"ZQXuni \\ud800 x"}]}';
    const { res, json } = await call(lone);
    expect(res.status).toBe(400);
    expect((json as ApiError).error.fields).toContainEqual(['segments', 0, 'text']);
    expectNoContent([logs.text()], ['ZQXuni', 'السعال', '𝔘𝔫𝔦']);
  });
  it('asking for an unconfigured provider is a 400 at options.provider', async () => {
    const { res, json } = await call(visit({ options: { provider: 'workers-ai' } }));
    expect(res.status).toBe(400);
    expect((json as ApiError).error.fields).toEqual([['options', 'provider']]);
  });
});
