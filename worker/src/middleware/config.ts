import type { MiddlewareHandler } from 'hono';
import { parseConfig } from '../env.ts';
import { fail } from '../errors.ts';
import { log } from '../log.ts';
import type { AppEnv } from '../types.ts';

/** Parse the vars (cached per env object); an invalid config fails closed with 503. */
export function config(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const cfg = parseConfig(c.env ?? {});
    if (cfg === null) {
      log({ event: 'config_invalid', rid: c.get('requestId') });
      return fail(c, 'unavailable');
    }
    c.set('config', cfg);
    return next();
  };
}
