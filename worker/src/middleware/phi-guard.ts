import type { MiddlewareHandler } from 'hono';
import type { NoteRequest } from '../../../shared/api.ts';
import { containsBannerName } from '../../../shared/banner-hash.ts';
import { detectPatternIdentifiers, GUARDED_TYPES, type PhiType } from '../../../shared/phi-patterns.ts';
import { fail } from '../errors.ts';
import type { GuardRule } from '../log.ts';
import type { AppEnv } from '../types.ts';

/** First guarded identifier type found in any segment, or null. Pure; never throws. */
export function findIdentifier(texts: readonly string[]): PhiType | null {
  for (const t of texts) {
    for (const span of detectPatternIdentifiers(t)) if (GUARDED_TYPES.has(span.type)) return span.type;
  }
  return null;
}

/**
 * Banner names, declared by the client WITHOUT sending them: `options.bannerNameHashes` holds
 * digests made by `bannerNameHashes(name)` in shared/banner-hash.ts (the normalisation lives
 * there, one copy for both sides). The guard hashes every distinct transcript word the same way
 * and refuses on a match.
 */
export { BANNER_HASH_PREFIX, containsBannerName, hashBannerToken, nameTokens } from '../../../shared/banner-hash.ts';

export function bannerDigests(req: NoteRequest): string[] {
  return req.options.bannerNameHashes ?? [];
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
