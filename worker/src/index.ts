import type { Env } from './env.ts';
import { createApp } from './app.ts';

export type { Env } from './env.ts';
export { createApp } from './app.ts';

const app = createApp();

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
