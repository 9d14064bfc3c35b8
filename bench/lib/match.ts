/**
 * How the notes bench decides that a labelled fact is in a note. One normaliser for both sides
 * (note text and label): lower case, number words → digits, unit and frequency spellings folded
 * to one form, punctuation dropped. A fact counts when one statement of the right section holds
 * all of its content words (medications: name, dose and frequency in the same statement).
 */
import { numbersToDigits } from '../../shared/notes/text.ts';

const FOLD: ReadonlyArray<[RegExp, string]> = [
  [/\bmilligrams?\b/g, 'mg'],
  [/\bmicrograms?\b|\bmcg\b|µg/g, 'mcg'],
  [/\bgrams?\b/g, 'g'],
  [/\bmilliliters?\b|\bml\b/g, 'ml'],
  [/\bonce (?:a|per) day\b|\bevery day\b|\bonce daily\b|\bdaily\b/g, 'once daily'],
  [/\b(?:twice|2 times) (?:a|per) day\b|\b(?:twice|2 times) daily\b/g, 'twice daily'],
  [/\b3 times (?:a|per) day\b|\b3 times daily\b/g, 'three times daily'],
  [/\b4 times (?:a|per) day\b|\b4 times daily\b/g, 'four times daily'],
  [/\bevery night at bedtime\b|\bevery night\b|\bat night\b|\bnightly\b/g, 'at bedtime'],
  [/\bin the morning\b/g, 'every morning'],
  [/\bonce once daily\b/g, 'once daily'],
];

export function norm(text: string): string {
  let t = numbersToDigits(text.toLowerCase()).replace(/[^a-z0-9/.%\s]+/g, ' ').replace(/(?<!\d)\.|\.(?!\d)/g, ' ');
  t = t.replace(/\bthree times\b/g, '3 times').replace(/\bfour times\b/g, '4 times');
  for (const [re, to] of FOLD) t = t.replace(re, to);
  return ` ${t.replace(/\s+/g, ' ').trim()} `;
}

const STOP = new Set(['a', 'an', 'the', 'of', 'and', 'or', 'to', 'in', 'on', 'for', 'with', 'if', 'no', 'at', 'by', 'is', 'it', 'be']);

export function contentWords(text: string): string[] {
  return norm(text)
    .trim()
    .split(' ')
    .filter((w) => w.length > 0 && !STOP.has(w));
}

/** Every content word of `fact` is a word of `statement`. */
export function coveredBy(fact: string, statement: string): boolean {
  const words = new Set(norm(statement).trim().split(' '));
  const need = contentWords(fact);
  return need.length > 0 && need.every((w) => words.has(w));
}

export function containsPhrase(haystack: string, phrase: string): boolean {
  return norm(haystack).includes(` ${norm(phrase).trim()} `);
}
