/**
 * bench/api's `--runtime workerd`: the frozen bundle served by the workerd binary alone, with a
 * config generated from worker/wrangler.toml. Checks that the generated config carries what the
 * worker needs: the vars (auth accepts the DEV token, refuses others) and the rate limiter
 * (without it the worker fails closed with 503, so a 200 proves the binding is there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../worker/dev-server.ts';
import { validVisit } from '../security/api-arbitraries.ts';

let api: RunningApi;

beforeAll(async () => {
  api = await startApi({ env: 'dev', runtime: 'workerd', readyTimeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await api?.stop();
});

const body = JSON.stringify(validVisit());

describe('workerd runtime for the load test', () => {
  it('is one workerd process, and answers the health check', async () => {
    expect(api.pids()).toHaveLength(1);
    expect(api.workerdRssKb()).toBeGreaterThan(0);
    const r = await fetch(`${api.url}/v1/health`);
    expect(r.status).toBe(200);
  });

  it('refuses a request without the token and serves one with it', async () => {
    const post = (auth?: string) =>
      fetch(`${api.url}/v1/notes`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body });
    expect((await post()).status).toBe(401);
    expect((await post('Bearer wrong-token')).status).toBe(401);
    const ok = await post(`Bearer ${api.token}`);
    expect(ok.status).toBe(200);
    const j = (await ok.json()) as { provider: string; note: { sections: Array<{ statements: unknown[] }> } };
    expect(j.provider).toBe('extractor');
    expect(j.note.sections.some((s) => s.statements.length > 0)).toBe(true);
    // the worker's own access log lines reach records(), one per request, no text
    await new Promise((r) => setTimeout(r, 200));
    const recs = api.records().filter((x) => x.route === '/v1/notes');
    expect(recs.map((x) => x.status)).toEqual([401, 401, 200]);
    expect(api.logs().join('\n')).not.toMatch(/lisinopril|bronchitis/i);
  });
});
