import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { originAllowed, originMatches, ORIGIN_PATTERN_RE } from '../../../extension/lib/ehr/origin.ts';

describe('ehr origin policy', () => {
  it('matches exact origins with scheme and port', () => {
    expect(originMatches('https://ehr.example.org', 'https://ehr.example.org')).toBe(true);
    expect(originMatches('https://ehr.example.org:443', 'https://ehr.example.org')).toBe(true);
    expect(originMatches('http://ehr.example.org', 'https://ehr.example.org')).toBe(false);
    expect(originMatches('https://ehr.example.org:8443', 'https://ehr.example.org')).toBe(false);
    expect(originMatches('http://127.0.0.1:8080', 'http://127.0.0.1:8080')).toBe(true);
    expect(originMatches('http://127.0.0.1:8081', 'http://127.0.0.1:8080')).toBe(false);
  });

  it('subdomain wildcards match the domain and its subdomains only', () => {
    expect(originMatches('https://a.b.example.org', 'https://*.example.org')).toBe(true);
    expect(originMatches('https://example.org', 'https://*.example.org')).toBe(true);
    expect(originMatches('https://evilexample.org', 'https://*.example.org')).toBe(false);
    expect(originMatches('https://example.org.evil.com', 'https://*.example.org')).toBe(false);
  });

  it('rejects malformed patterns and non-http origins', () => {
    for (const p of ['*', 'https://*', 'example.org', 'https://ex ample.org', 'file:///x', 'https://a.org/path']) expect(ORIGIN_PATTERN_RE.test(p)).toBe(false);
    expect(originAllowed('null', ['https://ehr.example.org'])).toBe(false);
    expect(originAllowed('chrome-extension://abc', ['https://ehr.example.org'])).toBe(false);
    expect(originAllowed('https://ehr.example.org', [])).toBe(false);
  });

  it('never matches a host that is not the pattern host or below it (property)', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(
      fc.property(label, label, label, (a, b, c) => {
        fc.pre(b !== c);
        return !originMatches(`https://${a}.${b}.org`, `https://*.${c}.org`);
      }),
    );
  });
});
