/**
 * bench/api — load test of the note API on loopback (wrangler dev → workerd, extractor provider).
 *
 *   npx tsx bench/api.ts [--duration-s 20] [--soak-s 120] [--soak-case 10min|health] [--c10 16] [--c60 4] [--port 0]
 *                        [--runtime wrangler|workerd] [--sweep-s 8]
 *
 * Builds synthetic 10- and 60-minute transcripts from ../shared/eval/dev-text (every PHI span
 * replaced by its typed placeholder, ~150 spoken words per minute), starts `wrangler dev --env
 * bench` on 127.0.0.1, then runs autocannon for a bounded time per case and prints ONE JSON
 * object: requests/s, p50/p95/p99 latency, error rate, and workerd RSS sampled once a second
 * (first/last/max and the drift over the soak). Traffic goes only to 127.0.0.1.
 *
 * --runtime workerd serves the same frozen bundle with the workerd binary alone (no wrangler dev
 * proxy in front): the figure for the runtime itself, next to the issue's `wrangler dev` figure.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoteRequest, NoteResponse } from '../shared/api.ts';
import { extractNote } from '../shared/notes/extractor.ts';
import { findIdentifier } from '../worker/src/middleware/phi-guard.ts';
import { checkOutput } from '../worker/src/middleware/output-check.ts';
import { startApi, type RunningApi } from '../tests/worker/dev-server.ts';

/** The slice of autocannon's API used here (the package ships no types). */
interface AutocannonInstance extends PromiseLike<{ errors: number; timeouts: number }> {
  on(event: 'response', cb: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
}
type Autocannon = (opts: Record<string, unknown>) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const DEV_TEXT = process.env.SCRIBE_DEV_TEXT ?? join(ROOT, '../shared/eval/dev-text/visits.jsonl');
const WPM = 150;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : dflt;
}

/** `--name value` where value is one of `allowed` (the first is the default). */
function choice<T extends string>(name: string, allowed: readonly [T, ...T[]]): T {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return allowed[0];
  const v = process.argv[i + 1];
  const hit = allowed.find((a) => a === v);
  if (hit === undefined) throw new Error(`--${name} must be ${allowed.join(' or ')}`);
  return hit;
}

interface Turn {
  speaker: string;
  text: string;
}
interface PhiSpan {
  turn: number;
  start: number;
  end: number;
  type: string;
}
interface Visit {
  id: string;
  turns: Turn[];
  phi: PhiSpan[];
}
interface Segment {
  id: string;
  speaker: string;
  t0: number;
  t1: number;
  text: string;
}

/** Replace every labelled PHI span with a typed placeholder, numbered per type and value. */
function deidentify(v: Visit, numbering: Map<string, string>, counters: Map<string, number>): Turn[] {
  return v.turns.map((t, i) => {
    const spans = v.phi.filter((p) => p.turn === i).sort((a, b) => b.start - a.start);
    let text = t.text;
    for (const p of spans) {
      const key = `${p.type}\u0000${t.text.slice(p.start, p.end).toLowerCase()}`;
      let ph = numbering.get(key);
      if (ph === undefined) {
        const n = (counters.get(p.type) ?? 0) + 1;
        counters.set(p.type, n);
        ph = `[${p.type}_${n}]`;
        numbering.set(key, ph);
      }
      text = text.slice(0, p.start) + ph + text.slice(p.end);
    }
    return { speaker: t.speaker, text };
  });
}

/** Concatenate de-identified visits until the transcript lasts `minutes` at WPM words a minute. */
export function buildTranscript(visits: Visit[], minutes: number): Segment[] {
  const targetWords = minutes * WPM;
  const segs: Segment[] = [];
  const numbering = new Map<string, string>();
  const counters = new Map<string, number>();
  let words = 0;
  let t = 0;
  for (let k = 0; words < targetWords; k++) {
    const v = visits[k % visits.length];
    if (!v) break;
    for (const turn of deidentify(v, numbering, counters)) {
      const w = turn.text.split(/\s+/).filter(Boolean).length;
      const dur = (w / WPM) * 60;
      const speaker = turn.speaker === 'clinician' || turn.speaker === 'patient' || turn.speaker === 'family' ? turn.speaker : 'unlabelled';
      segs.push({ id: `s${segs.length + 1}`, speaker, t0: Math.round(t * 100) / 100, t1: Math.round((t + dur) * 100) / 100, text: turn.text });
      t += dur;
      words += w;
      if (words >= targetWords) break;
    }
  }
  return segs;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[i] ?? NaN) * 100) / 100;
}

interface CaseResult {
  name: string;
  segments: number;
  words: number;
  bodyBytes: number;
  connections: number;
  durationS: number;
  requests: number;
  reqPerSec: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  errors: number;
  non2xx: number;
  timeouts: number;
  errorRate: number;
  statuses: Record<string, number>;
}

/**
 * Where a request's CPU time goes, measured in this Node process on the same payload (median of
 * `n` runs after `warm` unmeasured ones, so the JIT has settled as it has in a server that has
 * answered thousands of requests; workerd runs the same V8, so the proportions carry over).
 */
function stageBreakdown(body: string, n: number, warm: number): Record<string, number> {
  const acc: Record<string, number[]> = { jsonParse: [], schema: [], phiGuard: [], extractor: [], outputCheck: [], response: [] };
  // CPU time of this thread (user+system, µs resolution): on a shared machine wall time mostly
  // measures the other processes.
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let measuring = false;
  const lap = (k: string, t: number) => {
    if (measuring) acc[k]?.push(cpuNow() - t);
  };
  for (let i = 0; i < warm + n; i++) {
    measuring = i >= warm;
    let t = cpuNow();
    const raw: unknown = JSON.parse(body);
    lap('jsonParse', t);
    t = cpuNow();
    const req = NoteRequest.parse(raw);
    lap('schema', t);
    t = cpuNow();
    findIdentifier(req.segments.map((s) => s.text));
    lap('phiGuard', t);
    t = cpuNow();
    const note = extractNote(req);
    lap('extractor', t);
    t = cpuNow();
    checkOutput(req, note);
    lap('outputCheck', t);
    t = cpuNow();
    JSON.stringify(NoteResponse.parse({ note, provider: 'extractor', timings: { totalMs: 0, providerMs: 0 } }));
    lap('response', t);
  }
  const out: Record<string, number> = {};
  for (const [k, xs] of Object.entries(acc)) out[k] = percentile([...xs].sort((a, b) => a - b), 50);
  return out;
}

async function runCase(api: RunningApi, name: string, body: string, segments: Segment[], connections: number, durationS: number, path = '/v1/notes'): Promise<CaseResult> {
  const lat: number[] = [];
  let non2xx = 0;
  const statuses: Record<string, number> = {};
  const inst = autocannon({
    url: `${api.url}${path}`,
    method: path === '/v1/notes' ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token}` },
    ...(path === '/v1/notes' ? { body } : {}),
    connections,
    pipelining: 1,
    duration: durationS,
    timeout: 10,
  });
  inst.on('response', (_client, statusCode, _bytes, responseTime) => {
    lat.push(responseTime);
    statuses[String(statusCode)] = (statuses[String(statusCode)] ?? 0) + 1;
    if (statusCode < 200 || statusCode >= 300) non2xx++;
  });
  const r = await inst;
  lat.sort((a, b) => a - b);
  const requests = lat.length;
  const errors = r.errors;
  const mean = requests ? lat.reduce((s, x) => s + x, 0) / requests : NaN;
  return {
    name,
    segments: segments.length,
    words: segments.reduce((s, x) => s + x.text.split(/\s+/).filter(Boolean).length, 0),
    bodyBytes: Buffer.byteLength(body),
    connections,
    durationS,
    requests,
    reqPerSec: Math.round((requests / durationS) * 10) / 10,
    latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: percentile(lat, 100), mean: Math.round(mean * 100) / 100 },
    errors,
    non2xx,
    timeouts: r.timeouts,
    errorRate: requests + errors > 0 ? Math.round(((non2xx + errors) / (requests + errors)) * 1e6) / 1e6 : 0,
    statuses,
  };
}

async function main(): Promise<void> {
  const durationS = arg('duration-s', 20);
  const soakS = arg('soak-s', 120);
  const soakCase = choice('soak-case', ['10min', 'health'] as const);
  const runtime = choice('runtime', ['wrangler', 'workerd'] as const);
  const c10 = arg('c10', 16);
  const c60 = arg('c60', 4);
  const visits = readFileSync(DEV_TEXT, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Visit);
  const t10 = buildTranscript(visits, 10);
  const t60 = buildTranscript(visits.slice(50), 60);
  const body = (segments: Segment[], id: string) => JSON.stringify({ visitId: id, template: 'soap', segments });
  const b10 = body(t10, 'bench-10min');
  const b60 = body(t60, 'bench-60min');

  const started = Date.now();
  const api = await startApi({ env: 'bench', port: arg('port', 0), readyTimeoutMs: 120_000, runtime });
  const startupMs = Date.now() - started;
  const mem: Array<{ s: number; kb: number }> = [];
  const sampler = setInterval(() => mem.push({ s: Math.round((Date.now() - started) / 100) / 10, kb: api.workerdRssKb() }), 1000);
  const out: Record<string, unknown> = { bench: 'api', runtime, host: { cpus: cpus().length, loadavg1mAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100 }, startupMs };
  try {
    // Sanity: both transcripts pass the PHI guard and produce a note.
    const check: Record<string, number> = {};
    for (const [n, b] of [['10min', b10], ['60min', b60]] as const) {
      const r = await fetch(`${api.url}/v1/notes`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token}` }, body: b });
      check[n] = r.status;
      await r.arrayBuffer();
    }
    out.sanity = check;
    if (check['10min'] !== 200 || check['60min'] !== 200) throw new Error(`sanity request failed: ${JSON.stringify(check)}`);

    // Floor of the server itself (wrangler dev + workerd + Hono, no body): GET /v1/health.
    const health = await runCase(api, 'health', '', [], c10, 5, '/v1/health');
    out.healthFloor = { reqPerSec: health.reqPerSec, latencyMs: health.latencyMs, errorRate: health.errorRate };
    await runCase(api, 'warmup', b10, t10, c10, 3);
    const memBefore = api.workerdRssKb();
    const r10 = await runCase(api, '10min', b10, t10, c10, durationS);
    await runCase(api, 'warmup', b60, t60, c60, 3);
    const r60 = await runCase(api, '60min', b60, t60, c60, durationS);
    const cases: CaseResult[] = [r10, r60];
    // Throughput against latency: the same 10-minute case at 1, 4, 8 and 16 connections. Past the
    // point where the server is busy all the time, more connections only queue (latency ≈
    // connections / throughput), so this shows where p99 ≤ 50 ms still holds.
    const sweep: Array<{ connections: number; reqPerSec: number; p50: number; p99: number; errorRate: number }> = [];
    for (const c of [1, 4, 8, 16]) {
      const r = await runCase(api, `10min-c${c}`, b10, t10, c, arg('sweep-s', 8));
      sweep.push({ connections: c, reqPerSec: r.reqPerSec, p50: r.latencyMs.p50, p99: r.latencyMs.p99, errorRate: r.errorRate });
    }
    out.connectionSweep10min = sweep;
    let soak: Record<string, unknown> | null = null;
    if (soakS > 0) {
      const from = mem.length;
      // --soak-case health: the same soak on GET /v1/health (no body, no extractor), to tell the
      // dev runtime's own memory behaviour from the note route's
      const res = soakCase === 'health' ? await runCase(api, 'soak-health', '', [], c10, soakS, '/v1/health') : await runCase(api, 'soak-10min', b10, t10, c10, soakS);
      const s = mem.slice(from).map((m) => m.kb);
      const third = Math.max(1, Math.floor(s.length / 3));
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const firstThird = avg(s.slice(0, third));
      const lastThird = avg(s.slice(-third));
      soak = {
        case: soakCase,
        durationS: soakS,
        requests: res.requests,
        reqPerSec: res.reqPerSec,
        errorRate: res.errorRate,
        rssKb: { first: s[0], last: s[s.length - 1], min: Math.min(...s), max: Math.max(...s), firstThirdAvg: Math.round(firstThird), lastThirdAvg: Math.round(lastThird) },
        driftPct: Math.round(((lastThird - firstThird) / firstThird) * 10000) / 100,
        // Every 10th sample (≈10 s apart), to tell a plateau from steady growth.
        rssKbEvery10s: s.filter((_, i) => i % 10 === 0),
        flat: Math.abs((lastThird - firstThird) / firstThird) < 0.1,
      };
    }
    out.cases = cases;
    out.soak = soak;
    out.memory = { workerdRssKbBeforeLoad: memBefore, samples: mem.length, maxKb: Math.max(...mem.map((m) => m.kb)), lastKb: mem[mem.length - 1]?.kb };
    out.targets = {
      '10min_reqPerSec>=1000': r10.reqPerSec >= 1000,
      '10min_p99<=50ms': r10.latencyMs.p99 <= 50,
      // the most connections (of the sweep) at which the 10-minute p99 is still ≤ 50 ms, and the rate there
      '10min_p99<=50ms_upTo': sweep.filter((x) => x.p99 <= 50).at(-1) ?? null,
      '60min_p95<=100ms': r60.latencyMs.p95 <= 100,
      errorRate0: cases.every((c) => c.errorRate === 0),
    };
    // PHI guard on every dev-text visit with its labelled PHI replaced by placeholders: how many
    // would be refused (false refusals), and with the PHI left in: how many are caught.
    let falseRefusals = 0;
    let caughtRaw = 0;
    let rawWithShapeIds = 0;
    for (const v of visits) {
      const clean = deidentify(v, new Map(), new Map()).map((t) => t.text);
      if (findIdentifier(clean) !== null) falseRefusals++;
      const shaped = v.phi.some((p) => ['SSN', 'PHONE', 'FAX', 'EMAIL', 'MRN', 'HEALTH_PLAN', 'ACCOUNT', 'LICENSE', 'DEVICE', 'VEHICLE', 'IP', 'URL'].includes(p.type));
      if (shaped) {
        rawWithShapeIds++;
        if (findIdentifier(v.turns.map((t) => t.text)) !== null) caughtRaw++;
      }
    }
    out.phiGuardOnDevText = { visits: visits.length, falseRefusals, visitsWithShapedIds: rawWithShapeIds, caughtWhenLeftIn: caughtRaw };
    out.stageCpuMsMedianInNode = { '10min': stageBreakdown(b10, 40, 400), '60min': stageBreakdown(b60, 10, 60) };
    out.loadavg1mAtEnd = Math.round((loadavg()[0] ?? 0) * 100) / 100;
    const recs = api.records().filter((r) => r.event === 'request' && r.route === '/v1/notes');
    out.workerLogLines = recs.length;
    const codes: Record<string, number> = {};
    for (const r of recs) if (typeof r.code === 'string') codes[r.code] = (codes[r.code] ?? 0) + 1;
    out.workerErrorCodes = codes;
    // Non-2xx seen by the client but not produced by our worker come from wrangler's dev proxy.
    const workerStatuses: Record<string, number> = {};
    for (const r of recs) workerStatuses[String(r.status)] = (workerStatuses[String(r.status)] ?? 0) + 1;
    out.workerStatuses = workerStatuses;
    out.proxyNon2xxLines = api.logs().filter((l) => /^\[wrangler:\w+\] POST \/v1\/notes [^2]\d\d /.test(l)).length;
    // Lines from wrangler/workerd that are neither our JSON records nor per-request info lines
    // (synthetic data only; kept short): restarts, runtime errors.
    const other = api.logs().filter((l) => l.trim() !== '' && !l.includes('{"ts":') && !l.startsWith('[wrangler:info]'));
    out.serverOtherLines = { count: other.length, sample: other.slice(-8).map((l) => l.slice(0, 200)) };
  } finally {
    clearInterval(sampler);
    await api.stop();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((e: unknown) => {
  process.stdout.write(`${JSON.stringify({ bench: 'api', error: e instanceof Error ? e.message.slice(0, 500) : 'unknown' })}\n`);
  process.exitCode = 1;
});
