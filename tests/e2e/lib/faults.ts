/**
 * Fault injection for the e2e fault tests (tests/e2e/faults.e2e.ts).
 *
 * - `startFaultApi`: a tiny HTTP server on the note API's configured address (127.0.0.1:8787, the
 *   extension's default apiBaseUrl) that answers the way a failing API does — slow, HTTP 500,
 *   garbage — or forwards to a real API (`startApi` in workerd) when healthy. It keeps, per
 *   request, only the method, path, status and the SHA-256 of the body (the preview id is the
 *   SHA-256 of the exact request bytes), never the body itself.
 * - `browserCdp`: Chrome DevTools Protocol commands on the browser and on any target (the
 *   offscreen document, the service worker), through a CDP session of one extension page.
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { CDPSession, Page } from 'playwright-core';
import type { Launched } from './browser.ts';

export type FaultMode = 'down' | 'slow' | 'http500' | 'garbage' | 'healthy';

export interface Hit {
  method: string;
  path: string;
  status: number;
  /** SHA-256 hex of the request body (POST): equals the egress preview id */
  bodySha: string | null;
  /** the request's visitId (an id, never content): other engineers' extensions also use :8787 */
  visitId: string | null;
  mode: FaultMode;
}

export interface FaultApi {
  readonly port: number;
  mode: FaultMode;
  hits: Hit[];
  /** POSTs to /v1/notes for a body hash */
  posts(bodySha?: string): Hit[];
  /** stop listening (mode 'down'); `listen()` again to come back */
  close(): Promise<void>;
  listen(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when nothing accepts a TCP connection on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** Another engineer's test may hold the port for a while: wait for it rather than fail. */
export async function waitPortFree(port: number, timeoutMs = 600_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await portIsFree(port))) {
    if (Date.now() > end) throw new Error(`port ${port} stayed busy for ${timeoutMs} ms`);
    await sleep(1_000);
  }
}

async function listenRetry(server: Server, port: number, timeoutMs = 600_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const onErr = (e: NodeJS.ErrnoException) => resolve(e);
      server.once('error', onErr);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onErr);
        resolve(null);
      });
    });
    if (err === null) return;
    if (err.code !== 'EADDRINUSE' || Date.now() > end) throw err;
    await sleep(1_000);
  }
}

function cors(req: IncomingMessage): Record<string, string> {
  return {
    'access-control-allow-origin': String(req.headers.origin ?? '*'),
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-max-age': '0',
    vary: 'origin',
  };
}

/**
 * The fault server. `upstream` is a real note API (its base URL) for mode 'healthy'.
 * 'slow' holds the request `slowMs` (longer than the flow's 30 s timeout) before answering 504.
 */
export async function startFaultApi(opts: { upstream: string; port?: number; mode?: FaultMode; slowMs?: number }): Promise<FaultApi> {
  const port = opts.port ?? 8787;
  const up = new URL(opts.upstream);
  let server: Server | null = null;
  const api: FaultApi = {
    port,
    mode: opts.mode ?? 'healthy',
    hits: [],
    posts: (sha) => api.hits.filter((h) => h.method === 'POST' && h.path === '/v1/notes' && (sha === undefined || h.bodySha === sha)),
    close: async () => {
      const s = server;
      server = null;
      if (s === null) return;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    },
    listen: async () => {
      if (server !== null) return;
      const s = createServer((req, res) => void handle(req, res));
      await listenRetry(s, port);
      server = s;
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const mode = api.mode;
    let visitId: string | null = null;
    try {
      const v = (JSON.parse(body.toString('utf8')) as { visitId?: unknown }).visitId;
      if (typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v)) visitId = v;
    } catch {
      // not JSON: no visit id
    }
    const hit: Hit = { method: req.method ?? '', path, status: 0, bodySha: req.method === 'POST' ? createHash('sha256').update(body).digest('hex') : null, visitId, mode };
    api.hits.push(hit);
    if (mode === 'healthy') {
      // forward as is (preflight too) to the real API and pipe its answer back
      const fwd = httpRequest(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } },
        (r) => {
          hit.status = r.statusCode ?? 0;
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      fwd.once('error', () => {
        hit.status = 502;
        res.writeHead(502, cors(req)).end();
      });
      fwd.end(body);
      return;
    }
    if (req.method === 'OPTIONS') {
      hit.status = 204;
      res.writeHead(204, cors(req)).end();
      return;
    }
    if (mode === 'slow') {
      const t = setTimeout(() => {
        hit.status = 504;
        if (!res.destroyed) res.writeHead(504, cors(req)).end();
      }, opts.slowMs ?? 40_000);
      res.once('close', () => clearTimeout(t));
      return;
    }
    if (mode === 'http500') {
      hit.status = 500;
      res.writeHead(500, { ...cors(req), 'content-type': 'application/json' }).end('{"error":"internal"}');
      return;
    }
    // garbage: a 200 that is not a note
    hit.status = 200;
    res.writeHead(200, { ...cors(req), 'content-type': 'application/json' }).end('{"note": {"sections": "\u0000<<not a note>>"}, "provider": 7');
  }

  if (api.mode !== 'down') await api.listen();
  return api;
}

// ── CDP ────────────────────────────────────────────────────────────────────────────────────────

export interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

export interface BrowserCdp {
  session: CDPSession;
  targets(): Promise<TargetInfo[]>;
  /** one CDP command inside another target (attached once, non-flattened) */
  inTarget(targetId: string, method: string, params?: Record<string, unknown>): Promise<{ result?: unknown; error?: { message: string } }>;
  /** Runtime.evaluate in a target; returns the value (by value) */
  evaluate(targetId: string, expression: string): Promise<unknown>;
  /** drop the cached session of a target (closed, or restarted under the same id) */
  forget(targetId: string): void;
  detach(): Promise<void>;
}

/**
 * CDP through one extension page's session. Target.* and Storage.* answer there for the whole
 * browser; other targets are reached with Target.attachToTarget + sendMessageToTarget (Playwright's
 * CDPSession does not route flattened child sessions).
 */
export async function browserCdp(page: Page, l: Launched): Promise<BrowserCdp> {
  const session = await l.context.newCDPSession(page);
  const attached = new Map<string, string>();
  let nextId = 0;
  const inTarget = async (targetId: string, method: string, params: Record<string, unknown> = {}) => {
    let sessionId = attached.get(targetId);
    if (sessionId === undefined) {
      sessionId = ((await session.send('Target.attachToTarget', { targetId, flatten: false })) as { sessionId: string }).sessionId;
      attached.set(targetId, sessionId);
    }
    const id = ++nextId;
    const sid = sessionId;
    return new Promise<{ result?: unknown; error?: { message: string } }>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.off('Target.receivedMessageFromTarget', onMsg as never);
        reject(new Error(`CDP ${method}: no answer`));
      }, 15_000);
      const onMsg = (e: { sessionId: string; message: string }) => {
        if (e.sessionId !== sid) return;
        const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
        if (m.id !== id) return;
        clearTimeout(timer);
        session.off('Target.receivedMessageFromTarget', onMsg as never);
        resolve(m);
      };
      session.on('Target.receivedMessageFromTarget', onMsg as never);
      session.send('Target.sendMessageToTarget', { sessionId: sid, message: JSON.stringify({ id, method, params }) }).catch((e: unknown) => {
        clearTimeout(timer);
        session.off('Target.receivedMessageFromTarget', onMsg as never);
        reject(e instanceof Error ? e : new Error('CDP send failed'));
      });
    });
  };
  return {
    session,
    targets: async () => ((await session.send('Target.getTargets')) as { targetInfos: TargetInfo[] }).targetInfos,
    inTarget,
    evaluate: async (targetId, expression) => {
      const r = (await inTarget(targetId, 'Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
        result?: { result?: { value?: unknown }; exceptionDetails?: unknown };
        error?: { message: string };
      };
      if (r.error) throw new Error(`CDP ${r.error.message}`);
      if (r.result?.exceptionDetails) throw new Error('evaluate threw');
      return r.result?.result?.value;
    },
    forget: (targetId) => void attached.delete(targetId),
    detach: async () => {
      for (const sessionId of attached.values()) await session.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
      attached.clear();
      await session.detach().catch(() => undefined);
    },
  };
}
