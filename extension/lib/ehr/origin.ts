/**
 * Origin policy for writing. The caller (background, from managed policy) passes a list of
 * patterns; a frame may be scanned or written only when its own origin AND every ancestor frame's
 * origin match one. Requiring the whole chain stops an allowed EHR page framed inside a foreign
 * page from being written when the clinician is looking at the foreign page.
 *
 * Pattern forms: an exact origin (`https://ehr.example.org`, `http://127.0.0.1:8080`), or a
 * subdomain wildcard (`https://*.example.org`, which also matches `https://example.org`).
 * Scheme and port are always exact; no bare `*`.
 */
export const ORIGIN_PATTERN_RE = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

function parseOrigin(origin: string): { scheme: string; host: string; port: string } | null {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const port = u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80';
  return { scheme: u.protocol.slice(0, -1), host: u.hostname.toLowerCase(), port };
}

export function originMatches(origin: string, pattern: string): boolean {
  const m = ORIGIN_PATTERN_RE.exec(pattern);
  const o = parseOrigin(origin);
  if (m === null || o === null) return false;
  const scheme = m[1]!.toLowerCase();
  const wildcard = m[2] !== undefined;
  const host = m[3]!.toLowerCase();
  const port = m[4] ?? (scheme === 'https' ? '443' : '80');
  if (o.scheme !== scheme || o.port !== String(Number(port))) return false;
  if (!wildcard) return o.host === host;
  return o.host === host || o.host.endsWith(`.${host}`);
}

export function originAllowed(origin: string, patterns: ReadonlyArray<string>): boolean {
  return patterns.some((p) => originMatches(origin, p));
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
