import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { NoteRequest } from '../../../shared/api.ts';
import { detectPatternIdentifiers, type PhiType } from '../../../shared/phi-patterns.ts';
import { fail } from '../errors.ts';
import type { GuardRule } from '../log.ts';
import type { AppEnv } from '../types.ts';

/**
 * Identifier classes that must never arrive unplaceholdered: every class with a recognisable
 * shape (numbers, ids, emails, URLs, IPs). The id classes are all guarded because the detector
 * picks among them by nearby words ("serial", "member", "fax"), so a phone number next to the
 * word "device" is still refused. Not guarded here: numeric dates ("pain 7/10" has a date's
 * shape), addresses, ZIPs, ages, names and places — they need context the server does not have
 * and stay the minimizer's job (banner names are checked below). Measured on the 200 dev-text
 * visits with their PHI replaced by placeholders: 0 false refusals.
 */
export const GUARDED_TYPES: ReadonlySet<PhiType> = new Set<PhiType>([
  'SSN',
  'PHONE',
  'FAX',
  'EMAIL',
  'MRN',
  'HEALTH_PLAN',
  'ACCOUNT',
  'LICENSE',
  'DEVICE',
  'VEHICLE',
  'IP',
  'URL',
]);

/** First guarded identifier type found in any segment, or null. Pure; never throws. */
export function findIdentifier(texts: readonly string[]): PhiType | null {
  for (const t of texts) {
    for (const span of detectPatternIdentifiers(t)) if (GUARDED_TYPES.has(span.type)) return span.type;
  }
  return null;
}

/**
 * Banner names, declared by the client WITHOUT sending them: `options.bannerNameHashes` holds
 * hex SHA-256 digests of `BANNER_HASH_PREFIX + token`, one per name token (NFKC, lower case,
 * letters only, 2+ letters; "Sandberg, Kenji" → "sandberg", "kenji"). The guard hashes every
 * distinct word of the transcript the same way and refuses on a match. The option is read with
 * its own schema so the guard works as soon as the contract carries it.
 */
export const BANNER_HASH_PREFIX = 'scribe-banner-v1:';
const BannerOption = z.looseObject({ bannerNameHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(32).optional() });

export function nameTokens(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length >= 2);
}

async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  let out = '';
  for (const b of d) out += b.toString(16).padStart(2, '0');
  return out;
}

export async function hashBannerToken(token: string): Promise<string> {
  return sha256Hex(BANNER_HASH_PREFIX + token);
}

/** True when any transcript word hashes to a declared banner-name digest. */
export async function containsBannerName(texts: readonly string[], digests: readonly string[]): Promise<boolean> {
  if (digests.length === 0) return false;
  const wanted = new Set(digests);
  const words = new Set<string>();
  for (const t of texts) for (const w of nameTokens(t)) words.add(w);
  for (const w of words) if (wanted.has(await hashBannerToken(w))) return true;
  return false;
}

export function bannerDigests(req: NoteRequest): string[] {
  const parsed = BannerOption.safeParse(req.options);
  return parsed.success ? (parsed.data.bannerNameHashes ?? []) : [];
}

/** 422 `phi_detected` (code only) when a payload still carries an identifier. */
export function phiGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const req = c.get('noteRequest');
    const texts = req.segments.map((s) => s.text);
    const found = findIdentifier(texts);
    if (found !== null) {
      c.set('logFields', { ...c.get('logFields'), guardRule: found satisfies GuardRule });
      return fail(c, 'phi_detected');
    }
    if (await containsBannerName(texts, bannerDigests(req))) {
      c.set('logFields', { ...c.get('logFields'), guardRule: 'BANNER_NAME' });
      return fail(c, 'phi_detected');
    }
    return next();
  };
}
