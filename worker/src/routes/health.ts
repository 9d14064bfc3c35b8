import { Hono } from 'hono';
import { fail } from '../errors.ts';
import type { AppEnv } from '../types.ts';

/** Liveness only: no auth, no config detail. */
export function healthRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/v1/health', (c) => c.json({ status: 'ok', api: 'v1' }));
  r.all('/v1/health', (c) => fail(c, 'method_not_allowed', { headers: { Allow: 'GET' } }));
  return r;
}
