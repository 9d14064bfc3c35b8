import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { LIMITS } from '../../../shared/api.ts';
import { fail } from '../errors.ts';
import type { AppEnv } from '../types.ts';

/**
 * Reject bodies over 1 MiB with 413 before anything reads or parses them. hono/body-limit checks
 * Content-Length when present and otherwise counts the streamed bytes, stopping at the limit.
 */
export function bodyLimit(maxSize: number = LIMITS.maxBodyBytes): MiddlewareHandler<AppEnv> {
  return honoBodyLimit({ maxSize, onError: (c) => fail(c as Parameters<typeof fail>[0], 'payload_too_large') });
}
