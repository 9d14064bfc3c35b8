import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOriginAllowed, isValidOriginPattern } from '../../../extension/lib/policy/index.ts';

describe('origin patterns', () => {
  it.each([
    ['https://ehr.example.org', true],
    ['https://*.example.org', true],
    ['https://ehr.example.org:8443', true],
    ['https://*', true],
    ['https://*:*', true],
    ['http://localhost:*', true],
    ['http://127.0.0.1:8080', true],
    ['http://[::1]:3000', true],
    ['http://ehr.example.org', false],
    ['http://*', false],
    ['http://*.localhost', false],
    ['https://*.org', false],
    ['https://ehr.example.org/path', false],
    ['ftp://ehr.example.org', false],
    ['https://ehr.example.org:99999', false],
    ['https://ehr..example.org', false],
    ['', false],
  ])('%s valid=%s', (p, ok) => {
    expect(isValidOriginPattern(p)).toBe(ok);
  });

  const list = ['https://ehr.example.org', 'https://*.clinic.example', 'https://portal.example:8443', 'http://localhost:*'];
  it.each([
    ['https://ehr.example.org', true],
    ['https://EHR.example.org', true],
    ['https://ehr.example.org:443', true],
    ['https://ehr.example.org:8443', false],
    ['http://ehr.example.org', false],
    ['https://evil-ehr.example.org', false],
    ['https://ehr.example.org.evil.com', false],
    ['https://clinic.example', true],
    ['https://a.b.clinic.example', true],
    ['https://notclinic.example', false],
    ['https://portal.example:8443', true],
    ['https://portal.example', false],
    ['http://localhost:5173', true],
    ['http://localhost', true],
    ['null', false],
    ['file:///etc/passwd', false],
    ['chrome-extension://abc', false],
    ['not a url', false],
  ])('%s allowed=%s', (origin, ok) => {
    expect(isOriginAllowed(origin, list)).toBe(ok);
  });

  it('an empty list allows nothing; https://* allows any https origin on the default port', () => {
    expect(isOriginAllowed('https://ehr.example.org', [])).toBe(false);
    expect(isOriginAllowed('https://anything.example', ['https://*'])).toBe(true);
    expect(isOriginAllowed('http://anything.example', ['https://*'])).toBe(false);
  });

  it('never throws, and never allows a non-http(s) origin', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl()), fc.array(fc.oneof(fc.string(), fc.constant('https://*'))), (o, ps) => {
        const r = isOriginAllowed(o, ps);
        if (r) expect(/^https?:/i.test(o)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
