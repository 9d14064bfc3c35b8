import { ORDINALS, TENS, UNITS } from './lexicon/index.ts';

/**
 * Spoken-number helpers. Whisper writes some numbers as digits and some as words ("July fifth,
 * nineteen fifty", "ninety-four", "four one two"); the detector needs their values to decide
 * whether a date is valid, an age is over 89 and two dates are the same.
 */

const UNIT_WORDS = 'one|two|three|four|five|six|seven|eight|nine';
const TEEN_WORDS = 'ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen';
const TENS_WORDS = 'twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety';
const ORD_UNIT = 'first|second|third|fourth|fifth|sixth|seventh|eighth|ninth';
const ORD_TEEN = 'tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth';

/** Day of month as a word: "fifth", "twenty-first", "thirty first", "twelve", "twenty one". */
export const DAY_WORD = `(?:(?:twenty|thirty)[- ]?(?:${ORD_UNIT}|${UNIT_WORDS})|${ORD_UNIT}|${ORD_TEEN}|twentieth|thirtieth|${TEEN_WORDS}|twenty|thirty|${UNIT_WORDS})`;
/** Day of month as digits: "5", "05", "5th", "21st". */
export const DAY_NUM = '(?:[0-3]?\\d(?:st|nd|rd|th)?)';
/** Spoken two-digit number: "fifty", "fifty-two", "oh five", "twelve". */
const TWO_DIGIT_WORDS = `(?:(?:${TENS_WORDS})(?:[- ](?:${UNIT_WORDS}))?|${TEEN_WORDS}|oh[- ](?:${UNIT_WORDS}))`;
/** Spoken year: "nineteen fifty-two", "nineteen oh five", "two thousand and three", "twenty twenty-five". */
export const YEAR_WORDS = `(?:(?:eighteen|nineteen|twenty)[- ](?:hundred|${TWO_DIGIT_WORDS})|two thousand(?:(?:,? and)? (?:${TWO_DIGIT_WORDS}|${UNIT_WORDS}|zero|oh))?)`;
/** Year as digits: 1982, '82, 82 (two digits only after a day, see the date rule). */
export const YEAR_NUM = "(?:(?:1[89]|20)\\d{2}|'\\d{2})";

function wordValue(w: string): number | undefined {
  const l = w.toLowerCase();
  return UNITS.get(l) ?? TENS.get(l) ?? ORDINALS.get(l);
}

/** Value of a spoken or written number below 1000: "94", "ninety-four", "a hundred and three". */
export function parseSmallNumber(raw: string): number | undefined {
  const s = raw.trim().toLowerCase().replace(/(?:st|nd|rd|th)$/, (m) => (/\d/.test(raw) ? '' : m));
  if (/^\d{1,4}$/.test(s)) return Number(s);
  const parts = s.split(/[\s-]+/).filter((p) => p.length > 0 && p !== 'and');
  if (parts.length === 0) return undefined;
  let total = 0;
  let cur = 0;
  for (const p of parts) {
    if (p === 'hundred') {
      cur = (cur === 0 ? 1 : cur) * 100;
      continue;
    }
    if (p === 'a' || p === 'one') {
      cur += p === 'a' ? 1 : 1;
      continue;
    }
    const v = wordValue(p);
    if (v === undefined) return undefined;
    cur += v;
  }
  total += cur;
  return total;
}

/** Day of month from "5", "5th", "fifth", "twenty-first", "twenty one". */
export function parseDay(raw: string): number | undefined {
  const s = raw.trim().toLowerCase();
  const m = /^(\d{1,2})(?:st|nd|rd|th)?$/.exec(s);
  if (m) return Number(m[1]);
  const parts = s.split(/[\s-]+/);
  let total = 0;
  for (const p of parts) {
    const v = wordValue(p);
    if (v === undefined) return undefined;
    total += v;
  }
  return total;
}

/** Year from "1982", "'82", "nineteen eighty-two", "two thousand and three", "twenty twenty-five". */
export function parseYear(raw: string): number | undefined {
  const s = raw.trim().toLowerCase();
  if (/^\d{4}$/.test(s)) return Number(s);
  if (/^'\d{2}$/.test(s)) return undefined; // century unknown: still masked, just not comparable
  if (/^\d{2}$/.test(s)) return undefined;
  const m = /^two thousand(?:,? and)?(?:\s+(.+))?$/.exec(s);
  if (m) {
    if (!m[1] || /^(?:zero|oh)$/.test(m[1])) return 2000;
    const rest = parseSmallNumber(m[1]);
    return rest === undefined ? undefined : 2000 + rest;
  }
  const parts = s.split(/[\s-]+/);
  const head = parts[0] === 'eighteen' ? 18 : parts[0] === 'nineteen' ? 19 : parts[0] === 'twenty' ? 20 : undefined;
  if (head === undefined) return undefined;
  const tail = parts.slice(1);
  if (tail.length === 1 && tail[0] === 'hundred') return head * 100;
  if (tail[0] === 'oh') {
    const v = tail[1] ? UNITS.get(tail[1]) : undefined;
    return v === undefined ? undefined : head * 100 + v;
  }
  const rest = parseSmallNumber(tail.join(' '));
  return rest === undefined || rest > 99 ? undefined : head * 100 + rest;
}

/** Spoken single digits, for ids read character by character. */
export const DIGIT_WORD_ALT = 'zero|oh|one|two|three|four|five|six|seven|eight|nine';

export function digitsOf(raw: string): string {
  let out = '';
  const re = /\d|zero|oh|one|two|three|four|five|six|seven|eight|nine/gi;
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    const t = m[0].toLowerCase();
    out += /\d/.test(t) ? t : String(UNITS.get(t) ?? '');
  }
  return out;
}
