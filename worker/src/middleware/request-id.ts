import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types.ts';

/**
 * A fresh random id per request, returned as X-Request-Id. A client-supplied id is ignored on
 * purpose: it is free text and would end up in logs.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = crypto.randomUUID();
    c.set('requestId', id);
    c.set('logFields', {});
    await next();
    c.header('X-Request-Id', id);
  };
}
