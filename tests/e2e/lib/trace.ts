/**
 * Run tracing for audits (issue 10 item 6, and the canary sweep): everything the browser printed
 * or sent during a run, as plain files anyone can `grep`.
 *
 *   const l = await launchWithExtension({...});
 *   const trace = await startTrace(l, { dir: 'out/trace', api });   // api: RunningApi, optional
 *   ... drive the run ...
 *   await trace.evalIn({ kind: 'offscreen' }, 'console.log("x")');  // tests only: run JS in a context
 *   const summary = await trace.stop();   // call before l.close(); safe after it too
 *
 * Files written into `dir`:
 *   console-<kind>-<n>.log  one per context (target), lines "ISO-time level [source] text  (url:line)";
 *                           kind: sw (service worker), offscreen (offscreen document), extpage
 *                           (chrome-extension:// tab, e.g. the side panel opened as a tab), page (web
 *                           page), worker (dedicated/shared worker or worklet: the ASR worker, the capture
 *                           AudioWorklet), frame, other.
 *                           The first line is a "# type url targetId (parent ...)" header.
 *   requests.jsonl          one JSON object per HTTP request: {t, method, url, headers, body,
 *                           status, error, resourceType, context, via}; body is the request body
 *                           as text (UTF-8; binary bodies as "base64:..."). via: ['cdp'],
 *                           ['playwright'] or both (the two sources are merged).
 *   api.log                 every stdout/stderr line of `wrangler dev` (from the API's start), when
 *                           `api` is given; appended about once a second and completed at stop().
 *   summary.json            the TraceSummary that stop() returns.
 *
 * How each context is reached (measured on Debian Chromium 156, playwright-core 1.65):
 *   Playwright's own events do not see the offscreen document (its CDP target type is "other"
 *   at creation, then "background_page", which Playwright ignores), nor the workers inside it, nor
 *   their requests; `context.browser()` is null for persistent contexts, so there is no browser
 *   CDP session. So: one Playwright CDP session on a page (`context.newCDPSession`; the first open
 *   tab), Target.setDiscoverTargets on it (works from a page session; Target.attachToBrowserTarget
 *   answers "Not allowed"), and Target.attachToTarget with flatten:false for every target (flat
 *   sessions would not do: Playwright's connection drops messages for session ids it did not
 *   create, per its source). Messages ride Target.sendMessageToTarget / receivedMessageFromTarget.
 *   On each session: Runtime.enable (it replays console messages and exceptions logged before we
 *   attached: measured for the service worker and the side panel), Log.enable, Network.enable,
 *   and Target.setAutoAttach (paused start, nested non-flat) for out-of-process frames and
 *   workers where that domain exists. The offscreen document's session has no
 *   Target.setAutoAttach ("wasn't found"), but its dedicated workers (the ASR worker) are
 *   reported to discovery as top-level "worker" targets and attached like the rest. Chromium also
 *   copies a worker's console into its document's Log (source "worker"), so those lines appear in
 *   both files. Playwright's serviceWorker.on('console') does report the worker's console in this
 *   version; the trace uses CDP for every context alike.
 *   Requests: CDP Network.* on every target (bodies up to 16 MiB inline, else
 *   Network.getRequestPostData; postDataEntries preferred: exact bytes), merged with Playwright's
 *   context 'request' events (which see a page's first requests, before a CDP attach completes).
 *   If the tab holding the root session closes, the trace re-makes it on another tab (or a new
 *   one); lines replayed on re-attach are not written twice (summary.reconnects counts it).
 *
 * Limits: requests a top-level target sends before our attach completes (a new page's navigation,
 * the offscreen document's own script loads, a worker's first fetch) are missed by CDP; a response
 * whose request was missed is still recorded (missedRequest: true, method '?'). Object arguments
 * of console calls are rendered with JSON.stringify in their context (fallback: CDP's preview).
 * Response bodies are not recorded. Not measured: whether the attached sessions keep the service
 * worker from idling out (Playwright's own attachment may already do so).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CDPSession, Request } from 'playwright-core';
import type { RunningApi } from '../../worker/dev-server.ts';
import type { Launched } from './browser.ts';

export type ContextKind = 'sw' | 'offscreen' | 'extpage' | 'page' | 'worker' | 'frame' | 'other';

export interface TraceContext {
  kind: ContextKind;
  n: number;
  /** CDP target type as last seen (service_worker, background_page, page, worker, ...) */
  type: string;
  url: string;
  targetId: string;
  /** the console file, relative to dir (null, with n 0, for a context that logged nothing) */
  file: string | null;
  lines: number;
}

export interface TraceRequest {
  t: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  status: number | null;
  error: string | null;
  resourceType: string | null;
  /** kind-n of the context that sent it ("sw-1", its console file's name), or just the kind if it
   * never logged; Playwright-only records: 'page' or 'sw' */
  context: string | null;
  /** URL of the document or worker that sent it (CDP records) */
  contextUrl?: string;
  via: Array<'cdp' | 'playwright'>;
  missedRequest?: true;
}

export interface TraceSummary {
  dir: string;
  contexts: TraceContext[];
  consoleLines: number;
  requests: number;
  apiLines: number;
  /** times the root CDP session was lost (its page closed) and re-made on another page */
  reconnects: number;
  /** problems of the tracer itself (attach failures, lost root session) */
  errors: string[];
}

export interface Trace {
  /** Evaluate `expression` in the first live context matching (tests and positive controls). */
  evalIn(match: { kind?: ContextKind; url?: RegExp }, expression: string): Promise<unknown>;
  /** Contexts seen so far. */
  contexts(): TraceContext[];
  stop(): Promise<TraceSummary>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- raw CDP payloads */
type Json = any;

interface Session {
  id: string;
  send: (method: string, params?: Json) => Promise<Json>;
  target: Target;
  children: Map<string, Session>;
  parent: Session | null;
}

interface Target {
  targetId: string;
  type: string;
  url: string;
  parentKey: string | null;
  ctx: TraceContext | null;
  chain: Promise<void>;
  session: Session | null;
  alive: boolean;
  /** the root connection this target's session rides on */
  gen: number;
  /** keys of console events already written (replays after a reconnect) */
  seen: Set<string>;
}

const MAX_BODY = 16 * 1024 * 1024;
const IGNORED_TYPES = new Set(['browser_ui', 'tab', 'browser', 'webview', 'auction_worklet']);

function kindOf(type: string, url: string): ContextKind {
  if (type === 'service_worker') return 'sw';
  // an AudioWorklet reports type "worklet" with its document's URL: type first
  if (type === 'worker' || type === 'shared_worker' || type === 'worklet') return 'worker';
  if (type === 'background_page' || /^chrome-extension:\/\/[^/]+\/offscreen\.html/.test(url)) return 'offscreen';
  if (type === 'iframe') return 'frame';
  if (type === 'page') return url.startsWith('chrome-extension://') ? 'extpage' : 'page';
  return 'other';
}

function formatRemote(o: Json): string {
  if (!o) return '';
  if (o.type === 'string') return String(o.value);
  if (o.unserializableValue !== undefined) return String(o.unserializableValue);
  if ('value' in o && o.type !== 'object') return String(o.value);
  if (o.type === 'undefined') return 'undefined';
  if (o.value !== undefined) return JSON.stringify(o.value);
  if (o.preview) return previewText(o.preview);
  return String(o.description ?? o.type);
}

function previewText(p: Json): string {
  const props = (p.properties ?? []).map((x: Json) => (p.subtype === 'array' ? '' : `${x.name}: `) + (x.valuePreview ? previewText(x.valuePreview) : x.value));
  const entries = (p.entries ?? []).map((e: Json) => (e.key ? `${previewText(e.key)} => ` : '') + previewText(e.value));
  const all = [...props, ...entries].join(', ') + (p.overflow ? ', …' : '');
  return p.subtype === 'array' ? `[${all}]` : `${p.description && p.description !== 'Object' ? p.description + ' ' : ''}{${all}}`;
}

function decodeEntries(entries: Json[] | undefined): string | null {
  if (!entries?.length) return null;
  const buf = Buffer.concat(entries.map((e: Json) => Buffer.from(String(e.bytes ?? ''), 'base64')));
  return bufText(buf);
}

function bufText(buf: Buffer): string {
  const s = buf.toString('utf8');
  return s.includes('\uFFFD') ? `base64:${buf.toString('base64')}` : s;
}

export async function startTrace(launched: Launched, opts: { dir: string; api?: RunningApi | undefined }): Promise<Trace> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const { context } = launched;
  const errors: string[] = [];
  const targets = new Map<string, Target>();
  const contexts: TraceContext[] = [];
  const counters = new Map<ContextKind, number>();
  const cdpReqs = new Map<string, TraceRequest>(); // requestId -> record (deduped across sessions)
  const cdpList: TraceRequest[] = [];
  const pwList: Array<{ rec: TraceRequest; req: Request }> = [];
  const sender = new Map<TraceRequest, Target>(); // named at stop(), once every context has its name
  let stopped = false;
  let seq = 0;
  // look-ups still in flight (request bodies, response statuses): stop() waits for them
  const inflight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  // ---- console files ----
  const ctxOf = (t: Target): TraceContext => {
    if (t.ctx) return t.ctx;
    const kind = kindOf(t.type, t.url);
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    const file = `console-${kind}-${n}.log`;
    t.ctx = { kind, n, type: t.type, url: t.url, targetId: t.targetId, file, lines: 0 };
    contexts.push(t.ctx);
    writeFileSync(join(dir, file), `# ${t.type} ${t.url} ${t.targetId}${t.parentKey ? ` (in ${t.parentKey})` : ''}\n`);
    return t.ctx;
  };
  const write = (t: Target, line: string) => {
    const c = ctxOf(t);
    c.lines++;
    appendFileSync(join(dir, c.file!), line.replace(/\n/g, '\n    ') + '\n');
  };
  // keep each context's lines in order even when rendering an argument needs a round trip
  const enqueue = (t: Target, key: string, fn: () => Promise<string | null>) => {
    if (t.seen.has(key)) return; // replayed by Runtime.enable / Log.enable after a reconnect
    t.seen.add(key);
    t.chain = t.chain.then(fn).then(
      (line) => {
        if (line !== null) write(t, line);
      },
      (e: unknown) => {
        errors.push(`console render: ${String(e)}`);
      },
    );
  };
  const where = (url?: string, line?: number) => (url ? `  (${url}${line !== undefined && line >= 0 ? `:${line + 1}` : ''})` : '');

  const renderArg = async (s: Session, a: Json): Promise<string> => {
    if (a?.objectId && (a.type === 'object' || a.type === 'function') && a.subtype !== 'error' && a.subtype !== 'node') {
      try {
        const r = await withTimeout(
          s.send('Runtime.callFunctionOn', {
            objectId: a.objectId,
            functionDeclaration: 'function(){try{const s=JSON.stringify(this);return s===undefined?String(this):s}catch(e){return String(this)}}',
            returnByValue: true,
          }),
          3_000,
        );
        if (typeof r?.result?.value === 'string') return r.result.value;
      } catch {
        // context gone: the preview is all there is
      }
    }
    return formatRemote(a);
  };

  const onEvent = (s: Session, method: string, p: Json) => {
    const t = s.target;
    switch (method) {
      case 'Runtime.consoleAPICalled': {
        const ts = new Date(p.timestamp ?? Date.now()).toISOString();
        const frame = p.stackTrace?.callFrames?.[0];
        enqueue(t, `c${p.timestamp}:${p.type}:${JSON.stringify(p.args?.map((a: Json) => a.value ?? a.description))}`, async () => {
          const parts: string[] = [];
          for (const a of p.args ?? []) parts.push(await renderArg(s, a));
          return `${ts} ${p.type} [console] ${parts.join(' ')}${where(frame?.url, frame?.lineNumber)}`;
        });
        break;
      }
      case 'Runtime.exceptionThrown': {
        const d = p.exceptionDetails ?? {};
        const ts = new Date(p.timestamp ?? Date.now()).toISOString();
        enqueue(t, `x${p.timestamp}:${d.text}:${d.lineNumber}`, async () => `${ts} error [exception] ${d.text ?? ''} ${d.exception?.description ?? formatRemote(d.exception)}${where(d.url, d.lineNumber)}`);
        break;
      }
      case 'Log.entryAdded': {
        const e = p.entry ?? {};
        const ts = new Date(e.timestamp ?? Date.now()).toISOString();
        enqueue(t, `l${e.timestamp}:${e.source}:${e.text}`, async () => `${ts} ${e.level} [${e.source}] ${e.text ?? ''}${(e.args ?? []).map((a: Json) => ' ' + formatRemote(a)).join('')}${where(e.url, e.lineNumber)}`);
        break;
      }
      case 'Network.requestWillBeSent': {
        const prev = cdpReqs.get(p.requestId);
        if (prev && p.redirectResponse) {
          prev.status = p.redirectResponse.status ?? null;
        } else if (prev && prev.url === p.request?.url) {
          return; // the same request reported by a second session
        }
        const r = p.request ?? {};
        const rec: TraceRequest = {
          t: new Date(p.wallTime ? p.wallTime * 1000 : Date.now()).toISOString(),
          method: r.method,
          url: r.url + (r.urlFragment ?? ''),
          headers: lowerKeys(r.headers),
          body: decodeEntries(r.postDataEntries) ?? (typeof r.postData === 'string' ? r.postData : null), // entries: exact bytes
          status: null,
          error: null,
          resourceType: p.type ?? null,
          context: null,
          via: ['cdp'],
        };
        cdpReqs.set(p.requestId, rec);
        cdpList.push(rec);
        sender.set(rec, t);
        if (r.hasPostData && rec.body === null) {
          track(s.send('Network.getRequestPostData', { requestId: p.requestId }).then(
            (b: Json) => {
              if (typeof b?.postData === 'string') rec.body = b.base64Encoded ? bufText(Buffer.from(b.postData, 'base64')) : b.postData;
            },
            () => undefined,
          ));
        }
        break;
      }
      case 'Network.requestWillBeSentExtraInfo': {
        const rec = cdpReqs.get(p.requestId);
        if (rec) Object.assign(rec.headers, lowerKeys(p.headers));
        break;
      }
      case 'Network.responseReceived': {
        let rec = cdpReqs.get(p.requestId);
        if (!rec) {
          const r = p.response ?? {};
          rec = {
            t: new Date().toISOString(),
            method: String(r.requestHeaders?.[':method'] ?? '?'),
            url: r.url,
            headers: lowerKeys(r.requestHeaders),
            body: null,
            status: null,
            error: null,
            resourceType: p.type ?? null,
            context: null,
            via: ['cdp'],
            missedRequest: true,
          };
          cdpReqs.set(p.requestId, rec);
          cdpList.push(rec);
          sender.set(rec, t);
        }
        rec.status = p.response?.status ?? null;
        break;
      }
      case 'Network.loadingFailed': {
        const rec = cdpReqs.get(p.requestId);
        if (rec) rec.error = String(p.errorText ?? 'failed') + (p.canceled ? ' (canceled)' : '');
        break;
      }
      case 'Target.attachedToTarget':
        void onAttached(s, p.sessionId, p.targetInfo, p.waitingForDebugger);
        break;
      case 'Target.detachedFromTarget': {
        const c = s.children.get(p.sessionId);
        if (c) {
          c.target.alive = false;
          s.children.delete(p.sessionId);
        }
        break;
      }
      case 'Target.receivedMessageFromTarget': {
        const c = s.children.get(p.sessionId);
        if (c) dispatch(c, p.message);
        break;
      }
      case 'Runtime.executionContextCreated': {
        // an offscreen document starts as type "other" with no URL; its main context names it
        const origin = p.context?.origin;
        if (!t.url && typeof origin === 'string' && origin) t.url = origin;
        break;
      }
      default:
    }
  };

  // ---- non-flat sessions: every message to a child rides Target.sendMessageToTarget ----
  const pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void; method: string }>();
  const dispatch = (s: Session, raw: string) => {
    let m: Json;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (m.id !== undefined) {
      const cb = pending.get(m.id);
      if (!cb) return;
      pending.delete(m.id);
      if (m.error) cb.reject(new Error(`${cb.method}: ${m.error.message}`));
      else cb.resolve(m.result);
      return;
    }
    if (typeof m.method === 'string') onEvent(s, m.method, m.params ?? {});
  };
  const childSession = (parent: Session | null, parentSend: (method: string, params?: Json) => Promise<Json>, sessionId: string, target: Target): Session => {
    const s: Session = {
      id: sessionId,
      target,
      parent,
      children: new Map(),
      send: (method, params = {}) => {
        const id = ++seq;
        const p = new Promise<Json>((resolve, reject) => pending.set(id, { resolve, reject, method }));
        parentSend('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e: unknown) => {
          const cb = pending.get(id);
          pending.delete(id);
          cb?.reject(e instanceof Error ? e : new Error(String(e)));
        });
        return p;
      },
    };
    target.session = s;
    return s;
  };

  const setUp = async (s: Session, waiting: boolean) => {
    const step = async (method: string, params?: Json) => {
      try {
        await withTimeout(s.send(method, params), 5_000);
      } catch (e) {
        // an offscreen document's session has no Target domain (its workers are found by discovery)
        // 'trace stopped': stop() rejected a set-up still in flight (a target that appeared as the run ended)
        const gone = !s.target.alive || contextClosed || stopped || s.target.gen !== gen || /has been closed|Target closed|No target|trace stopped/.test(String(e));
        if (!gone && !/wasn't found/.test(String(e))) errors.push(`${kindOf(s.target.type, s.target.url)} ${method}: ${String(e)}`);
      }
    };
    await Promise.all([
      step('Runtime.enable'),
      step('Log.enable'),
      step('Network.enable', { maxPostDataSize: MAX_BODY }),
      step('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false }),
    ]);
    void waiting; // resume in every case: a no-op for a target that is not paused
    await step('Runtime.runIfWaitingForDebugger');
  };

  const onAttached = async (parent: Session, sessionId: string, info: Json, waiting: boolean) => {
    const existing = targets.get(info.targetId);
    if (existing?.session && existing.alive && existing.gen === gen) {
      // already traced through another parent (the service worker shows up under the offscreen
      // document): let this instance run, and leave it
      const dup = childSession(parent, parent.send, sessionId, { ...existing, session: null });
      await dup.send('Runtime.runIfWaitingForDebugger').catch(() => undefined);
      await parent.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
      return;
    }
    const t: Target = existing ?? {
      targetId: info.targetId,
      type: info.type,
      url: info.url ?? '',
      parentKey: parent.target.ctx ? `${parent.target.ctx.kind}-${parent.target.ctx.n}` : parent.target.targetId,
      ctx: null,
      chain: Promise.resolve(),
      session: null,
      alive: true,
      gen,
      seen: new Set(),
    };
    t.gen = gen;
    t.alive = true;
    targets.set(t.targetId, t);
    const s = childSession(parent, parent.send, sessionId, t);
    parent.children.set(sessionId, s);
    await setUp(s, waiting);
  };

  // ---- the root: a Playwright CDP session on a page. If that page closes, the sessions riding
  // on it end: reconnect through another page (Runtime.enable replays what was logged meanwhile;
  // lines already written are not written twice).
  let gen = 0;
  let reconnects = 0;
  let contextClosed = false;
  context.once('close', () => {
    contextClosed = true;
  });
  let root: CDPSession | null = null;
  const attaching = new Set<string>();

  const connect = async (): Promise<void> => {
    const host = context.pages().find((p) => !p.isClosed()) ?? (await context.newPage());
    const r = await context.newCDPSession(host);
    const myGen = ++gen;
    root = r;
    attaching.clear();
    const rootSend = (method: string, params?: Json) => r.send(method as never, params as never) as Promise<Json>;
    const rootSessions = new Map<string, Session>();
    const rootOn = (ev: string, fn: (p: Json) => void) => (r as unknown as { on: (e: string, f: (p: Json) => void) => void }).on(ev, fn);

    const attachTop = async (info: Json) => {
      if (stopped || myGen !== gen || IGNORED_TYPES.has(info.type) || attaching.has(info.targetId)) return;
      const old = targets.get(info.targetId);
      if (old && (old.gen === myGen || !old.alive)) return;
      attaching.add(info.targetId);
      const t: Target = old ?? { targetId: info.targetId, type: info.type, url: info.url ?? '', parentKey: null, ctx: null, chain: Promise.resolve(), session: null, alive: true, gen: myGen, seen: new Set() };
      t.gen = myGen;
      targets.set(t.targetId, t);
      try {
        const { sessionId } = (await rootSend('Target.attachToTarget', { targetId: info.targetId, flatten: false })) as { sessionId: string };
        const s = childSession(null, rootSend, sessionId, t);
        rootSessions.set(sessionId, s);
        await setUp(s, false);
      } catch (e) {
        if (myGen !== gen || stopped) return;
        t.alive = false;
        if (!/No target with given id|Target closed|closed/i.test(String(e))) errors.push(`attach ${info.type} ${info.url}: ${String(e).split('\n')[0]}`);
      } finally {
        attaching.delete(info.targetId);
      }
    };
    rootOn('Target.receivedMessageFromTarget', (p) => {
      const s = rootSessions.get(p.sessionId);
      if (s) dispatch(s, p.message);
    });
    rootOn('Target.targetCreated', (p) => void attachTop(p.targetInfo));
    rootOn('Target.targetInfoChanged', (p) => {
      const t = targets.get(p.targetInfo.targetId);
      if (!t) return void attachTop(p.targetInfo);
      t.type = p.targetInfo.type;
      if (p.targetInfo.url) t.url = p.targetInfo.url;
      if (t.ctx) {
        t.ctx.type = t.type;
        t.ctx.url = t.url;
      }
    });
    rootOn('Target.targetDestroyed', (p) => {
      const t = targets.get(p.targetId);
      if (t) t.alive = false;
    });
    rootOn('Target.detachedFromTarget', (p) => {
      const s = rootSessions.get(p.sessionId);
      if (s && s.target.gen === myGen) s.target.alive = false;
    });
    r.on('close', () => {
      if (stopped || myGen !== gen || contextClosed) return;
      // the browser closing closes this session before the context reports 'close': wait a moment
      setTimeout(() => {
        if (stopped || contextClosed) return;
        reconnects++;
        connect().catch(async (e: unknown) => {
          await new Promise((r) => setTimeout(r, 1_000)); // a closing browser refuses new tabs first
          if (!stopped && !contextClosed) errors.push(`reconnect: ${String(e).split('\n')[0]}`);
        });
      }, 200);
    });
    await rootSend('Target.setDiscoverTargets', { discover: true }); // also reports the existing targets
    for (const info of ((await rootSend('Target.getTargets')) as { targetInfos: Json[] }).targetInfos) void attachTop(info);
  };
  await connect();

  // ---- Playwright's view of requests (pages, and service workers where it reports them) ----
  const onRequest = (req: Request) => {
    if (stopped) return;
    let body: string | null = null;
    try {
      const b = req.postDataBuffer();
      body = b ? bufText(b) : null;
    } catch {
      body = null;
    }
    const rec: TraceRequest = {
      t: new Date().toISOString(),
      method: req.method(),
      url: req.url(),
      headers: lowerKeys(req.headers()),
      body,
      status: null,
      error: null,
      resourceType: req.resourceType(),
      context: req.serviceWorker() ? 'sw' : 'page',
      via: ['playwright'],
    };
    pwList.push({ rec, req });
  };
  const onRequestDone = (req: Request) => {
    const e = pwList.find((x) => x.req === req);
    if (!e) return;
    track(
      req
        .response()
        .then((r) => {
          if (r) e.rec.status = r.status();
        })
        .catch(() => undefined),
    );
    const f = req.failure();
    if (f) e.rec.error = f.errorText;
  };
  context.on('request', onRequest);
  context.on('requestfinished', onRequestDone);
  context.on('requestfailed', onRequestDone);

  // ---- the API's log ----
  let apiWritten = 0;
  const apiFile = join(dir, 'api.log');
  const flushApi = () => {
    if (!opts.api) return;
    const lines = opts.api.logs();
    if (lines.length > apiWritten) appendFileSync(apiFile, lines.slice(apiWritten).join('\n') + '\n');
    apiWritten = lines.length;
  };
  if (opts.api) writeFileSync(apiFile, '');
  flushApi();
  const apiTimer = opts.api ? setInterval(flushApi, 1_000) : undefined;

  // contexts with console lines (in order of their first line), then silent ones (n 0, no file)
  const allContexts = (): TraceContext[] => [
    ...contexts.map((c) => ({ ...c })),
    ...[...targets.values()]
      .filter((t) => !t.ctx)
      .map((t) => ({ kind: kindOf(t.type, t.url), n: 0, type: t.type, url: t.url, targetId: t.targetId, file: null, lines: 0 })),
  ];
  const trace: Trace = {
    contexts: () => allContexts(),
    async evalIn(match, expression) {
      const t = [...targets.values()].find((x) => x.alive && x.session && (!match.kind || kindOf(x.type, x.url) === match.kind) && (!match.url || match.url.test(x.url)));
      if (!t?.session) throw new Error(`no live context matches ${JSON.stringify({ kind: match.kind, url: match.url?.source })}`);
      const r = (await t.session.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as Json;
      if (r?.exceptionDetails) throw new Error(`evalIn: ${r.exceptionDetails.text}`);
      return r?.result?.value;
    },
    async stop() {
      if (stopped) throw new Error('trace already stopped');
      // let in-flight events land (post data look-ups, response events)
      await new Promise((r) => setTimeout(r, 300));
      stopped = true;
      if (apiTimer) clearInterval(apiTimer);
      flushApi();
      context.off('request', onRequest);
      context.off('requestfinished', onRequestDone);
      context.off('requestfailed', onRequestDone);
      await withTimeout(Promise.all([...[...targets.values()].map((t) => t.chain as Promise<unknown>), ...inflight]), 10_000).catch(() => errors.push('stop: some console lines or request details were still pending'));
      await (root as CDPSession | null)?.detach().catch(() => undefined);
      for (const cb of pending.values()) cb.reject(new Error('trace stopped'));
      pending.clear();

      for (const [rec, t] of sender) {
        rec.context = t.ctx ? `${t.ctx.kind}-${t.ctx.n}` : kindOf(t.type, t.url);
        rec.contextUrl = t.url;
      }
      // merge: a Playwright request that CDP also saw (same method, URL and body) is one request
      const all = [...cdpList];
      const unmatched = new Map<string, TraceRequest[]>();
      const key = (r: TraceRequest) => `${r.method} ${r.url}`;
      for (const r of cdpList) unmatched.set(key(r), [...(unmatched.get(key(r)) ?? []), r]);
      for (const { rec } of pwList) {
        const cands = unmatched.get(key(rec)) ?? [];
        const i = cands.findIndex((c) => c.body === null || rec.body === null || c.body === rec.body);
        if (i >= 0) {
          const c = cands.splice(i, 1)[0]!;
          c.via.push('playwright');
          c.body ??= rec.body;
          c.status ??= rec.status;
          for (const [k, v] of Object.entries(rec.headers)) c.headers[k] ??= v;
        } else all.push(rec);
      }
      all.sort((a, b) => a.t.localeCompare(b.t));
      writeFileSync(join(dir, 'requests.jsonl'), all.map((r) => JSON.stringify(r)).join('\n') + (all.length ? '\n' : ''));
      const summary: TraceSummary = {
        dir,
        contexts: allContexts(),
        consoleLines: contexts.reduce((a, c) => a + c.lines, 0),
        requests: all.length,
        apiLines: apiWritten,
        reconnects,
        errors,
      };
      writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
      return summary;
    },
  };
  return trace;
}

function lowerKeys(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
