import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError, NoteResponse } from '../../shared/api.ts';
import { createApp } from '../../worker/src/index.ts';
import { echoes, KNOWN_FIELD_KEYS, requestArb, S, toRequest, type FuzzRequest } from '../unit/security/api-arbitraries.ts';
import { baseEnv, captureConsole, ORIGIN, TOKEN } from './helpers.ts';

const logs = captureConsole();

/**
 * API fuzz (issue #10): malformed requests through the whole app inside workerd — bodies
 * (mutated visits, truncated/random/deeply nested JSON, __proto__, lone surrogates, 1e309, 5,001
 * segments), headers (content types, missing/bad/malformed auth, allowed/foreign Origin, a
 * client X-Request-Id) and targets (methods, paths, query strings). Generators are shared with
 * bench/security.ts (tests/unit/security/api-arbitraries.ts). Seed: fixed in CI, printed by
 * fast-check on failure (tests/worker/setup.ts, chosen in global-setup.ts); FC_SEED reproduces a run.
 *
 * 10,000 runs (about 30 s here): one app instance for all of them, as one isolate serves many
 * requests in production.
 */
const RUNS = 10_000;

const app = createApp();

async function send(c: FuzzRequest): Promise<{ res: Response; text: string }> {
  const ctx = createExecutionContext();
  const res = await app.fetch(toRequest(c, 'https://api.test', { ok: TOKEN }, ORIGIN), baseEnv, ctx);
  await waitOnExecutionContext(ctx);
  return { res, text: await res.text() };
}

/** Problems with one response; empty when it is fine. */
function problems(c: FuzzRequest, res: Response, text: string, logText: string): string[] {
  const out: string[] = [];
  if (res.status >= 500) out.push(`status ${res.status}`);
  if (logText.includes(S)) out.push('content in logs');
  if (({} as Record<string, unknown>).polluted !== undefined) out.push('prototype polluted');
  if (res.status === 200 && c.target.method === 'POST') {
    if (!NoteResponse.safeParse(JSON.parse(text)).success) out.push('200 without a valid note');
    return out; // a note may quote the transcript: that is the product, not an echo
  }
  if (res.status === 204 || (res.status === 200 && c.target.method === 'GET')) return out;
  if (echoes(res, text)) out.push('content echoed');
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    out.push('error body is not JSON');
  }
  const err = ApiError.safeParse(json);
  if (!err.success) out.push('error body is not an ApiError');
  for (const path of err.data?.error.fields ?? []) for (const k of path) if (typeof k === 'string' && !KNOWN_FIELD_KEYS.has(k)) out.push('unknown key named in fields');
  return out;
}

describe('property: malformed requests', () => {
  it(`${RUNS.toLocaleString('en')} malformed requests: 0 5xx, closed error bodies, no content echoed or logged`, async () => {
    let n = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArb, async (c) => {
        n++;
        logs.lines.length = 0;
        const { res, text } = await send(c);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(problems(c, res, text, logs.text())).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    expect(n).toBeGreaterThanOrEqual(RUNS);
    // The generators reach every layer: auth, media type, schema, size, routing, CORS, success.
    for (const s of [200, 400, 401, 403, 404, 405, 415]) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(0);
  }, 120_000);

  it('negative: the checks catch an echo, a logged sentinel, a 5xx and an open error body', () => {
    const c = fc.sample(requestArb, { numRuns: 1, seed: 1 })[0]!;
    const post = { ...c, target: { method: 'POST', path: '/v1/notes' } };
    const err = JSON.stringify({ error: { code: 'bad_request', requestId: '00000000-0000-4000-8000-000000000000' } });
    const r = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers });
    expect(problems(post, r(400), err, '')).toEqual([]);
    expect(problems(post, r(400), err.replace('bad_request', `bad_request ${S}`), '')).toContain('content echoed');
    expect(problems(post, r(400, { 'x-echo': S }), err, '')).toContain('content echoed');
    expect(problems(post, r(400), err, `{"msg":"${S}"}`)).toContain('content in logs');
    expect(problems(post, r(500), err, '')).toContain('status 500');
    expect(problems(post, r(400), JSON.stringify({ error: { code: 'bad_request', requestId: '00000000-0000-4000-8000-000000000000', fields: [['segments', 0, `${S}k`]] } }), '')).toContain('unknown key named in fields');
    expect(problems(post, r(400), 'SyntaxError: Unexpected token', '')).toContain('error body is not JSON');
  });
});
