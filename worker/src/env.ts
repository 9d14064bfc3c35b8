import { z } from 'zod';
import { ProviderId } from '../../shared/api.ts';

/** Minimal shape of the Workers AI binding we use; its output is parsed, never trusted. */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

/** The Workers Rate Limiting binding (runtime type RateLimit), as far as we use it. */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Bindings and vars as the runtime hands them over. Every var is parsed by `parseConfig`. */
export interface Env {
  RATE_LIMITER?: RateLimiter;
  AI?: AiBinding;
  PROVIDER?: string;
  API_TOKEN_HASHES?: string;
  ALLOWED_ORIGINS?: string;
  RATE_LIMIT_PERIOD_S?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  OPENAI_MODEL?: string;
  OPENAI_TIMEOUT_MS?: string;
  OPENAI_MAX_RETRIES?: string;
  WORKERS_AI_MODEL?: string;
}

const csv = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const intIn = (min: number, max: number, dflt: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? dflt : Number(v)))
    .pipe(z.number().int().min(min).max(max));

const Origin = z.string().regex(/^(chrome-extension|moz-extension|https?):\/\/[A-Za-z0-9.:-]{1,253}$/);
const TokenHash = z.string().regex(/^[0-9a-f]{64}$/);

const ConfigSchema = z
  .object({
    provider: ProviderId,
    tokenHashes: z.array(TokenHash).max(1000),
    allowedOrigins: z.array(Origin).max(100),
    rateLimitPeriodS: z.number().int().min(1).max(3600),
    openai: z
      .object({
        baseUrl: z.string(),
        apiKey: z.string(),
        model: z.string().max(200),
        timeoutMs: z.number().int(),
        maxRetries: z.number().int(),
      })
      .strict(),
    workersAiModel: z.string().max(200),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

/**
 * Parse the vars once per isolate (cached by env object identity). A bad value makes the config
 * invalid and every request fails closed with 503 `unavailable`; the reason is never the value.
 */
const cache = new WeakMap<object, Config | null>();
export function parseConfig(env: Env): Config | null {
  const hit = cache.get(env);
  if (hit !== undefined) return hit;
  let out: Config | null = null;
  try {
    const timeout = intIn(100, 120_000, 20_000).safeParse(env.OPENAI_TIMEOUT_MS);
    const retries = intIn(0, 5, 2).safeParse(env.OPENAI_MAX_RETRIES);
    const period = intIn(1, 3600, 60).safeParse(env.RATE_LIMIT_PERIOD_S);
    if (timeout.success && retries.success && period.success) {
      const parsed = ConfigSchema.safeParse({
        provider: (env.PROVIDER ?? '').trim() === '' ? 'extractor' : env.PROVIDER?.trim(),
        tokenHashes: csv(env.API_TOKEN_HASHES).map((h) => h.toLowerCase()),
        allowedOrigins: csv(env.ALLOWED_ORIGINS),
        rateLimitPeriodS: period.data,
        openai: {
          baseUrl: (env.OPENAI_BASE_URL ?? '').trim().replace(/\/+$/, ''),
          apiKey: env.OPENAI_API_KEY ?? '',
          model: (env.OPENAI_MODEL ?? '').trim(),
          timeoutMs: timeout.data,
          maxRetries: retries.data,
        },
        workersAiModel: (env.WORKERS_AI_MODEL ?? '').trim() || '@cf/meta/llama-3.3-70b-instruct-fp8-fast',
      });
      if (parsed.success) out = parsed.data;
    }
  } catch {
    out = null;
  }
  cache.set(env, out);
  return out;
}
