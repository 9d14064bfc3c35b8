import type { MiddlewareHandler } from 'hono';
import { log } from '../log.ts';
import type { AppEnv } from '../types.ts';

/** Route templates we log; any other path is logged as "other" (a raw path could carry text). */
const ROUTES = new Set(['/v1/notes', '/v1/health']);

/** One log line per request: id, route, status, sizes, timings, provider, code. Never content. */
export function accessLog(now: () => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = now();
    c.set('started', started);
    await next();
    const len = Number(c.req.header('content-length'));
    const f = c.get('logFields') ?? {};
    log({
      event: 'request',
      rid: c.get('requestId'),
      method: c.req.method,
      route: ROUTES.has(c.req.path) ? c.req.path : 'other',
      status: c.res.status,
      ...(Number.isFinite(len) ? { reqBytes: len } : {}),
      ...f,
      totalMs: now() - started,
    });
  };
}
