import type { MiddlewareHandler } from 'hono';
import { fail } from '../errors.ts';
import type { AppEnv } from '../types.ts';

/**
 * CORS for the configured extension origins only (Fetch standard, CORS protocol).
 * - No Origin header (curl, server-to-server): not a CORS request, passes through.
 * - Origin in ALLOWED_ORIGINS: preflight answered here (204); responses carry ACAO for it.
 * - Any other Origin: 403 `forbidden`, for preflights and requests alike. Browsers would block
 *   reading the response anyway; refusing early also keeps foreign pages off the rate limit.
 */
export function cors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    const allowed = c.get('config').allowedOrigins.includes(origin);
    if (!allowed) return fail(c, 'forbidden', { headers: { Vary: 'Origin' } });
    if (c.req.method === 'OPTIONS') {
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'authorization, content-type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    await next();
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
    c.header('Vary', 'Origin');
  };
}
