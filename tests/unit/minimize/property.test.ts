import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectPatternIdentifiers } from '../../../shared/phi-patterns.ts';
import { minimizeVisit, restoreVisit, detectTurn } from '../../../extension/lib/minimize/index.ts';

// Synthetic filler: ordinary and clinical words, doses and vitals (no identifiers).
const FILLER = [
  'the', 'pain', 'is', 'worse', 'at', 'night', 'and', 'I', 'take', 'metformin', '500', 'mg', 'twice', 'daily',
  'blood', 'pressure', 'was', '128', 'over', '82', 'pulse', '71', 'since', 'last', 'Tuesday', 'in', '2019', 'about',
  'two', 'weeks', 'ago', 'okay', 'so', 'we', 'will', 'check', 'labs', 'A1c', '7.2', 'follow', 'up', 'my', 'knee',
  'hurts', 'when', 'walking', 'Parkinson\'s', 'disease', 'Eliquis', 'number', 'call', 'email', 'address', 'is', 'it\'s',
];
const filler = fc.array(fc.constantFrom(...FILLER), { minLength: 0, maxLength: 12 }).map((ws) => ws.join(' '));

const d = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));
const ssn = fc.tuple(d(3), d(2), d(4), fc.constantFrom('-', ' ')).map(([a, b, c, s]) => `${a}${s}${b}${s}${c}`);
const phone = fc
  .tuple(fc.integer({ min: 200, max: 999 }), d(3), d(4), fc.constantFrom('dash', 'dot', 'space', 'paren'))
  .map(([a, b, c, f]) => (f === 'dash' ? `${a}-${b}-${c}` : f === 'dot' ? `${a}.${b}.${c}` : f === 'space' ? `${a} ${b} ${c}` : `(${a}) ${b}-${c}`));
const label = fc.stringMatching(/^[a-z][a-z0-9]{1,9}$/);
const email = fc
  .tuple(label, fc.option(label, { nil: undefined }), label, fc.constantFrom('com', 'org', 'net', 'edu', 'io', 'test', 'example', 'us'))
  .map(([u, u2, dom, tld]) => `${u}${u2 ? `.${u2}` : ''}@${dom}.${tld}`);
const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((q) => q.join('.'));
const url = fc
  .tuple(fc.constantFrom('https://', 'http://', 'www.'), label, fc.constantFrom('com', 'org', 'net', 'health'), fc.option(label, { nil: undefined }))
  .map(([s, dom, tld, p]) => `${s}${dom}.${tld}${p ? `/${p}` : ''}`);
const mrn = fc.tuple(fc.constantFrom('MRN', 'medical record number', 'chart number'), d(8)).map(([k, n]) => ({ ctx: k, id: n }));
const numericDate = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1900, max: 2030 }))
  .map(([m, day, y]) => `${m}/${day}/${y}`);

const identifier = fc.oneof(
  ssn.map((id) => ({ ctx: 'my social is', id })),
  phone.map((id) => ({ ctx: 'call me at', id })),
  email.map((id) => ({ ctx: 'email', id })),
  ip.map((id) => ({ ctx: 'the IP was', id })),
  url.map((id) => ({ ctx: 'log in at', id })),
  mrn,
  numericDate.map((id) => ({ ctx: 'born', id })),
);

function everyCharMasked(text: string, at: number, len: number, spans: Array<{ start: number; end: number }>): boolean {
  for (let i = at; i < at + len; i++) if (!spans.some((s) => s.start <= i && i < s.end)) return false;
  return true;
}

describe('property: injected pattern-class identifiers never leak', () => {
  it('shared detector masks every character of every injected identifier', () => {
    fc.assert(
      fc.property(filler, identifier, filler, fc.constantFrom('.', ',', '', '?'), (a, { ctx, id }, b, punct) => {
        const prefix = `${a} ${ctx} `;
        const text = `${prefix}${id}${punct} ${b}`;
        expect(everyCharMasked(text, prefix.length, id.length, detectPatternIdentifiers(text))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('minimizeVisit output never contains an injected identifier; restoreVisit is exact', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, identifier, filler), { minLength: 1, maxLength: 4 }), (parts) => {
        const turns = parts.map(([a, { ctx, id }, b], i) => ({ id: `t${i}`, speaker: 'patient', text: `${a} ${ctx} ${id}. ${b}` }));
        const res = minimizeVisit(turns);
        const out = res.turns.map((t) => t.text).join('\n');
        for (const [, { id }] of parts) expect(out.includes(id)).toBe(false);
        // The API's PHI guard runs the same shared patterns: a minimized payload never trips it.
        for (const t of res.turns) expect(detectPatternIdentifiers(t.text)).toEqual([]);
        expect(restoreVisit(res)).toEqual(turns.map((t) => t.text));
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary text, spans stay in bounds and do not overlap', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const spans = detectTurn(text);
        let last = 0;
        for (const s of spans) {
          expect(s.start).toBeGreaterThanOrEqual(last);
          expect(s.end).toBeLessThanOrEqual(text.length);
          last = s.end;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('adversarial input stays linear', () => {
  // Before the repetition bounds, "a.a.a.…" (30k chars) took ~10 s in the URL rules (quadratic).
  it.each([
    ['dotted', 'a.'.repeat(15_000)],
    ['spoken dots', 'a dot '.repeat(5_000)],
    ['emails', 'a@'.repeat(15_000)],
    ['capitalised', 'Aa Bb '.repeat(5_000)],
    ['digits', '1 '.repeat(15_000)],
  ])('%s', (_name, text) => {
    const t0 = performance.now();
    minimizeVisit([{ id: 't0', speaker: 'x', text }]);
    expect(performance.now() - t0).toBeLessThan(3_000);
  });
});
