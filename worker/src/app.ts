import { Hono } from 'hono';
import { fail } from './errors.ts';
import { log } from './log.ts';
import { accessLog } from './middleware/access-log.ts';
import { config } from './middleware/config.ts';
import { cors } from './middleware/cors.ts';
import { requestId } from './middleware/request-id.ts';
import { healthRoutes } from './routes/health.ts';
import { notesRoutes } from './routes/notes.ts';
import type { AppEnv, Deps } from './types.ts';

const defaultDeps: Deps = {
  fetch: (input, init) => fetch(input, init),
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The note API. Global chain: access log → request id → config → CORS; the notes route adds
 * size limit → auth → rate limit → schema → PHI guard → provider → output check.
 * Dependencies are injectable so tests can swap the outbound fetch, clock and providers.
 */
export function createApp(overrides: Partial<Deps> = {}): Hono<AppEnv> {
  const deps: Deps = { ...defaultDeps, ...overrides };
  const app = new Hono<AppEnv>();
  app.use('*', accessLog(deps.now), requestId(), config(), cors());
  app.route('/', healthRoutes());
  app.route('/', notesRoutes(deps));
  app.notFound((c) => fail(c, 'not_found'));
  app.onError((_err, c) => {
    // Never the error's message or stack: parser and runtime messages can quote input.
    log({ event: 'unhandled_error', rid: c.get('requestId') });
    return fail(c, 'internal');
  });
  return app;
}
