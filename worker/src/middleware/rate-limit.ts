import type { MiddlewareHandler } from 'hono';
import { fail } from '../errors.ts';
import type { AppEnv } from '../types.ts';

/**
 * Per-token rate limit with the Workers Rate Limiting binding (RATE_LIMITER), keyed by the
 * token's digest. Over the limit: 429 with Retry-After = the limiter's period (the binding does
 * not say when the window resets, so the period is the honest upper bound). A missing or failing
 * binding fails closed (503): an unlimited API is not a safe fallback.
 */
export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter = c.env?.RATE_LIMITER;
    if (limiter === undefined || typeof limiter.limit !== 'function') return fail(c, 'unavailable');
    let success: boolean;
    try {
      ({ success } = await limiter.limit({ key: `tok:${c.get('tokenId')}` }));
    } catch {
      return fail(c, 'unavailable');
    }
    if (!success) {
      return fail(c, 'rate_limited', { headers: { 'Retry-After': String(c.get('config').rateLimitPeriodS) } });
    }
    return next();
  };
}
