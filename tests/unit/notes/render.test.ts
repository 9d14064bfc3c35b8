import { describe, expect, it } from 'vitest';
import type { Note } from '../../../shared/api.ts';
import { escapeHtml, renderHtml, renderText } from '../../../shared/notes/render.ts';
import { lcsLength, rouge, rougeLsum, rougeN, tokenize } from '../../../bench/lib/rouge.ts';

const NOTE: Note = {
  sections: [
    { key: 'chief_complaint', title: 'Chief Complaint', statements: [{ text: '"Knee pain."', evidence: ['p1'] }] },
    {
      key: 'hpi',
      title: 'History of Present Illness',
      statements: [
        { text: 'The patient twisted a knee.', evidence: ['p1'] },
        { text: 'It swells  at night.', evidence: ['p3'] },
      ],
    },
    { key: 'allergies', title: 'Allergies', statements: [] },
    {
      key: 'plan',
      title: 'Plan',
      statements: [
        { text: 'Knee x-ray.', evidence: ['c4'] },
        { text: 'Ice <and> "elevation" & rest for [NAME_1].', evidence: ['c4'] },
      ],
    },
  ],
};

describe('renderText', () => {
  it('paragraphs for narrative sections, dashes for lists, empty sections left out', () => {
    expect(renderText(NOTE)).toBe(
      'CHIEF COMPLAINT\n\n"Knee pain."\n\nHISTORY OF PRESENT ILLNESS\n\nThe patient twisted a knee. It swells at night.\n\n' +
        'PLAN\n\n- Knee x-ray.\n- Ice <and> "elevation" & rest for [NAME_1].\n',
    );
  });

  it('can show empty sections', () => {
    expect(renderText(NOTE, { includeEmpty: true })).toContain('ALLERGIES\n\nNot discussed.');
  });
});

describe('renderHtml', () => {
  it('escapes every piece of text and uses only h3/p/ul/li', () => {
    const html = renderHtml(NOTE);
    expect(html).toContain('<li>Ice &lt;and&gt; &quot;elevation&quot; &amp; rest for [NAME_1].</li>');
    expect(html.match(/<\/?([a-z0-9]+)/g)?.every((t) => /^<\/?(h3|p|ul|li)$/.test(t))).toBe(true);
    const evil: Note = { sections: [{ key: 'hpi', title: '<img src=x onerror=alert(1)>', statements: [{ text: '<script>x</script>', evidence: ['a'] }] }] };
    expect(renderHtml(evil)).not.toMatch(/<script|<img/);
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});

describe('ROUGE (rouge_score-compatible)', () => {
  it('tokenises like rouge_score: lower case, non-alphanumerics separate', () => {
    expect(tokenize("The cat's HAT, 12.5 mg!")).toEqual(['the', 'cat', 's', 'hat', '12', '5', 'mg']);
  });

  it('matches a hand-computed example', () => {
    // ref: the cat sat on the mat / pred: the cat lay on the mat
    // unigrams: 5 of 6 shared → P = R = F = 5/6; bigrams: "the cat", "on the", "the mat" = 3 of 5 → 0.6;
    // LCS "the cat on the mat" = 5 → 5/6.
    const s = rouge('The cat sat on the mat.', 'the cat lay on the mat', true);
    expect(s.rouge1).toBeCloseTo(5 / 6, 10);
    expect(s.rouge2).toBeCloseTo(0.6, 10);
    expect(s.rougeL).toBeCloseTo(5 / 6, 10);
    expect(s.rougeLsum).toBeCloseTo(5 / 6, 10);
    // Clipped counts: "the the the" vs "the cat": 1 match; P = 1/3, R = 1/2, F = 0.4.
    expect(rougeN(['the', 'cat'], ['the', 'the', 'the'], 1).f).toBeCloseTo(0.4, 10);
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'b'])).toBe(3);
  });

  it('rougeLsum takes the union LCS over sentences', () => {
    // ref sentences: [a b c] [d e]; pred: [a c] [b d e] → union hits in ref s1: a,c (pred1) ∪ b (pred2) = 3; s2: d,e = 2.
    // P = 5/5, R = 5/5.
    expect(rougeLsum('a b c\nd e', 'a c\nb d e').f).toBeCloseTo(1, 10);
    // plain LCS of the flat sequences is 4 (a c d e or a b d e) → F = 0.8.
    expect(rouge('a b c\nd e', 'a c\nb d e').rougeL).toBeCloseTo(0.8, 10);
  });
});
