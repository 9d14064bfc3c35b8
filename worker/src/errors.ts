import type { Context } from 'hono';
import { apiError, ERROR_STATUS, type ErrorCode } from '../../shared/api.ts';
import type { AppEnv } from './types.ts';

/** Known contract keys: any other string in a zod path is replaced before it reaches a client. */
const KNOWN_KEYS = new Set([
  'visitId',
  'template',
  'segments',
  'options',
  'id',
  'speaker',
  't0',
  't1',
  'text',
  'provider',
  'language',
  'omitEmptySections',
  'bannerNameHashes',
]);

export function safePath(path: ReadonlyArray<PropertyKey>): (string | number)[] {
  return path.map((k) => (typeof k === 'number' ? k : typeof k === 'string' && KNOWN_KEYS.has(k) ? k : '_'));
}

/** The only way a handler answers with an error: a closed code and the request id, nothing else. */
export function fail(
  c: Context<AppEnv>,
  code: ErrorCode,
  opts: { fields?: ReadonlyArray<ReadonlyArray<PropertyKey>>; headers?: Record<string, string> } = {},
): Response {
  const rid = c.get('requestId') ?? 'unknown';
  c.set('logFields', { ...(c.get('logFields') ?? {}), code });
  const body = apiError(code, rid, opts.fields?.map(safePath));
  const status = ERROR_STATUS[code];
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...opts.headers };
  return c.body(JSON.stringify(body), status as 400, headers);
}
