import { classifyByContext, idType, patternCandidates, resolveOverlaps, type PatternCandidate, type PhiType } from '../../../shared/phi-patterns.ts';
import {
  BRAND_DRUGS,
  EPONYMS,
  EPONYM_NOUN_ALT,
  FIRST_NAMES,
  HONORIFIC_ALT,
  MONTH_ALT,
  MONTHS,
  NON_PHI_CAPS,
  RELATION_ALT,
  US_STATE_NAMES,
  WEEKDAYS,
  isCommonWord,
  isFunctionWord,
  isKnownName,
  commonRank,
} from './lexicon/index.ts';
import { editDistance, memoize, phoneticKey } from '../../../shared/fuzzy.ts';
import { DAY_NUM, DAY_WORD, DIGIT_WORD_ALT, YEAR_NUM, YEAR_WORDS, parseDay, parseSmallNumber } from './numbers.ts';

/**
 * Layered PHI detector for one transcript turn. Layers, each adding candidate spans:
 *   1. shared/phi-patterns: shaped identifiers (SSN, phone, email, URL, IP, numeric dates, ids)
 *   2. spoken and written dates with month names; ages over 89
 *   3. ids read character by character ("4 1 2, 8 3 7 ...", "K E 7 T 3 9")
 *   4. addresses and the city / state / ZIP that follow them
 *   5. names: context rules (honorifics, "my name is", relations, greetings), then any capitalised
 *      proper noun that is not a known clinical or everyday word
 *   6. visit-level identifiers (banner, clinician-marked extras, names found in other turns)
 * Overlaps resolve to the longest span, so no character of any candidate goes unmasked.
 */

/** Case-insensitive word list without the `i` flag (with `iu`, \p{Lu} would match lower case too). */
function anyCase(alt: string): string {
  return alt
    .split('|')
    .map((w) => {
      const c = w[0] ?? '';
      return `[${c.toUpperCase()}${c.toLowerCase()}]${w.slice(1)}`;
    })
    .join('|');
}

export type Strictness = 'standard' | 'strict';

export type SpanSource = 'pattern' | 'date' | 'age' | 'spoken' | 'address' | 'name' | 'proper' | 'banner' | 'extra' | 'visit';

export interface Candidate extends PatternCandidate {
  source: SpanSource;
}

export interface DetectedSpan {
  start: number;
  end: number;
  type: PhiType;
}

/** Identifiers known for the whole visit (banner, extras, names seen in any turn). */
export interface VisitTerms {
  /** Lower-cased name tokens of the banner patient (first, last, parts of compound names). */
  bannerNameTokens: string[];
  /** Alphanumeric-normalised ids (banner MRN, extras with digits), upper-cased. */
  ids: Array<{ norm: string; type: PhiType }>;
  /** Lower-cased words/phrases marked by the clinician, with the type to use. */
  extraWords: Array<{ words: string[]; type: PhiType }>;
  /** Name and city tokens found anywhere in the visit (lower-cased) → type. */
  seen: Map<string, PhiType>;
  /** Words written in lower case somewhere in the visit: a capitalised one at a sentence start is a word. */
  lowerSeen: Set<string>;
}

export function emptyTerms(): VisitTerms {
  return { bannerNameTokens: [], ids: [], extraWords: [], seen: new Map(), lowerSeen: new Set() };
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTH = `(?:${MONTH_ALT})`;
const DAY = `(?:${DAY_NUM}|${DAY_WORD})`;
const YEAR = `(?:${YEAR_NUM}|${YEAR_WORDS})`;

/** "July fifth, nineteen fifty", "December 28th, 1952", "March the 4th", "Jan. 5 '82". */
const DATE_MDY_RE = new RegExp(`\\b${MONTH}(?![\\w])\\s+(?:the\\s+)?(${DAY})(?![\\w])(?:(?:,\\s*|\\s+)(?:of\\s+)?(${YEAR}|\\d{2})(?![\\w]))?`, 'gi');
/** "the 9th of December, 1982", "the thirteenth of September", "10 May 1958", "fifth of July". */
const DATE_DMY_RE = new RegExp(`(?:\\bthe\\s+)?\\b(${DAY})\\s+(?:of\\s+)?${MONTH}(?![\\w])(?:,?\\s+(${YEAR})(?![\\w]))?`, 'gi');
/** "March 2019", "December of 2019": the month is a date element (Safe Harbor keeps only the year). */
const DATE_MY_RE = new RegExp(`\\b${MONTH}(?![\\w])(?:\\s+of)?,?\\s+(${YEAR})(?![\\w])`, 'gi');
/** "on the 16th", "by the twenty-first": a day of the month on its own. */
const DATE_DAY_ONLY_RE = new RegExp(`\\b(?:on|by|until|till|before|after|since|from|through|thru|to|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\\s+(the\\s+(?:${DAY_WORD.replace(/\|(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|one|two|three|four|five|six|seven|eight|nine)\)$/, ')')}|[0-3]?\\d(?:st|nd|rd|th)))(?![\\w])(?!\\s+(?:floor|time|grade|percentile|day|week|month|year|birthday|anniversary|visit|dose|round|cycle|street|avenue))`, 'gi');
/** "7 16 2026" / "7, 16, 2026": slashes read as pauses. */
const DATE_SPACED_RE = /(?<![\w.,])(\d{1,2})[,]?\s+(\d{1,2})[,]?\s+((?:19|20)\d{2})(?![\w])/g;
/** "6, 18, 29" / "6, 18, 1929": a numeric date read with pauses; "for 11, 19" after a date word. */
const DATE_COMMAS_RE = /(?<![\w.,])(\d{1,2}),\s+(\d{1,2}),\s+(\d{2}|(?:19|20)\d{2})(?![\w]|[.,]\d)/g;
const DATE_COMMAS_MD_RE = /\b(?:for|on|born|birthday\s+is|birth\s+is|birth|dob|until|by|scheduled|booked)\s+(\d{1,2}),\s+(\d{1,2})(?![\w]|[.,]\d)/gi;
/** A bare month name ("in March") — strict mode only. */
const MONTH_ONLY_RE = new RegExp(`\\b(?:in|since|during|until|by|of|last|next|this|early|late|mid)[- ]+(${MONTH})(?![\\w])`, 'g');

function monthOk(token: string): boolean {
  // "may", "march", "august" in lower case are words; other month names are safe lower-cased.
  const first = token[0] ?? '';
  if (first === first.toUpperCase()) return true;
  const l = token.toLowerCase().replace(/\.$/, '');
  return l !== 'may' && l !== 'march' && l !== 'august' && l !== 'mar' && l !== 'jan' && MONTHS.has(l);
}

const FIND_MONTH_RE = new RegExp(`(?:${MONTH_ALT})(?![\\w])`, 'i');
function findMonth(s: string): string | undefined {
  return FIND_MONTH_RE.exec(s)?.[0];
}

const DATE_GATE_RE = new RegExp(`\\d|(?:${MONTH_ALT})(?![\\w])`, 'i');

const ORDINAL_GATE_RE = /\d(?:st|nd|rd|th)\b|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|teenth|tieth/i;

function dates(text: string, out: Candidate[], strict: boolean): void {
  if (!DATE_GATE_RE.test(text)) return;
  const add = (start: number, end: number) => out.push({ start, end, type: 'DATE', prio: 72, source: 'date' });
  const hasMonth = FIND_MONTH_RE.test(text);
  for (const re of hasMonth ? [DATE_MDY_RE, DATE_DMY_RE] : []) {
    re.lastIndex = 0;
    for (let m = re.exec(text), g = 0; m !== null && g < 50_000; m = re.exec(text), g++) {
      const month = findMonth(m[0]);
      if (!month || !monthOk(month)) continue;
      const dayRaw = m[1] ?? '';
      const day = parseDay(dayRaw);
      if (day === undefined || day < 1 || day > 31) continue;
      // "May 2" at a sentence start is still a date; "may 2" in lower case is not (monthOk).
      let end = m.index + m[0].length;
      // A trailing two-digit "year" only counts when it is clearly one ("'82", "December 5, 82").
      const yr = m[2];
      if (yr !== undefined && /^\d{2}$/.test(yr) && !/,\s*\d{2}$/.test(m[0])) end -= m[0].length - m[0].lastIndexOf(yr) + 1;
      add(m.index, end);
    }
  }
  DATE_MY_RE.lastIndex = 0;
  for (let m = hasMonth ? DATE_MY_RE.exec(text) : null, g = 0; m !== null && g < 50_000; m = DATE_MY_RE.exec(text), g++) {
    const month = findMonth(m[0]);
    if (!month || !monthOk(month)) continue;
    add(m.index, m.index + m[0].length);
  }
  DATE_DAY_ONLY_RE.lastIndex = 0;
  for (let m = ORDINAL_GATE_RE.test(text) ? DATE_DAY_ONLY_RE.exec(text) : null, g = 0; m !== null && g < 50_000; m = DATE_DAY_ONLY_RE.exec(text), g++) {
    const g1 = m[1] ?? '';
    const start = m.index + m[0].lastIndexOf(g1);
    const day = parseDay(g1.replace(/^the\s+/i, ''));
    if (day === undefined || day < 1 || day > 31) continue;
    add(start, start + g1.length);
  }
  DATE_SPACED_RE.lastIndex = 0;
  for (let m = DATE_SPACED_RE.exec(text), g = 0; m !== null && g < 50_000; m = DATE_SPACED_RE.exec(text), g++) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a >= 1 && a <= 12 && b >= 1 && b <= 31) add(m.index, m.index + m[0].length);
  }
  DATE_COMMAS_RE.lastIndex = 0;
  for (let m = DATE_COMMAS_RE.exec(text), g = 0; m !== null && g < 50_000; m = DATE_COMMAS_RE.exec(text), g++) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a >= 1 && a <= 12 && b >= 1 && b <= 31) add(m.index, m.index + m[0].length);
  }
  DATE_COMMAS_MD_RE.lastIndex = 0;
  for (let m = DATE_COMMAS_MD_RE.exec(text), g = 0; m !== null && g < 50_000; m = DATE_COMMAS_MD_RE.exec(text), g++) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a >= 1 && a <= 12 && b >= 1 && b <= 31) add(m.index + m[0].lastIndexOf(`${m[1]},`), m.index + m[0].length);
  }
  if (strict) {
    MONTH_ONLY_RE.lastIndex = 0;
    for (let m = MONTH_ONLY_RE.exec(text), g = 0; m !== null && g < 50_000; m = MONTH_ONLY_RE.exec(text), g++) {
      const g1 = m[1] ?? '';
      const start = m.index + m[0].lastIndexOf(g1);
      add(start, start + g1.length);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ages over 89 (Safe Harbor: ages over 89 and all elements of dates indicative of such an age)

const AGE_NUM = "(\\d{2,3}|(?:a|one)\\s+hundred(?:\\s+and)?(?:[\\s-]+(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)(?:-[a-z]+)?)?|ninety(?:[- ](?:one|two|three|four|five|six|seven|eight|nine)\\b)?|undefined(?:-[a-z]+)?)";
/** "93 years old", "a 97-year-old", "aged 101". */
const AGE_AFTER_RE = new RegExp(`\\b${AGE_NUM}(?=[\\s-]+(?:years?|yrs?|yo|y/o)(?:[\\s-]+old|\\s+of\\s+age)?\\b|-year-old\\b)`, 'gi');
/** "I'm 93", "she turned ninety-five", "my father is 101", "lived to ninety-six", "I'll be 95". */
const AGE_BEFORE_RE = new RegExp(
  `\\b(?:i'm|i\\s+am|i’m|he's|she's|he’s|she’s|he\\s+is|she\\s+is|they're|who\\s+is|who's|is|was|turned|turns|turning|aged|age|ages|age\\s+of|at|almost|nearly|about|lived\\s+to|live\\s+to|living\\s+to|made\\s+it\\s+to|reached|be|being|over)\\s+${AGE_NUM}(?![\\w.,]\\d)`,
  'gi',
);
/** Vital-sign and measurement words: "oxygen is 97", "weight was 104", "glucose about 110". */
const VITAL_BEFORE =
  /\b(?:pressure|pulse|heart|rate|oxygen|o2|sat|sats|saturation|spo2|temp|temperature|weight|weighs|weighed|sugar|sugars|glucose|a1c|level|levels|score|count|reading|readings|bp|hr|rr|number|fever|pounds|lbs|kilos|mg|over|dose|cholesterol|ldl|hdl|triglycerides|percent|pain|scale|blood|fasting|systolic|diastolic|potassium|sodium|creatinine|hemoglobin|platelets?|minutes|seconds|steps|feet|miles|degrees|scale|inches|units|beats|breaths|respirations|bmi|iq|size|room|bill|cost|copay|dollars|page|score)\b[^.?!;]{0,30}$/i;
/** Someone's age is the subject: a person word, a pronoun, or a capitalised name just before. */
const AGE_PERSON_BEFORE =
  /(?:\b(?:[Ii]['’]m|[Ii]\s+am|[Hh]e['’]s|[Ss]he['’]s|[Hh]e\s+is|[Ss]he\s+is|[Ww]ho\s+is|[Ww]ho['’]s|[Tt]urned|[Tt]urns|[Tt]urning|[Aa]ged|[Aa]ge|[Aa]ges|[Aa]ge\s+of|[Jj]ust\s+turned|[Ll]ived\s+to|[Ll]ive\s+to|[Mm]ade\s+it\s+to|[Rr]eached|[Ii]['’]ll\s+be|[Hh]e['’]ll\s+be|[Ss]he['’]ll\s+be|[Ww]ill\s+be|[Tt]urn)|\b(?:mother|father|mom|dad|grandmother|grandfather|grandma|grandpa|aunt|uncle|wife|husband|sister|brother|patient|she|he|neighbor|friend)\s+(?:is|was|will\s+be)|\p{Lu}\p{Ll}+\s+(?:is|was|will\s+be))\s+$/u;

function ages(text: string, out: Candidate[]): void {
  if (!/\d|ninety|hundred|undefined/i.test(text)) return;
  const consider = (start: number, raw: string, strong: boolean) => {
    const unreadable = /^undefined|^NaN/i.test(raw);
    const v = unreadable ? undefined : parseSmallNumber(raw);
    // An age slot holding something unreadable ("undefined-three": a number word that failed
    // upstream) is masked: it cannot be shown to be 89 or less.
    if (v !== undefined && (v < 90 || v > 130)) return;
    if (v === undefined && !unreadable) return;
    if (!strong) {
      const before = text.slice(Math.max(0, start - 60), start);
      if (VITAL_BEFORE.test(before)) return;
      if (!AGE_PERSON_BEFORE.test(before)) return;
    }
    out.push({ start, end: start + raw.length, type: 'AGE', prio: 71, source: 'age' });
  };
  AGE_AFTER_RE.lastIndex = 0;
  for (let m = AGE_AFTER_RE.exec(text), g = 0; m !== null && g < 50_000; m = AGE_AFTER_RE.exec(text), g++) {
    const raw = m[1] ?? '';
    consider(m.index + m[0].indexOf(raw), raw, true);
  }
  AGE_BEFORE_RE.lastIndex = 0;
  for (let m = AGE_BEFORE_RE.exec(text), g = 0; m !== null && g < 50_000; m = AGE_BEFORE_RE.exec(text), g++) {
    const raw = (m[1] ?? '').replace(/\s+and$/i, '');
    const start = m.index + m[0].length - (m[1] ?? '').length;
    consider(start, raw, false);
  }
}

// ---------------------------------------------------------------------------------------------
// Ids read character by character

const DIGIT_WORDS = new Set(DIGIT_WORD_ALT.split('|'));
const ALNUM_TOKEN_RE = /[A-Za-z0-9]+/g;
const SPOKEN_GAP_RE = /^(?:[\s,.]*-?[\s,.]*|\s+(?:dash|dot|point|slash)\s+)$/i;
/** A keyword that makes even a short spoken number an identifier ("zip code 6 0 6 3 3"). */
const SHORT_ID_CONTEXT_RE = /\b(?:zip|zip\s+code|postal|social|ssn|last\s+four|mrn|m\s?r\s?n|chart|record|member|account|license|plate|serial|ip|id|pin|code|extension|ext)\b[^.?!]{0,25}$/i;

/**
 * Ids read character by character: "4 1 2, 8 3 7, 1 2 3 4", "K E 7 T 3 9", "nine one six four ...".
 * A linear scan over alphanumeric tokens (a single regex with these alternatives was the slowest
 * part of a 60-minute visit).
 */
const GAP_WORDS = new Set(['dash', 'dot', 'point', 'slash', 'hyphen']);

function spokenIds(text: string, out: Candidate[]): void {
  let run: Array<{ start: number; end: number; digit: boolean }> = [];
  const flush = () => {
    // "..., I have": a trailing "I" or "A" is a word, not part of the id.
    while (run.length > 0) {
      const last = run[run.length - 1];
      if (!last || last.digit) break;
      const ch = text.slice(last.start, last.end);
      if (ch !== 'I' && ch !== 'A') break;
      run.pop();
    }
    const first = run[0];
    const lastTok = run[run.length - 1];
    if (!first || !lastTok) {
      run = [];
      return;
    }
    let digits = 0;
    for (const t of run) if (t.digit) digits++;
    const letters = run.length - digits;
    const runStart = first.start;
    const runEnd = lastTok.end;
    const before = text.slice(Math.max(0, runStart - 60), runStart);
    const mixed = letters > 0 && ((digits >= 3 && digits + letters >= 6) || (digits >= 4 && digits + letters >= 5));
    const shortWithContext = digits >= 4 && SHORT_ID_CONTEXT_RE.test(before);
    if (mixed || digits >= 7 || shortWithContext) {
      const raw = text.slice(runStart, runEnd);
      const dots = (raw.match(/\bdot\b/gi) ?? []).length;
      const type =
        dots === 3 && letters === 0
          ? 'IP'
          : digits === 5 && letters === 0 && /\b(?:zip|postal)\b/i.test(before)
            ? 'ZIP'
            : digits === 10 && letters === 0
              ? classifyByContext(text, runStart, 'PHONE', ['PHONE', 'FAX', 'MRN', 'HEALTH_PLAN', 'LICENSE', 'DEVICE'])
              : digits === 9 && letters === 0
                ? classifyByContext(text, runStart, 'SSN', ['SSN', 'MRN', 'ACCOUNT', 'HEALTH_PLAN', 'LICENSE', 'DEVICE'])
                : idType(text, runStart, raw);
      out.push({ start: runStart, end: runEnd, type, prio: 55, source: 'spoken' });
    }
    run = [];
  };
  ALNUM_TOKEN_RE.lastIndex = 0;
  for (let m = ALNUM_TOKEN_RE.exec(text), g = 0; m !== null && g < 500_000; m = ALNUM_TOKEN_RE.exec(text), g++) {
    const t = m[0];
    const lower = t.toLowerCase();
    // "one nine two dot one six eight ...": separator words keep the run going.
    if (run.length > 0 && GAP_WORDS.has(lower)) continue;
    const isDigit = (t.length === 1 && t >= '0' && t <= '9') || (t.length <= 5 && DIGIT_WORDS.has(lower));
    // Only upper-case single letters are spelled characters ("a" is a word; "A" and "I" only count
    // inside a run that also holds enough digits, which flush() requires).
    const isLetter = t.length === 1 && t >= 'A' && t <= 'Z';
    if (!isDigit && !isLetter) {
      flush();
      continue;
    }
    const prev = run[run.length - 1];
    if (prev && !SPOKEN_GAP_RE.test(text.slice(prev.end, m.index))) flush();
    run.push({ start: m.index, end: m.index + t.length, digit: isDigit });
  }
  flush();
}

// ---------------------------------------------------------------------------------------------
// Addresses, cities, ZIP

/** One capitalised name word: "Novak", "O'Brien", "McMurray", "DeShawn", "Smith-Jones", "José". */
const NAME_WORD = "(?:\\p{Lu}\\p{Ll}?['’])?\\p{Lu}\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)*(?:-\\p{Lu}\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)*)?";
const STREET_SUFFIX_LC = '(?:street|avenue|road|boulevard|lane|terrace|parkway|highway|circle|court|drive|place|way)';
const NUM_WORDS = `(?:(?:${DIGIT_WORD_ALT}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)[\\s-]+){1,6}`;
const ADDRESS_SPOKEN_RE = new RegExp(`\\b(?:\\d{1,6}\\s+|${NUM_WORDS})(?:[a-z]+\\s+){1,3}${STREET_SUFFIX_LC}\\b`, 'gi');
const AFTER_ADDRESS_RE = new RegExp(
  `^(,?\\s+(?:in\\s+|at\\s+)?)(${NAME_WORD}(?:\\s+${NAME_WORD}){0,2})(?:(,?\\s+)(${NAME_WORD}(?:\\s+${NAME_WORD})?|[A-Z]{2}))?(?:(,?\\s+(?:(?:zip|zip\\s+code|postal\\s+code)(?:\\s+is)?,?\\s+)?)(\\d{5}(?:-\\d{4})?))?`,
  'u',
);
const CITY_CONTEXT_RE = new RegExp(
  `\\b(?:lives?\\s+in|living\\s+in|moved\\s+to|moving\\s+to|from|in|near|outside(?:\\s+of)?|city\\s+of|town\\s+of|hospital\\s+in|clinic\\s+in)\\s+(${NAME_WORD}(?:\\s+${NAME_WORD}){0,2})(?=,?\\s+(?:\\p{Lu}{2}\\b|${US_STATE_ALT()}))`,
  'gu',
);
function US_STATE_ALT(): string {
  return 'Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming';
}
const COUNTY_RE = new RegExp(`\\b(${NAME_WORD}(?:\\s+${NAME_WORD})?)\\s+(?:County|Parish|Borough)\\b`, 'gu');

function isStateWord(s: string): boolean {
  return s.split(/\s+/).every((w) => US_STATE_NAMES.has(w.toLowerCase()) || /^(?:New|North|South|West|Rhode)$/.test(w)) || /^[A-Z]{2}$/.test(s);
}

const STREET_GATE_RE = new RegExp(`\\b${STREET_SUFFIX_LC}\\b`, 'i');

function addresses(text: string, out: Candidate[]): void {
  ADDRESS_SPOKEN_RE.lastIndex = 0;
  const hasStreetWord = STREET_GATE_RE.test(text);
  for (let m = hasStreetWord ? ADDRESS_SPOKEN_RE.exec(text) : null, g = 0; m !== null && g < 50_000; m = ADDRESS_SPOKEN_RE.exec(text), g++) {
    // "2 puffs a day" never ends in a street word; "20 minutes drive" would: exclude unit words.
    if (/\b(?:minutes?|hours?|miles?|blocks?|days?|weeks?|times?|puffs?|mg|milligrams?|tablets?|pills?|steps?)\b/i.test(m[0])) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'ADDRESS', prio: 60, source: 'address' });
  }
  const addrEnds = out.filter((c) => c.type === 'ADDRESS').map((c) => c.end);
  for (const end of addrEnds) {
    // Extend over "Apartment 16C" etc. already done by the pattern; now the city / state / ZIP after it.
    const rest = text.slice(end, end + 120);
    const m = AFTER_ADDRESS_RE.exec(rest);
    if (!m) continue;
    const lead = m[1] ?? '';
    const city = m[2] ?? '';
    let pos = end + lead.length;
    if (city && !isStateWord(city) && !/^(?:Apartment|Apt|Unit|Suite|Zip)$/i.test(city)) {
      out.push({ start: pos, end: pos + city.length, type: 'CITY', prio: 62, source: 'address' });
    }
    pos += city.length;
    if (m[4] !== undefined) {
      pos += (m[3] ?? '').length;
      const st = m[4];
      if (!isStateWord(st) && !/^[A-Z]{2}$/.test(st)) out.push({ start: pos, end: pos + st.length, type: 'CITY', prio: 61, source: 'address' });
      pos += st.length;
    }
    if (m[6] !== undefined) {
      pos += (m[5] ?? '').length;
      out.push({ start: pos, end: pos + m[6].length, type: 'ZIP', prio: 66, source: 'address' });
    }
  }
  CITY_CONTEXT_RE.lastIndex = 0;
  for (let m = CITY_CONTEXT_RE.exec(text), g = 0; m !== null && g < 50_000; m = CITY_CONTEXT_RE.exec(text), g++) {
    const c = m[1] ?? '';
    const start = m.index + m[0].length - c.length;
    if (!isStateWord(c)) out.push({ start, end: start + c.length, type: 'CITY', prio: 61, source: 'address' });
  }
  COUNTY_RE.lastIndex = 0;
  if (!/County|Parish|Borough/.test(text)) return;
  for (let m = COUNTY_RE.exec(text), g = 0; m !== null && g < 50_000; m = COUNTY_RE.exec(text), g++) {
    out.push({ start: m.index, end: m.index + m[0].length, type: 'CITY', prio: 61, source: 'address' });
  }
}

// ---------------------------------------------------------------------------------------------
// Names

const PARTICLE = "(?:de|del|della|da|das|do|dos|du|van|von|der|den|la|le|di|bin|ibn|al|el|St\\.?|Dela|De|Del|Della|La|Le|Van|Von|Da|Di|Du|Abu|Ben)";
/** A person's name: 1–4 name words, particles allowed inside ("Chidi Dela Cruz", "Ana de la Cruz"). */
const NAME_SEQ = `${NAME_WORD}(?:\\s+(?:\\p{Lu}\\.\\s+)?(?:${PARTICLE}\\s+){0,2}${NAME_WORD}){0,3}`;
/** An initial ("J.") may start or sit inside a name. */
const NAME_SEQ_I = `(?:\\p{Lu}\\.\\s+)?${NAME_SEQ}`;

const HONORIFIC_RE = new RegExp(`\\b(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof|Rev|Sr|Fr)\\.?|${HONORIFIC_ALT})\\s+(${NAME_SEQ_I})`, 'gu');
const INTRO_STRONG_RE = new RegExp(
  `\\b(?:[Mm]y\\s+name\\s+is|[Mm]y\\s+name's|[Nn]ame\\s+is|[Nn]ame's|[Nn]amed|[Cc]alled|[Gg]oes\\s+by|[Ss]peaking\\s+with|[Ss]peak\\s+(?:to|with)|[Aa]sk\\s+for|[Pp]atient\\s+is|[Pp]atient,|[Pp]atient:|[Nn]ame:|[Ss]igned,?)\\s+(${NAME_SEQ_I})`,
  'gu',
);
const INTRO_WEAK_RE = new RegExp(`\\b(?:I'm|I\\s+am|I’m|[Tt]his\\s+is|[Ii]t's|[Ii]t\\s+is|[Ii]t’s|[Tt]hat's|[Hh]ere's|[Ss]ure|[Yy]es|[Yy]eah)[,.]?\\s+(${NAME_SEQ_I})`, 'gu');
const RELATION_CI = anyCase(RELATION_ALT);
const RELATION_RE = new RegExp(`\\b(?:${RELATION_CI})(?:'s)?,?\\s+(${NAME_SEQ_I})`, 'gu');
const RELATION_AFTER_RE = new RegExp(`(${NAME_SEQ_I}),?\\s+(?:I'm|I\\s+am|I’m|is|was|this\\s+is|it's)\\s+(?:his|her|their|your|my|the)\\s+(?:${RELATION_CI})\\b`, 'gu');
const GREETING_RE = new RegExp(
  `\\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Tt]hanks|[Tt]hank\\s+you|[Bb]ye|[Gg]oodbye|[Mm]orning|[Aa]fternoon|[Ee]vening|[Ww]elcome(?:\\s+back)?|[Nn]ice\\s+to\\s+(?:meet|see)\\s+you(?:\\s+again)?|[Ss]ee\\s+you|[Tt]ake\\s+care|[Oo]kay|[Ss]orry|[Ee]xcuse\\s+me)[,!]?\\s+(${NAME_SEQ_I})`,
  'gu',
);
const EPONYM_AFTER_RE = new RegExp(`^(?:['’]s?|s['’])?\\s*(?:${EPONYM_NOUN_ALT})\\b`, 'i');
const POSSESSIVE_RE = /['’]s$|s['’]$|['’]$/;

/** Words that are never the start of a name even after a greeting or honorific. */
const NOT_A_NAME = new Set(['doctor', 'dr', 'sir', "ma'am", 'maam', 'madam', 'everyone', 'everybody', 'folks', 'team', 'all', 'there', 'again', 'guys', 'nurse', 'mister', 'miss']);

export const isAllowedCapWord: (word: string) => boolean = memoize(allowedCapWord);

function allowedCapWord(word: string): boolean {
  const l = word.toLowerCase().replace(/['’]s$|['’]$/, '');
  if (l.length <= 1) return true;
  if (MONTHS.has(l) && l.length > 3) return true;
  if (WEEKDAYS.has(l)) return true;
  if (NON_PHI_CAPS.has(l) || BRAND_DRUGS.has(l) || US_STATE_NAMES.has(l)) return true;
  if (EPONYMS.has(l)) return true;
  return false;
}

const PARTICLE_EXACT_RE = new RegExp(`^${PARTICLE}$`);
const HONORIFIC_EXACT_RE = new RegExp(`^(?:${HONORIFIC_ALT})\\.?$`);
const TRAILING_PARTICLE_RE = new RegExp(`\\s+${PARTICLE}$`);
const HONORIFIC_BEFORE_PERIOD_RE = new RegExp(`(?:^|\\s)(?:${HONORIFIC_ALT}|St|Jr|Sr|Mt|Ft)$`);

/** Split a matched name sequence at the first word that cannot be part of a name. */
function trimNameSeq(seq: string, strong: boolean): string {
  const words = seq.split(/(\s+)/);
  let keep = '';
  let count = 0;
  for (let i = 0; i < words.length; i += 2) {
    const w = words[i] ?? '';
    const l = w.toLowerCase().replace(/['’]s$/, '');
    const isParticle = PARTICLE_EXACT_RE.test(w);
    if (!isParticle) {
      if (NOT_A_NAME.has(l)) break;
      // A first name that is also a brand or a word ("Yasmin", "Grace") stays part of the name.
      if (isAllowedCapWord(w) && !(!MONTHS.has(l) && !WEEKDAYS.has(l) && FIRST_NAMES.has(l) && (strong || count > 0))) break;
      if (HONORIFIC_EXACT_RE.test(w)) break;
    }
    keep += (i > 0 ? (words[i - 1] ?? '') : '') + w;
    if (!isParticle) count++;
  }
  // Do not end on a particle ("Ana de").
  return keep.replace(TRAILING_PARTICLE_RE, '');
}

function pushName(out: Candidate[], text: string, start: number, seq: string, source: SpanSource, prio: number): void {
  let s = seq;
  // Possessive "Sandberg's": the name is masked, the "'s" stays.
  if (POSSESSIVE_RE.test(s)) s = s.replace(POSSESSIVE_RE, '');
  if (s.length < 2) return;
  // Eponyms ("Bell's palsy") are clinical terms, not people.
  const after = text.slice(start + s.length, start + s.length + 30);
  if (EPONYM_AFTER_RE.test(after) && !/\s/.test(s)) return;
  out.push({ start, end: start + s.length, type: 'NAME', prio, source });
}

const HONORIFIC_GATE_RE = new RegExp(`\\b(?:${HONORIFIC_ALT}|Fr|Sr)\\b`, 'i');
const INTRO_GATE_RE = /\b(?:name|named|called|goes|speaking|speak|ask|patient|signed)\b/i;
const RELATION_GATE_RE = new RegExp(`\\b(?:${RELATION_ALT})\\b`, 'i');
const GREETING_GATE_RE = /\b(?:hi|hello|hey|thanks|thank|bye|goodbye|morning|afternoon|evening|welcome|nice|see|take|okay|sorry|excuse)\b/i;

function contextNames(text: string, out: Candidate[]): void {
  const run = (re: RegExp, strong: boolean, prio: number, requireUncommon: boolean) => {
    re.lastIndex = 0;
    for (let m = re.exec(text), g = 0; m !== null && g < 50_000; m = re.exec(text), g++) {
      const raw = m[1] ?? '';
      // The name group always closes the match.
      const start = m.index + m[0].length - raw.length;
      const seq = trimNameSeq(raw, strong);
      if (!seq) continue;
      if (requireUncommon) {
        const ws = seq.split(/\s+/);
        const first = (ws[0] ?? '').toLowerCase();
        // "It's Tuesday", "I'm Fine": a weak intro needs a non-word or a full name.
        if (ws.length === 1 && isCommonWord(first.replace(/['’]s$/, ''))) continue;
      }
      pushName(out, text, start, seq, 'name', prio);
    }
  };
  // Cheap gates: a turn without any trigger word skips the (expensive) context regexes.
  if (HONORIFIC_GATE_RE.test(text)) run(HONORIFIC_RE, true, 58, false);
  if (INTRO_GATE_RE.test(text)) run(INTRO_STRONG_RE, true, 57, false);
  const hasRelation = RELATION_GATE_RE.test(text);
  if (hasRelation) run(RELATION_RE, true, 56, false);
  if (GREETING_GATE_RE.test(text)) run(GREETING_RE, true, 56, true);
  run(INTRO_WEAK_RE, false, 55, true);
  // "Tigist, I'm her daughter": the name comes first.
  RELATION_AFTER_RE.lastIndex = 0;
  for (let m = hasRelation ? RELATION_AFTER_RE.exec(text) : null, g = 0; m !== null && g < 50_000; m = RELATION_AFTER_RE.exec(text), g++) {
    const raw = m[1] ?? '';
    const seq = trimNameSeq(raw, true);
    if (!seq) continue;
    // "Heather, I'm his daughter": a strong context, even for a name that is also a word.
    if (seq.split(/\s+/).length === 1 && NOT_A_NAME.has(seq.toLowerCase())) continue;
    pushName(out, text, m.index, seq, 'name', 56);
  }
}

const CAP_WORD_RE = new RegExp(`${NAME_WORD}(?:['’]s|s['’])?`, 'gu');

/** Is position `i` at the start of a sentence (turn start, after . ! ? : or an opening quote)? */
function sentenceInitial(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /[\s"“'(]/.test(text[j] ?? '')) j--;
  if (j < 0) return true;
  const c = text[j] ?? '';
  if (c === '.' ) {
    // "Dr. Kang": the period of an honorific does not end a sentence.
    const before = text.slice(Math.max(0, j - 10), j);
    if (HONORIFIC_BEFORE_PERIOD_RE.test(before)) return false;
    // A middle initial ("John Q. Public") does not end a sentence either.
    if (/(?:^|\s)\p{Lu}$/u.test(before)) return false;
    return true;
  }
  return c === '!' || c === '?' || c === ':' || c === ';' || c === '…';
}

/** Sentence-initial words with these endings are ordinary words ("Irregularly", "Inflammation"). */
function looksLikeWordForm(lower: string): boolean {
  if (FIRST_NAMES.has(lower)) return false;
  return /(?:tion|sion|ment|ness|itis|osis|emia|ectomy|ology|ologist|ular|ically|ously|ively|fully|ility)$/.test(lower) || (lower.length >= 8 && /ly$/.test(lower));
}

function properNouns(text: string, out: Candidate[], strict: boolean, lowerSeen: ReadonlySet<string>): void {
  CAP_WORD_RE.lastIndex = 0;
  let runStart = -1;
  let runEnd = -1;
  let runStrong = 0;
  let runWords = 0;
  let runFirstName = false;
  let runType: PhiType = 'NAME';
  const flush = () => {
    // A run of only "weak" words (capitalised everyday words) is a name only when it reads like
    // one: two or more words starting with a known given name ("John Q. Public", "Tom White").
    if (runStart >= 0 && (runStrong > 0 || (runFirstName && runWords >= 2))) {
      pushName(out, text, runStart, text.slice(runStart, runEnd), 'proper', 40);
      const last = out[out.length - 1];
      if (runType === 'CITY' && last && last.start === runStart) last.type = 'CITY';
    }
    runStart = -1;
    runStrong = 0;
    runWords = 0;
    runFirstName = false;
  };
  for (let m = CAP_WORD_RE.exec(text), g = 0; m !== null && g < 200_000; m = CAP_WORD_RE.exec(text), g++) {
    const w = m[0];
    const start = m.index;
    const end = start + w.length;
    // Inside a larger token ("iPhone"): skip.
    if (start > 0 && /[\p{L}\d]/u.test(text[start - 1] ?? '')) continue;
    const bare = w.replace(POSSESSIVE_RE, '');
    const lower = bare.toLowerCase();
    // 0 = not a name, 1 = weak (everyday word, capitalised), 2 = strong
    let level = 0;
    if (!isAllowedCapWord(bare) && !HONORIFIC_EXACT_RE.test(bare)) {
      const after = text.slice(end, end + 30);
      const eponym = (POSSESSIVE_RE.test(w) || /^\s/.test(after)) && EPONYM_AFTER_RE.test(text.slice(start + bare.length, start + bare.length + 30));
      if (!eponym) {
        const initial = sentenceInitial(text, start);
        if (!initial) level = isFunctionWord(lower) ? 1 : 2;
        else if (!isCommonWord(lower) && !lowerSeen.has(lower) && !lowerSeen.has(`~${lower.replace(/(?:ly|s|es|ed|ing)$/, '')}`) && !looksLikeWordForm(lower)) level = 2;
        else if (strict && FIRST_NAMES.has(lower)) level = 2;
        // "Diego Lindqvist, born ...": a given name that is also a word joins the surname after it.
        else if (isKnownName(lower) || FIRST_NAMES.has(lower) || commonRank(lower) >= 2500) level = 1;
      }
    }
    if (level === 0) {
      flush();
      continue;
    }
    const gap = runStart >= 0 ? text.slice(runEnd, start) : '';
    // Words join a run across spaces and a middle initial ("John Q. Public").
    const joins = runStart >= 0 && /^(?:\s+|\s+\p{Lu}\.\s+)$/u.test(gap) && !POSSESSIVE_RE.test(text.slice(runStart, runEnd));
    if (!joins) {
      flush();
      runStart = start;
      const before = text.slice(Math.max(0, start - 30), start);
      runType = !FIRST_NAMES.has(lower) && /\b(?:in|from|near|to|at|of|outside|around)\s+(?:the\s+)?$/i.test(before) && !/\b(?:Dr|Doctor)\.?\s*$/.test(before) ? 'CITY' : 'NAME';
      runFirstName = isKnownName(lower) || FIRST_NAMES.has(lower);
    }
    runEnd = end;
    runWords++;
    if (level === 2) runStrong++;
  }
  flush();
}

// ---------------------------------------------------------------------------------------------
// Visit-level identifiers: banner, extras, names seen elsewhere

const WORD_RE = /[\p{L}][\p{L}'’-]*/gu;

export { editDistance, phoneticKey } from '../../../shared/fuzzy.ts';

/** Is `word` (as written in the transcript) the banner name token `target`, allowing ASR misspellings? */
const fuzzyCached = memoize((k: string) => {
  const cut = k.indexOf('\u0000');
  return fuzzyUncached(k.slice(0, cut), k.slice(cut + 1));
}, 100_000);
export function fuzzyNameMatch(word: string, target: string): boolean {
  if (word.length === target.length && word.toLowerCase() === target.toLowerCase()) return true;
  if (target.length < 4 || word.length < 3 || Math.abs(word.length - target.length) > 2) return false;
  return fuzzyCached(`${word}\u0000${target}`);
}

function fuzzyUncached(word: string, target: string): boolean {
  const a = word.toLowerCase();
  const b = target.toLowerCase();
  if (a === b) return true;
  const capitalised = /^\p{Lu}/u.test(word);
  // A lower-case ordinary word ("sandbag") is not a misspelt name, nor is a very frequent word
  // even when capitalised at a sentence start ("Has" is not "Hayes", "Can" is not "Kan").
  if ((!capitalised && isCommonWord(a)) || isFunctionWord(a)) return false;
  const d = editDistance(a, b, 2);
  if (d <= 1) return true;
  if (d <= 2 && b.length >= 7 && a[0] === b[0]) return true;
  return b.length >= 5 && phoneticKey(a) === phoneticKey(b) && Math.abs(a.length - b.length) <= 2;
}

function alnumIndex(text: string): { norm: string; map: number[] } {
  let norm = '';
  const map: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (/[A-Za-z0-9]/.test(c)) {
      norm += c.toUpperCase();
      map.push(i);
    }
  }
  return { norm, map };
}

function visitTerms(text: string, out: Candidate[], terms: VisitTerms): void {
  // Ids (banner MRN, extras): compare with separators removed, so "916-471-105" matches "916 471 105".
  if (terms.ids.length > 0) {
    const { norm, map } = alnumIndex(text);
    for (const id of terms.ids) {
      if (id.norm.length < 4) continue;
      for (let at = norm.indexOf(id.norm), g = 0; at >= 0 && g < 10_000; at = norm.indexOf(id.norm, at + 1), g++) {
        const s = map[at];
        const e = map[at + id.norm.length - 1];
        if (s === undefined || e === undefined) continue;
        out.push({ start: s, end: e + 1, type: id.type, prio: 80, source: 'banner' });
      }
    }
  }
  const hasWords = terms.bannerNameTokens.length > 0 || terms.extraWords.length > 0 || terms.seen.size > 0;
  if (!hasWords) return;
  WORD_RE.lastIndex = 0;
  const words: Array<{ w: string; start: number; end: number }> = [];
  for (let m = WORD_RE.exec(text), g = 0; m !== null && g < 200_000; m = WORD_RE.exec(text), g++) {
    let w = m[0];
    if (POSSESSIVE_RE.test(w)) w = w.replace(POSSESSIVE_RE, '');
    w = w.replace(/[-']+$/, '');
    if (w.length > 0) words.push({ w, start: m.index, end: m.index + w.length });
  }
  for (let i = 0; i < words.length; i++) {
    const cur = words[i];
    if (!cur) continue;
    const lower = cur.w.toLowerCase();
    // Banner name tokens, exact or fuzzy; also two transcript words that join into one ("Sand berg").
    for (const t of terms.bannerNameTokens) {
      // ASR glues a name onto a neighbouring syllable ("Walter Nair" → "wall, ternair"): a word that
      // is not an ordinary word and holds a banner name token of 4+ letters is that name.
      const glued = t.length >= 4 && lower.length > t.length && lower.length <= t.length + 4 && lower.includes(t.toLowerCase()) && !isCommonWord(lower);
      if (glued || fuzzyNameMatch(cur.w, t)) {
        out.push({ start: cur.start, end: cur.end, type: 'NAME', prio: 78, source: 'banner' });
        break;
      }
      const nxt = words[i + 1];
      if (nxt && /^\s$/.test(text.slice(cur.end, nxt.start)) && t.length >= 5 && /^\p{Lu}/u.test(cur.w)) {
        const joined = cur.w + nxt.w;
        if (joined.length >= t.length - 1 && fuzzyNameMatch(joined, t)) {
          out.push({ start: cur.start, end: nxt.end, type: 'NAME', prio: 78, source: 'banner' });
          break;
        }
      }
    }
    // Names and cities found in other turns: same word anywhere in the visit (capitalised, or not a common word).
    const seenType = terms.seen.get(lower);
    if (seenType && (/^\p{Lu}/u.test(cur.w) || !isCommonWord(lower)) && !isAllowedCapWord(cur.w)) {
      out.push({ start: cur.start, end: cur.end, type: seenType, prio: 39, source: 'visit' });
    }
    // Clinician-marked words and phrases.
    for (const ex of terms.extraWords) {
      const first = ex.words[0];
      if (first === undefined || !fuzzyNameMatch(cur.w, first)) continue;
      let ok = true;
      let endIdx = i;
      for (let k = 1; k < ex.words.length; k++) {
        const wk = words[i + k];
        const tk = ex.words[k];
        if (!wk || tk === undefined || !fuzzyNameMatch(wk.w, tk)) {
          ok = false;
          break;
        }
        endIdx = i + k;
      }
      const last = words[endIdx];
      if (ok && last) out.push({ start: cur.start, end: last.end, type: ex.type, prio: 82, source: 'extra' });
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** Names spelled out letter by letter: "A-S-A-N-T-E", "K O W A L". Four letters or more. */
const SPELLED_RE = /(?<![\w-])[A-Z](?:(?:-|\s|,\s|\.\s?)[A-Z]){3,}(?![\w-])/g;
const SPELLED_ACRONYMS = new Set(['COPD', 'ADHD', 'HIPAA', 'CPAP', 'BIPAP', 'GERD', 'NSAID', 'NSAIDS', 'HEENT', 'PERRLA', 'MRSA', 'USA', 'FMLA', 'PTSD', 'ASAP', 'STAT', 'ICU', 'CABG', 'TURP', 'DNR', 'POLST']);

function spelledNames(text: string, out: Candidate[]): void {
  SPELLED_RE.lastIndex = 0;
  for (let m = SPELLED_RE.exec(text), g = 0; m !== null && g < 50_000; m = SPELLED_RE.exec(text), g++) {
    const letters = m[0].replace(/[^A-Z]/g, '');
    if (SPELLED_ACRONYMS.has(letters)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'NAME', prio: 54, source: 'spoken' });
  }
}

/** Candidates from names and cities seen elsewhere in the visit (the second, visit-level pass). */
export function seenCandidates(text: string, seen: Map<string, PhiType>): Candidate[] {
  const out: Candidate[] = [];
  if (seen.size > 0) visitTerms(text, out, { ...emptyTerms(), seen });
  return out;
}

/** All candidates for one turn (before overlap resolution). */
export function detectCandidates(text: string, terms: VisitTerms, strictness: Strictness = 'standard'): Candidate[] {
  const strict = strictness === 'strict';
  const out: Candidate[] = patternCandidates(text).map((c) => ({ ...c, source: 'pattern' as const }));
  dates(text, out, strict);
  ages(text, out);
  spokenIds(text, out);
  spelledNames(text, out);
  addresses(text, out);
  contextNames(text, out);
  properNouns(text, out, strict, terms.lowerSeen);
  visitTerms(text, out, terms);
  if (strict) {
    // Strict: any standalone 5-digit number is treated as a ZIP; any 3-digit number 90..130 next to
    // "is"/"turned" as an age.
    const zipRe = /(?<![\w.,/-])\d{5}(?![\w/-]|[.,]\d)/g;
    for (let m = zipRe.exec(text), g = 0; m !== null && g < 50_000; m = zipRe.exec(text), g++) {
      out.push({ start: m.index, end: m.index + 5, type: 'ZIP', prio: 30, source: 'pattern' });
    }
  }
  return out;
}

/** Detected spans for one turn: sorted, non-overlapping, typed. */
export function detectTurn(text: string, terms: VisitTerms = emptyTerms(), strictness: Strictness = 'standard'): DetectedSpan[] {
  return resolveOverlaps(dropOverruled(detectCandidates(text, terms, strictness)));
}

/**
 * A proper-noun guess inside a higher-priority span is dropped by overlap resolution anyway; a
 * proper-noun guess that merely *touches* a date ("Tuesday, March 4") is kept separately.
 */
function dropOverruled(c: Candidate[]): Candidate[] {
  return c;
}
