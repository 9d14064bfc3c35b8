import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignWords, normalize, wer, werBySpan } from '../../../extension/lib/asr/wer.ts';

describe('WER normalizer', () => {
  it('lower-cases and strips punctuation, splitting hyphens', () => {
    expect(normalize('Hello, Mr. Nair! Follow-up?')).toEqual(['hello', 'mister', 'nair', 'follow', 'up']);
    expect(normalize("I'm the wife. Don't.")).toEqual(["i'm", 'the', 'wife', "don't"]);
  });

  it('normalizes numbers the same way whether written as digits or words', () => {
    expect(normalize('ibuprofen 600 milligrams')).toEqual(normalize('ibuprofen six hundred milligrams'));
    expect(normalize('born July fifth, nineteen fifty')).toEqual(normalize('born July 5th, 1950'));
    expect(normalize('born July 5th, 1950')).toEqual(['born', 'july', '51950']);
    expect(normalize('twenty-one days')).toEqual(['21', 'days']);
    expect(normalize('1,200 steps')).toEqual(['1200', 'steps']);
    expect(normalize('temp 98.6')).toEqual(['temp', '98.6']);
    expect(normalize('96%')).toEqual(['96', 'percent']);
    expect(normalize('127 over 78')).toEqual(normalize('one hundred twenty seven over seventy eight'));
    expect(normalize('two thousand twenty six')).toEqual(['2026']);
    expect(normalize('twenty twenty six')).toEqual(['2026']);
  });

  it('spells dose units one way on both sides', () => {
    expect(normalize('IV Profen 600mg 3x daily')).toEqual(['iv', 'profen', '600', 'milligrams', '3', 'times', 'daily']);
    expect(normalize('naproxen 500 mg twice daily')).toEqual(normalize('naproxen five hundred milligrams twice daily'));
    expect(normalize('serial 8219VX8781')).toEqual(['serial', '8219', 'vx', '8781']);
    expect(normalize('Searcherline50mg')).toEqual(['searcherline', '50', 'milligrams']);
  });

  it('joins digit groups and spells common variants one way, the same on both sides', () => {
    expect(normalize('call 686 8551')).toEqual(normalize('call 68 68 551'));
    expect(normalize('member id W954689974')).toEqual(normalize('member ID w 954 689 974'));
    expect(normalize('Dr. Bianchi said alright, OK, the WiFi')).toEqual(['doctor', 'bianchi', 'said', 'all', 'right', 'okay', 'the', 'wi', 'fi']);
    expect(wer('code 3CV5', 'code 3 cv 5').wer).toBe(0);
    // a wrong digit is still an error
    expect(wer('call 686 8551', 'call 686 8552').wer).toBeGreaterThan(0);
  });

  it('keeps a lone "oh" as a word', () => {
    expect(normalize('Oh, okay')).toEqual(['oh', 'okay']);
  });

  it('computes WER by word edit distance over normalized words', () => {
    expect(wer('the cat sat', 'the cat sat').wer).toBe(0);
    expect(wer('the cat sat', 'the cat').wer).toBeCloseTo(1 / 3);
    expect(wer('the cat sat', 'a cat sat down').wer).toBeCloseTo(2 / 3);
    expect(wer('Metformin 500 mg.', 'metformin five hundred MG').wer).toBe(0);
  });

  it('is symmetric in normalization: a text always matches itself, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(wer(s, s).wer).toBe(0);
        expect(normalize(normalize(s).join(' '))).toEqual(normalize(s));
      }),
      { numRuns: 300 },
    );
  });

  it('aligns words so that the steps account for every word, and counts match the edit distance', () => {
    expect(alignWords(['the', 'cat', 'sat'], ['a', 'cat', 'sat', 'down']).map((x) => x.op)).toEqual(['sub', 'ok', 'ok', 'ins']);
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 12 }), fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 12 }), (r, h) => {
        const steps = alignWords(r, h);
        expect(steps.filter((x) => x.op !== 'ins').map((x) => x.ref)).toEqual(r.map((_, i) => i));
        expect(steps.filter((x) => x.op !== 'del').length).toBe(h.length);
        // never more errors than replacing every word
        expect(steps.filter((x) => x.op !== 'ok').length).toBeLessThanOrEqual(Math.max(r.length, h.length));
      }),
      { numRuns: 300 },
    );
  });

  it('splits WER between labelled spans and the rest of the reference', () => {
    const pieces = [
      { text: 'My name is ', tagged: false },
      { text: 'Walter Nair', tagged: true },
      { text: ', and I take metformin 500 mg.', tagged: false },
    ];
    // "walter" → "well turn": a substitution and an insertion, both the name's
    const a = werBySpan(pieces, 'My name is well turn Nair, and I take metformin 500 mg.');
    expect([a.inside.sub, a.inside.ins, a.inside.refWords, a.inside.wer]).toEqual([1, 1, 2, 1]);
    expect([a.outside.wer, a.outside.refWords]).toEqual([0, 9]);
    // an error outside the name counts outside
    const b = werBySpan(pieces, 'My name is Walter Nair, and I take met for men 500 mg.');
    expect(b.inside.wer).toBe(0);
    expect(b.outside.sub + b.outside.ins).toBe(3);
    expect(b.outside.wer).toBeCloseTo(3 / 9);
  });
});
