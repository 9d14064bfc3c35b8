/**
 * Origin patterns for allowedEhrOrigins.
 *
 *   pattern := scheme "://" host [ ":" port ]
 *   scheme  := "https" | "http"      (http only with a loopback host)
 *   host    := "*" | "*." domain | domain | IPv4 | "[" IPv6 "]"
 *   port    := digits | "*"          (absent = the scheme's default port only)
 *
 * "*.example.org" matches example.org and any subdomain, like Chrome's match patterns.
 * No path, query or fragment: write permission is per origin. Matching never throws.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const LABEL = '(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)';
const DOMAIN_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV6_RE = /^\[[0-9a-f:.]{2,45}\]$/;
const PATTERN_RE = /^(https?):\/\/(\*|\*\.[^:/]+|\[[^\]]+\]|[^:/*[\]]+)(?::(\*|\d{1,5}))?$/;

interface ParsedPattern {
  scheme: 'http' | 'https';
  host: string; // '*' or a hostname; wildcard-subdomain stored without the '*.'
  subdomains: boolean;
  port: number | '*' | null;
}

function parsePattern(pattern: string): ParsedPattern | null {
  if (typeof pattern !== 'string' || pattern.length > 300) return null;
  const m = PATTERN_RE.exec(pattern.toLowerCase());
  if (!m) return null;
  const scheme = m[1] as 'http' | 'https';
  const hostPart = m[2] ?? '';
  const portPart = m[3];
  let port: number | '*' | null = null;
  if (portPart === '*') port = '*';
  else if (portPart !== undefined) {
    port = Number(portPart);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  }
  let host = hostPart;
  let subdomains = false;
  if (hostPart === '*') {
    if (scheme === 'http') return null; // "any host over plain http" is never allowed
    return { scheme, host: '*', subdomains: false, port };
  }
  if (hostPart.startsWith('*.')) {
    host = hostPart.slice(2);
    subdomains = true;
    // A wildcard needs at least a registrable-looking domain under it (no "*.com").
    if (!host.includes('.')) return null;
  }
  const validHost = DOMAIN_RE.test(host) || IPV6_RE.test(host);
  if (!validHost) return null;
  if (scheme === 'http' && (subdomains || !LOOPBACK.has(host))) return null;
  return { scheme, host, subdomains, port };
}

export function isValidOriginPattern(pattern: string): boolean {
  return parsePattern(pattern) !== null;
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/**
 * Is `origin` (e.g. `location.origin` of the EHR frame, or `new URL(tab.url).origin`) allowed by
 * any of `patterns`? Anything that is not a plain http(s) origin is refused.
 */
export function isOriginAllowed(origin: string, patterns: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  const scheme = u.protocol === 'https:' ? 'https' : u.protocol === 'http:' ? 'http' : null;
  if (scheme === null) return false;
  // An origin has nothing after the port; a full URL is accepted but only its origin counts.
  const host = u.hostname.toLowerCase();
  const port = u.port === '' ? DEFAULT_PORT[scheme] : Number(u.port);
  for (const raw of patterns) {
    const p = parsePattern(raw);
    if (p === null || p.scheme !== scheme) continue;
    const portOk = p.port === '*' || (p.port === null ? port === DEFAULT_PORT[scheme] : p.port === port);
    if (!portOk) continue;
    if (p.host === '*') return true;
    if (host === p.host) return true;
    if (p.subdomains && host.endsWith(`.${p.host}`)) return true;
  }
  return false;
}
