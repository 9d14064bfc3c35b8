import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../worker/dev-server.ts';
import { launchWithExtension } from './lib/browser.ts';
import { makeCanaries, scanTrace } from './lib/canary.ts';
import { makeClip } from './lib/clip.ts';
import { openPanel, startVisit, stopVisit, waitForSeconds, waitForState } from './lib/panel.ts';
import { startTrace, type TraceRequest, type TraceSummary } from './lib/trace.ts';

/**
 * The run trace (lib/trace.ts) really sees every context: a short visit through the side panel,
 * then the trace must hold console lines of the service worker, the side panel page and the
 * offscreen document (the extension's own logger there, not only something we injected), and the
 * requests. Positive control for the canary sweep: a canary put in a web page's console and in a
 * fetch body to the local API is found by scanTrace, so a sweep built on it can fail.
 */
describe('run trace: every context, every request', () => {
  let api: RunningApi;
  const dir = mkdtempSync(join(tmpdir(), 'scribe-trace-'));
  beforeAll(async () => {
    api = await startApi({ port: 0 });
  });
  afterAll(async () => {
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records console of the service worker, side panel and offscreen document, the requests and the API log; canaries are found', async () => {
    const clip = makeClip('a1-001.wav', 0, 6);
    const l = await launchWithExtension({ micWav: clip.path });
    const c = makeCanaries(1010);
    let summary: TraceSummary;
    let status = 0;
    try {
      const trace = await startTrace(l, { dir, api });
      await l.serviceWorker.evaluate(() => console.log('trace-marker-sw'));
      const panel = await openPanel(l);
      await panel.evaluate(() => console.info('trace-marker-panel'));
      await startVisit(panel, { mic: true });
      expect(await waitForState(panel, ['recording', 'error'], 30_000)).toBe('recording');
      await waitForSeconds(panel, 'mic', 3, 30_000);
      await stopVisit(panel);
      // the offscreen document is reachable for evaluation too (what a sweep's controls use)
      expect(await trace.evalIn({ kind: 'offscreen' }, "console.warn('trace-marker-offscreen', {n: 1}); 42")).toBe(42);

      // positive controls: a canary in a web page's console, and in a request body to the API
      const web = await l.context.newPage();
      await web.goto(`${api.url}/v1/health`);
      await web.evaluate((name) => console.log('patient', name), c.fullName);
      status = await web.evaluate(
        async ({ url, mrn }) => (await fetch(`${url}/v1/notes`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `mrn ${mrn}` })).status,
        { url: api.url, mrn: c.mrn },
      );
      expect(status).toBeGreaterThanOrEqual(400); // refused (no token), but it was sent
      summary = await trace.stop();
    } finally {
      await l.close();
    }

    const ctx = (kind: string) => summary.contexts.filter((x) => x.kind === kind);
    const text = (file: string | null) => (file ? readFileSync(join(dir, file), 'utf8') : '');
    expect(summary.errors).toEqual([]);
    expect(ctx('sw').some((x) => text(x.file).includes('trace-marker-sw'))).toBe(true);
    const panelCtx = ctx('extpage').find((x) => x.url.endsWith('/sidepanel.html'));
    expect(text(panelCtx?.file ?? null)).toContain('trace-marker-panel');
    const off = ctx('offscreen');
    expect(off.length, JSON.stringify(summary.contexts)).toBe(1);
    const offText = text(off[0]!.file);
    expect(offText).toContain('"code":"capture.started"'); // the extension's own logger
    expect(offText).toContain('trace-marker-offscreen {"n":1}');
    expect(summary.consoleLines).toBeGreaterThan(4);

    const reqs = readFileSync(join(dir, 'requests.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((x) => JSON.parse(x) as TraceRequest);
    expect(reqs.length).toBe(summary.requests);
    expect(reqs.some((r) => r.url.endsWith('/sidepanel.html') && r.status === 200)).toBe(true);
    expect(reqs.some((r) => r.contextUrl?.endsWith('/offscreen.html') && r.url.includes('capture-worklet'))).toBe(true); // the offscreen document (or its worklet)
    expect(reqs.some((r) => r.context === 'offscreen-1')).toBe(true);
    const post = reqs.find((r) => r.method === 'POST' && r.url === `${api.url}/v1/notes`);
    expect(post?.body).toBe(`mrn ${c.mrn}`);
    expect(post?.status).toBe(status); // the response the page got, as the API answered it
    const apiLog = readFileSync(join(dir, 'api.log'), 'utf8');
    expect(apiLog.length).toBeGreaterThan(0);
    expect(summary.apiLines).toBeGreaterThan(0);

    // the sweep can fail: both canaries are found, in the right places
    const s = scanTrace(dir, c.all);
    const pageHit = s.hits.find((h) => h.canary === c.fullName && /^console-page-\d+\.log$/.test(h.file));
    expect(pageHit?.allowed).toBe(false);
    const bodyHit = s.hits.find((h) => h.canary === c.mrn && h.file === 'requests.jsonl' && h.where === 'body');
    expect(bodyHit?.allowed).toBe(false);
    expect(s.disallowed).toBeGreaterThanOrEqual(2);
    // with the egress allowance the body hit (a POST to /v1/notes) is allowed, the console hit is not
    const e = scanTrace(dir, c.all, { allowIn: ['egress'] });
    expect(e.hits.find((h) => h.canary === c.mrn && h.where === 'body')?.allowed).toBe(true);
    expect(e.hits.find((h) => h.canary === c.fullName)?.allowed).toBe(false);
    // nothing else carries them: not the API's log, not the extension contexts
    expect(s.hits.filter((h) => h.file !== pageHit?.file && h.where !== 'body')).toEqual([]);
  });
});
