/**
 * Origin policy for writing. The caller (background, from managed policy) passes a list of
 * patterns; a frame may be scanned or written only when its own origin AND every ancestor frame's
 * origin match one. Requiring the whole chain stops an allowed EHR page framed inside a foreign
 * page from being written when the clinician is looking at the foreign page.
 *
 * The grammar and the matching are the policy's (`lib/policy/origins.ts`, the admin's
 * allowedEhrOrigins, passed through unchanged): exact origins, `https://*.example.org`,
 * `http://127.0.0.1:*`, `https://*`; http only for loopback hosts. ORIGIN_PATTERN_RE is the
 * stricter subset this module accepted first (exact or subdomain wildcard, numeric port).
 */
import { isOriginAllowed, isValidOriginPattern } from '../policy/origins.ts';

export { isValidOriginPattern };

export const ORIGIN_PATTERN_RE = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

export function originMatches(origin: string, pattern: string): boolean {
  return isOriginAllowed(origin, [pattern]);
}

export function originAllowed(origin: string, patterns: ReadonlyArray<string>): boolean {
  return isOriginAllowed(origin, patterns);
}

/** The frame chain's origins, innermost first (Chromium's location.ancestorOrigins). */
export function frameChainOrigins(win: Window): string[] {
  const out = [win.location.origin];
  const anc = win.location.ancestorOrigins;
  if (anc !== undefined) for (let i = 0; i < anc.length; i++) out.push(anc[i]!);
  return out;
}

export function frameChainAllowed(win: Window, patterns: ReadonlyArray<string>): boolean {
  return frameChainOrigins(win).every((o) => originAllowed(o, patterns));
}
