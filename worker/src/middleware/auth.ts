import type { MiddlewareHandler } from 'hono';
import { fail } from '../errors.ts';
import type { AppEnv } from '../types.ts';

/** RFC 6750 b64token, bounded. Anything else is simply "unauthorized". */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{8,512}=*)$/;

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toHex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Constant-time equality of two equal-length byte arrays (workerd's timingSafeEqual when present). */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (x: Uint8Array, y: Uint8Array) => boolean };
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Bearer-token auth. Tokens are stored only as SHA-256 hex digests (API_TOKEN_HASHES). The
 * presented token is hashed and compared with every configured digest without an early exit, so
 * timing reveals neither which digest matched nor how much of it. Failure is a bare 401.
 */
export function auth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const m = BEARER.exec(c.req.header('authorization') ?? '');
    const hashes = c.get('config').tokenHashes;
    if (!m || hashes.length === 0) return fail(c, 'unauthorized', { headers: { 'WWW-Authenticate': 'Bearer' } });
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(m[1] ?? ''));
    const presented = new Uint8Array(digest);
    let ok = false;
    for (const h of hashes) {
      // Non-short-circuiting OR: every configured digest is compared.
      ok = timingSafeEqual(presented, hexToBytes(h)) || ok;
    }
    if (!ok) return fail(c, 'unauthorized', { headers: { 'WWW-Authenticate': 'Bearer' } });
    c.set('tokenId', toHex(digest));
    c.set('logFields', { ...c.get('logFields'), tokenId: toHex(digest).slice(0, 12) });
    return next();
  };
}
