import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { declutter, tidy, toThirdPerson } from '../../../shared/notes/text.ts';
import * as ref from './reference-text.ts';

// Speech-like strings from pieces the rewrites react to: pronouns, contractions split the ASR
// way, fillers, stutters, odd spacing and punctuation. Synthetic vocabulary only.
const PIECES = [
  'I', 'i', "I'm", "i'm", "I've", "I'll", "I'd", 'my', 'My', 'myself', 'me', 'mine', 'we', 'We', 'you', 'the', 'The', 'the,', 'a',
  'uh', 'um,', 'Um', 'hmm', 'mm-hmm', 'you know,', 'gon na', 'wan na', 'got ta', "do n't", "it 's", "it's", "It's", 'it', 'was',
  'take', 'takes', 'go', 'feel', 'first', 'already', 'still', 'just', 'never', 'kind of', 'cough', 'pain', '10', 'mg', 'B12',
  'Dr.', 'no', 'and', 'so', ',', '.', '?', '!', ';', ':', '...', '—', "'", '[NAME_1]', 'é', 'İ', 'ΣΑΣ',
];
const SEPS = [' ', ' ', ' ', '  ', '', ', ', ' , ', '\t', '\n', '\u00a0', ' . '];
const speech = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPS)), { maxLength: 40 })
  .map((xs) => xs.map(([w, s]) => w + s).join(''));
// The two deliberate changes since the reference: cut-off words ("t- taking") and any "-ly"
// adverb before a verb; strings here have neither.
const noNewRules = (s: string): boolean => !/[A-Za-z]-\s/.test(s) && !/ly\b/i.test(s);

describe('faster text helpers give the reference output', () => {
  it('tidy: same as the reference, and idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(speech, fc.string({ maxLength: 60 })), (s) => {
        expect(tidy(s)).toBe(ref.tidy(s));
        expect(tidy(tidy(s))).toBe(tidy(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('declutter: same as the reference', () => {
    fc.assert(
      fc.property(speech.filter(noNewRules), (s) => {
        expect(declutter(s)).toBe(ref.declutter(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('toThirdPerson: same as the reference for every pronoun set', () => {
    fc.assert(
      fc.property(speech.filter(noNewRules), fc.constantFrom('male', 'female', 'unknown' as const), (s, g) => {
        const t = ref.tidy(s);
        expect(toThirdPerson(t, g)).toBe(ref.toThirdPerson(t, g));
      }),
      { numRuns: 3000 },
    );
  });
});
