import { z } from 'zod';

/**
 * Pattern-class identifier detection, shared by the on-device minimizer and the API's PHI guard.
 *
 * HIPAA Safe Harbor (45 CFR 164.514(b)(2)) identifier classes that occur in speech. This module
 * finds the ones that have a recognisable *shape* (numbers, addresses on the wire, emails, URLs,
 * IPs, numeric dates, ids); names, spoken dates and free-text places need the context rules in
 * extension/lib/minimize. Pure and dependency-free apart from zod; never throws on any string.
 *
 * Bias: when a shape is ambiguous between an identifier and nothing clinical, it is flagged
 * (a missed identifier leaks, an extra placeholder only costs readability). Clinical number
 * forms (blood pressure "123/82", doses "25/100 mg", lab values "7.2", years) are kept.
 */
export const PhiType = z.enum([
  'NAME',
  'DATE',
  'AGE',
  'PHONE',
  'FAX',
  'EMAIL',
  'ADDRESS',
  'CITY',
  'ZIP',
  'SSN',
  'MRN',
  'HEALTH_PLAN',
  'ACCOUNT',
  'LICENSE',
  'VEHICLE',
  'DEVICE',
  'URL',
  'IP',
]);
export type PhiType = z.infer<typeof PhiType>;

/**
 * Identifier classes that must never reach the note API unplaceholdered (its PHI guard refuses
 * them) nor leave it in a note (its output check refuses them): every class with a recognisable
 * shape (numbers, ids, emails, URLs, IPs). The id classes are all guarded because the detector
 * picks among them by nearby words ("serial", "member", "fax"), so a phone number next to the
 * word "device" is still refused. Not guarded here: numeric dates ("pain 7/10" has a date's
 * shape), addresses, ZIPs, ages, names and places — they need context the server does not have
 * and stay the minimizer's job (the API's guard also checks banner names, by hash). Measured on
 * the 200 dev-text visits with their PHI replaced by placeholders: 0 false refusals.
 */
export const GUARDED_TYPES: ReadonlySet<PhiType> = new Set<PhiType>([
  'SSN',
  'PHONE',
  'FAX',
  'EMAIL',
  'MRN',
  'HEALTH_PLAN',
  'ACCOUNT',
  'LICENSE',
  'DEVICE',
  'VEHICLE',
  'IP',
  'URL',
]);

/** How many shapes of a guarded class (see GUARDED_TYPES) the text holds. Pure; never throws. */
export function guardedShapeCount(text: string): number {
  let n = 0;
  for (const span of detectPatternIdentifiers(text)) if (GUARDED_TYPES.has(span.type)) n++;
  return n;
}

export const PHI_TYPES: readonly PhiType[] = PhiType.options;

export interface PatternSpan {
  start: number;
  end: number;
  type: PhiType;
}

/** Upper bound on text scanned in one call (the transcript schema caps segments far below this). */
export const MAX_PATTERN_TEXT = 2_000_000;

// ---------------------------------------------------------------------------------------------
// Context keywords: which id class a number belongs to is decided by the words just before it.

interface ContextRule {
  type: PhiType;
  re: RegExp;
  /** Generic words ("number") decide only when no specific keyword is near. */
  weak?: boolean;
}

/** Ordered: the first keyword class found nearest before the id wins (see classifyByContext). */
const CONTEXT_RULES: readonly ContextRule[] = [
  { type: 'FAX', re: /\bfax(?:ed|ing)?\b/gi },
  { type: 'SSN', re: /\b(?:social(?:\s+security)?|ssn|s\s?s\s?n)\b/gi },
  {
    type: 'MRN',
    re: /\b(?:mrn|m\s?r\s?n|medical\s+record|record\s+(?:number|no)|chart(?:\s+(?:number|no))?|patient\s+(?:id|number)|screen\s+says)\b/gi,
  },
  {
    type: 'HEALTH_PLAN',
    re: /\b(?:member(?:ship)?|insurance|insurer|policy|subscriber|health\s+plan|plan\s+(?:id|number)|medicare|medicaid|group)\b/gi,
  },
  { type: 'ACCOUNT', re: /\b(?:account|acct|billing|invoice|bill|card\s+number|credit\s+card)\b/gi },
  { type: 'LICENSE', re: /\b(?:licen[cs]e|certificate|dea|npi|permit|passport)\b/gi },
  { type: 'VEHICLE', re: /\b(?:plate|vin|vehicle|license\s+plate|tag\s+number|car|truck)\b/gi },
  {
    type: 'DEVICE',
    re: /\b(?:serial|device|pump|pacemaker|monitor|implant|defibrillator|stimulator|hearing\s+aid|cgm|s\s?n)\b/gi,
  },
  { type: 'PHONE', re: /\b(?:phone|call|cell|mobile|reach|text|pager|extension)\b/gi },
  { type: 'PHONE', re: /\b(?:number|line)\b/gi, weak: true },
  { type: 'IP', re: /\bip(?:\s+address)?\b/gi },
];

/** Nearest keyword within `window` characters before `start` decides the class. */
export function classifyByContext(text: string, start: number, fallback: PhiType, allowed?: readonly PhiType[], window = 60): PhiType {
  const from = Math.max(0, start - window);
  const before = text.slice(from, start);
  let best: { type: PhiType; at: number } | undefined;
  let weak: { type: PhiType; at: number } | undefined;
  for (const rule of CONTEXT_RULES) {
    if (allowed && !allowed.includes(rule.type)) continue;
    rule.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = rule.re.exec(before)) !== null) {
      const at = m.index + m[0].length;
      if (rule.weak) {
        if (!weak || at > weak.at) weak = { type: rule.type, at };
      } else if (!best || at > best.at) best = { type: rule.type, at };
      if (m[0].length === 0) rule.re.lastIndex++;
    }
  }
  return best ? best.type : weak ? weak.type : fallback;
}

// ---------------------------------------------------------------------------------------------
// Validators

/** IPv4 dotted quad with every octet 0..255 and no leading zeros beyond "0". */
export function isValidIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(?:0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** Luhn checksum (payment cards, NPI with the 80840 prefix, many device serials). */
export function luhnValid(digits: string): boolean {
  if (!/^\d{8,19}$/.test(digits)) return false;
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Calendar check for numeric dates: month 1..12, day 1..31 (and 1..29 for February). */
export function isPlausibleMonthDay(month: number, day: number): boolean {
  if (!Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (month === 2 && day > 29) return false;
  if ((month === 4 || month === 6 || month === 9 || month === 11) && day > 30) return false;
  return true;
}

/**
 * ISO 3779 VIN check digit (position 9). Synthetic and grey-market VINs often fail it, so a
 * failing 17-character VIN-shaped token is still flagged (as VEHICLE); this only raises confidence.
 */
export function vinCheckDigitValid(vin: string): boolean {
  const v = vin.toUpperCase();
  if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(v)) return false;
  const map: Record<string, number> = {
    A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
    S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
  };
  const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = v[i] ?? '0';
    const val = /\d/.test(c) ? Number(c) : (map[c] ?? 0);
    sum += val * (weights[i] ?? 0);
  }
  const check = sum % 11;
  return v[8] === (check === 10 ? 'X' : String(check));
}

// ---------------------------------------------------------------------------------------------
// Patterns. Each returns candidate spans; overlaps are resolved at the end (longest wins).

const TLD = '(?:com|org|net|edu|gov|mil|io|us|uk|ca|info|biz|app|health|care|clinic|test|example|mail|co|me|dev)';

const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63}){0,6}\.[A-Za-z]{2,24}\b/g;
/** Spoken email: "jane dot doe at example dot com". */
const SPOKEN_EMAIL_RE = new RegExp(
  `(?<!['’])\\b(?!(?:in|at|on|it|is|me|us|up|log|sign|signed|logged|me|here|there|that|this|him|her|them|you|email)\\b)[A-Za-z0-9]+(?:\\s+(?:dot|underscore|dash|hyphen)\\s+[A-Za-z0-9]+){0,4}\\s+at\\s+[A-Za-z0-9-]+(?:\\s+dot\\s+[A-Za-z0-9-]+){0,4}\\s+dot\\s+${TLD}\\b`,
  'gi',
);
const URL_SCHEME_RE = /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'`]+/gi;
const URL_BARE_RE = new RegExp(`(?<![A-Za-z0-9.-])[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\\.[A-Za-z0-9-]{1,63}){0,6}\\.${TLD}\\b(?:[/?#][^\\s<>"'\`]*)?`, 'gi');
/** Any-TLD host with a path: "meet.clinic.xyz/abc-123" (a path makes a bare host unambiguous). */
const URL_ANY_TLD_PATH_RE = /(?<![A-Za-z0-9.-])[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63}){0,6}\.[A-Za-z]{2,24}\/[^\s<>"'`]*[^\s<>"'`.,;:!?)]/g;
/** Spoken URL: "portal dot example dot com slash join". */
const SPOKEN_URL_RE = new RegExp(`\\b[A-Za-z0-9-]+(?:\\s+dot\\s+[A-Za-z0-9-]+){0,4}\\s+dot\\s+${TLD}\\b(?:\\s+slash\\s+[A-Za-z0-9-]+){0,8}`, 'gi');
const IPV4_RE = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
const IPV6_RE = /\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b|\b(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?\b/g;

/** SSN: 3-2-4 with dashes, spaces or dots. (Area 9xx / group 00 are not rejected: better flagged.) */
const SSN_RE = /(?<![\d-])\d{3}([- .])\d{2}\1\d{4}(?![\d-])/g;
/** NANP phone: (412) 837-1234, 412-837-1234, 412.837.1234, 412 837 1234, +1 412 837 1234, 4128371234. */
const PHONE_RE =
  /(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d-])|(?<![\w-])(?:\+?1)?\d{10}(?![\d-])/g;
/** Extension suffix glued onto a phone number: "ext 214", "extension 12". */
const EXT_RE = /^\s*(?:,\s*)?(?:ext\.?|extension|x)\s*\d{1,6}\b/i;

/** Numeric dates: 07/16/2026, 7-16-26, 2026-07-16, 7/16, 16.07.2026. */
const DATE_NUM_RE = /(?<![\w/.-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\w/-]|\.\d)/g;
const DATE_ISO_RE = /(?<![\w/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w/-])/g;
/** A unit or dose word after "25/100" makes it a dose, not a date. */
const UNIT_AFTER_RE = /^\s*(?:mg|milligrams?|mcg|micrograms?|g|grams?|ml|units?|tabs?|tablets?|caps?|capsules?|puffs?|sprays?|mmhg|bpm|%|percent|of\b|times?\b|days?\b|weeks?\b|months?\b|hours?\b|hrs?\b|minutes?\b|mins?\b|years?\b|drinks?\b|cups?\b|pills?\b|doses?\b|servings?\b|packs?\b|cigarettes?\b|steps?\b|miles?\b|blocks?\b|flights?\b|pounds?\b|lbs?\b|inches?\b|feet\b|out\s+of\b)/i;
/** Words before "1/2" that make it a fraction ("half", "take 1/2"). */
const FRACTION_BEFORE_RE = /(?:take|taking|took|about|only|cut|split)\s*$/i;

/** Address on one line: "1515 Driftwood Circle", "880 Lantern Hill Boulevard, Apartment 33C". The
 * suffix must end its word: "3 5 Started", "2 Drops", "4 Running" are not streets. */
const STREET_SUFFIX =
  '(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Circle|Cir|Way|Place|Pl|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Trail|Trl|Square|Sq|Loop|Path|Pike|Alley|Row|Run|Crossing|Point|Pointe|Ridge|Glen|Commons|Heights|Plaza|Walk|Close|Crescent|Bend)(?![A-Za-z])\\.?';
const ADDRESS_RE = new RegExp(
  `\\b\\d{1,6}(?:-?[A-Za-z])?\\s+(?:(?:[NSEW]|North|South|East|West|N\\.|S\\.|E\\.|W\\.)\\s+)?(?:[A-Z0-9][A-Za-z0-9'.-]*\\s+){0,4}${STREET_SUFFIX}(?:\\s+(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\\b)?(?:,?\\s+(?:Apartment|Apt\\.?|Unit|Suite|Ste\\.?|#|Number|No\\.?|Building|Bldg\\.?|Floor|Room|Lot)\\s*#?\\s*[A-Za-z0-9-]{1,6})?`,
  'g',
);
const PO_BOX_RE = /\b(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box)\s+\d{1,8}\b/gi;

/** ZIP after a context word ("zip", "zip code", "postal code") or a state name/abbreviation. */
const ZIP_CONTEXT_RE = /\b(?:zip(?:\s*code)?|postal\s+code|zipcode)(?:\s+(?:is|was|of))?[:,]?\s+(\d{5}(?:-\d{4})?)\b/gi;
const US_STATES =
  'Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC';
const ZIP_STATE_RE = new RegExp(`\\b(?:${US_STATES}),?\\s+(\\d{5}(?:-\\d{4})?)\\b`, 'g');
const ZIP4_RE = /(?<![\d-])\d{5}-\d{4}(?![\d-])/g;

/** "ends in 1441", "last four are 1441": a partial SSN/card/account is still an identifier. */
const LAST_FOUR_RE = /\b(?:ends?\s+(?:in|with)|ending\s+(?:in|with)|last\s+(?:four|4)\b[^.?!\d]{0,40}?)[:,]?\s*(\d{4})\b/gi;

/** Prefixed ids: MR1934144, SN46641410, AC0978628, member W999830664. */
const PREFIXED_ID_RE = /\b(MRN?|SN|S\/N|AC|ACCT|ID|PT)[-#:]?(\d{5,})\b/g;

/**
 * Generic id token: letters and digits mixed (KE7-T39, 1AT4-KN5-NL63, 5474HA9850, 4KBR349),
 * or long digit groups (8+ digits, 1065-0329-98, 645 007 150). Each piece is kept short so prose
 * ("COVID-19", "A1c", "B12", "T4") does not match; the whole token must hold at least 4 digits
 * (or 3 digits and 3 letters) — see looksLikeId.
 */
const ID_TOKEN_RE = /(?<![\w-])(?=[A-Za-z-]{0,40}\d)[A-Za-z0-9]{1,17}(?:[-][A-Za-z0-9]{1,12}){0,4}(?![\w-])/g;
/** Space-separated digit groups read as an id: "645 007 150", "1065 0329 98". */
const SPACED_DIGITS_RE = /(?<![\w.,-])\d{2,4}(?: \d{2,4}){2,4}(?![\w-]|[.,]\d)/g;
/** Plates with a space: "UUT 1650", "ZHA 9361". */
const PLATE_SPACE_RE = /\b[A-Z]{2,4} \d{3,4}\b/g;

/** Words that look like ids but are clinical: "COVID-19", "PHQ-9", "A1c", "HbA1c", "B12". */
const CLINICAL_TOKENS = new Set(
  [
    'covid-19', 'sars-cov-2', 'phq-9', 'phq-2', 'gad-7', 'hba1c', 'a1c', 'b12', 'b6', 'b1', 'd3', 'k2', 't3', 't4',
    'ca-125', 'cd4', 'cd8', 'il-6', 'h1n1', 'hiv-1', 'hiv-2', 'hpv-16', 'hpv-18', 'covid19', 'n95', 'kn95', 'ecg', 'ekg',
    'mmr', 'tdap', 'dtap', 'g6pd', 'ldl', 'hdl', 'egfr', 'bun', 'inr', 'psa', 'tsh', 'cbc', 'cmp', 'bmp', 'o2', 'co2',
    'spo2', 'fev1', 'icd-10', 'icd-9', 'dsm-5', 'ct', 'mri', 'x-ray', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'l1', 'l2', 'l3', 'l4', 'l5', 's1', 's2',
  ],
);

/** Word parts that make "N-word" a quantity rather than an id (lower-case, spoken-English words). */
const WORDISH = /^(?:year|years|yr|old|month|months|week|weeks|day|days|hour|hours|hr|minute|minutes|min|second|seconds|time|times|pack|packs|step|steps|point|points|lead|item|mile|miles|pound|pounds|inch|inches|foot|feet|meter|dose|doses|tablet|tablets|pill|pills|unit|units|fold|degree|degrees|percent|way|ways|part|parts|star|level|grade|stage|type|phase|room|bed|story|floor|night|nights|shift|count|panel|gram|grams|milligram|milligrams|liter|liters|cup|cups|drink|drinks|beer|beers|glass|glasses|page|pages|minute|episode|episodes)$/i;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
function letterCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 32;
    if (c >= 97 && c <= 122) n++;
  }
  return n;
}

/** Decides whether an alphanumeric token is an identifier rather than a word, number or dose. */
export function looksLikeId(token: string): boolean {
  if (token.length < 5 || token.length > 40) return false;
  const lower = token.toLowerCase();
  if (CLINICAL_TOKENS.has(lower)) return false;
  const d = digitCount(token);
  const l = letterCount(token);
  if (d === 0) return false;
  if (l === 0) {
    // Pure digits (with dashes): years and plain quantities are not ids; long runs and grouped runs are.
    const groups = token.split('-');
    if (groups.length === 1) return d >= 8;
    return d >= 7;
  }
  // "92-year-old", "24-hour", "3-day": a number glued to ordinary words is not an id.
  if (token.includes('-') && token.split('-').some((p) => p.length >= 3 && /^[A-Za-z]+$/.test(p) && WORDISH.test(p))) return false;
  // Mixed letters and digits: ids, unless very short and clinical-looking (A1c, B12: excluded above).
  if (d >= 4) return true;
  return d >= 2 && l >= 2 && token.length >= 6;
}

export interface PatternCandidate extends PatternSpan {
  prio: number;
}

function pushAll(out: PatternCandidate[], re: RegExp, text: string, type: PhiType | ((m: RegExpExecArray) => PhiType | null), prio: number, group = 0): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(text)) !== null && guard++ < 100_000) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const t = typeof type === 'function' ? type(m) : type;
    if (t === null) continue;
    let start = m.index;
    let end = m.index + m[0].length;
    if (group > 0) {
      const g = m[group];
      if (g === undefined) continue;
      const off = m[0].lastIndexOf(g);
      start = m.index + off;
      end = start + g.length;
    }
    out.push({ start, end, type: t, prio });
  }
}

/** Trailing sentence punctuation is not part of a URL. */
function trimUrlEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /[.,;:!?)\]}'"]/.test(text[e - 1] ?? '')) e--;
  return e;
}

/**
 * Resolve overlaps: sort by start, keep the longer span (then higher priority); a span fully
 * inside a kept one is dropped; partially overlapping spans are merged into the kept one's type.
 */
export function resolveOverlaps<T extends PatternSpan & { prio?: number }>(spans: readonly T[]): PatternSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || (b.prio ?? 0) - (a.prio ?? 0));
  const out: Array<PatternSpan & { prio: number }> = [];
  for (const s of sorted) {
    if (s.end <= s.start) continue;
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      if (s.end > last.end) {
        // Partial overlap: grow the kept span so no character of either goes unmasked.
        if ((s.prio ?? 0) > last.prio && s.end - s.start > last.end - last.start) last.type = s.type;
        last.end = s.end;
      }
      continue;
    }
    out.push({ start: s.start, end: s.end, type: s.type, prio: s.prio ?? 0 });
  }
  return out.map(({ start, end, type }) => ({ start, end, type }));
}

/**
 * Finds identifiers with a recognisable shape. Returns sorted, non-overlapping spans
 * (character offsets into `text`). Never throws; text past MAX_PATTERN_TEXT is not scanned.
 */
export function detectPatternIdentifiers(text: string): PatternSpan[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const src = text.length > MAX_PATTERN_TEXT ? text.slice(0, MAX_PATTERN_TEXT) : text;
  return resolveOverlaps(patternCandidates(src));
}

/** All candidates before overlap resolution (the minimizer merges them with its own layers). */
export function patternCandidates(text: string): PatternCandidate[] {
  const out: PatternCandidate[] = [];
  // Cheap gates: most transcript turns hold no digit, '@' or '.', and the regexes below are
  // the expensive part of a 60-minute visit.
  const hasDigit = /\d/.test(text);
  const hasAt = text.includes('@');
  const hasDotWord = /\bdot\b/i.test(text);
  const hasDomainDot = /[A-Za-z0-9]\.[A-Za-z]/.test(text) || /www|https?:/i.test(text);

  if (hasAt) pushAll(out, EMAIL_RE, text, 'EMAIL', 90);
  if (hasDotWord) pushAll(out, SPOKEN_EMAIL_RE, text, 'EMAIL', 88);
  if (hasDomainDot) {

    URL_SCHEME_RE.lastIndex = 0;
    for (let m = URL_SCHEME_RE.exec(text), g = 0; m !== null && g < 100_000; m = URL_SCHEME_RE.exec(text), g++) {
      const end = trimUrlEnd(text, m.index, m.index + m[0].length);
      if (end > m.index) out.push({ start: m.index, end, type: 'URL', prio: 85 });
    }
    URL_BARE_RE.lastIndex = 0;
    for (let m = URL_BARE_RE.exec(text), g = 0; m !== null && g < 100_000; m = URL_BARE_RE.exec(text), g++) {
      // Part of an email ("x@example.com"): the email rule owns it.
      if (m.index > 0 && text[m.index - 1] === '@') continue;
      const end = trimUrlEnd(text, m.index, m.index + m[0].length);
      if (end > m.index) out.push({ start: m.index, end, type: 'URL', prio: 80 });
    }
  }
  if (hasDomainDot) pushAll(out, URL_ANY_TLD_PATH_RE, text, 'URL', 79);
  if (hasDotWord) pushAll(out, SPOKEN_URL_RE, text, 'URL', 78);
  // Everything below needs a digit.
  if (!hasDigit) return out;

  pushAll(out, IPV4_RE, text, (m) => (isValidIPv4(m[0]) ? 'IP' : null), 85);
  if (text.includes(':')) pushAll(out, IPV6_RE, text, (m) => (m[0].split(':').length >= 3 && /[0-9a-f]/i.test(m[0]) && /\d/.test(m[0]) ? 'IP' : null), 84);

  pushAll(out, SSN_RE, text, (m) => classifyByContext(text, m.index, 'SSN', ['SSN', 'MRN', 'HEALTH_PLAN', 'ACCOUNT', 'LICENSE', 'DEVICE']), 75);

  PHONE_RE.lastIndex = 0;
  for (let m = PHONE_RE.exec(text), g = 0; m !== null && g < 100_000; m = PHONE_RE.exec(text), g++) {
    let end = m.index + m[0].length;
    const ext = EXT_RE.exec(text.slice(end, end + 20));
    if (ext) end += ext[0].length;
    // A 3-3-4 number is a phone (or fax) whatever billing/account words are near.
    const type = classifyByContext(text, m.index, 'PHONE', ['FAX', 'PHONE']);
    out.push({ start: m.index, end, type, prio: 74 });
  }

  DATE_NUM_RE.lastIndex = 0;
  for (let m = DATE_NUM_RE.exec(text), g = 0; m !== null && g < 100_000; m = DATE_NUM_RE.exec(text), g++) {
    const sep = m[2] ?? '/';
    const a = Number(m[1]);
    const b = Number(m[3]);
    const hasYear = m[4] !== undefined;
    const end = m.index + m[0].length;
    if (!isPlausibleMonthDay(a, b) && !isPlausibleMonthDay(b, a)) continue;
    if (!hasYear) {
      if (sep === '.') continue; // "7.2" is a lab value
      if (sep === '-' && !/\b(?:on|for|by|until|since|from|dated?)\s*$/i.test(text.slice(Math.max(0, m.index - 12), m.index))) continue; // "3-4 times"
      if (UNIT_AFTER_RE.test(text.slice(end, end + 12))) continue; // "25/100 mg"
      if (FRACTION_BEFORE_RE.test(text.slice(Math.max(0, m.index - 12), m.index)) && a < b && b <= 4) continue;
    } else if (sep === '.' && (m[4] ?? '').length === 2) {
      continue; // "1.2.34" is more likely a version than a date
    }
    out.push({ start: m.index, end, type: 'DATE', prio: 70 });
  }
  pushAll(out, DATE_ISO_RE, text, (m) => (isPlausibleMonthDay(Number(m[2]), Number(m[3])) ? 'DATE' : null), 70);

  pushAll(out, ADDRESS_RE, text, 'ADDRESS', 60);
  pushAll(out, PO_BOX_RE, text, 'ADDRESS', 60);
  pushAll(out, ZIP_CONTEXT_RE, text, 'ZIP', 65, 1);
  pushAll(out, ZIP_STATE_RE, text, 'ZIP', 65, 1);
  pushAll(out, ZIP4_RE, text, 'ZIP', 64);

  pushAll(out, LAST_FOUR_RE, text, (m) => classifyByContext(text, m.index + m[0].length, 'SSN', ['SSN', 'ACCOUNT', 'HEALTH_PLAN', 'MRN', 'PHONE', 'LICENSE'], 80), 66, 1);

  pushAll(out, PREFIXED_ID_RE, text, (m) => {
    const p = (m[1] ?? '').toUpperCase();
    if (p.startsWith('MR')) return 'MRN';
    if (p === 'SN' || p === 'S/N') return 'DEVICE';
    if (p === 'AC' || p === 'ACCT') return 'ACCOUNT';
    return classifyByContext(text, m.index, 'MRN');
  }, 68);

  ID_TOKEN_RE.lastIndex = 0;
  for (let m = ID_TOKEN_RE.exec(text), g = 0; m !== null && g < 200_000; m = ID_TOKEN_RE.exec(text), g++) {
    const tok = m[0];
    if (!looksLikeId(tok)) continue;
    out.push({ start: m.index, end: m.index + tok.length, type: idType(text, m.index, tok), prio: 50 });
  }
  SPACED_DIGITS_RE.lastIndex = 0;
  for (let m = SPACED_DIGITS_RE.exec(text), g = 0; m !== null && g < 100_000; m = SPACED_DIGITS_RE.exec(text), g++) {
    if (digitCount(m[0]) < 7) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: idType(text, m.index, m[0]), prio: 49 });
  }
  PLATE_SPACE_RE.lastIndex = 0;
  for (let m = PLATE_SPACE_RE.exec(text), g = 0; m !== null && g < 100_000; m = PLATE_SPACE_RE.exec(text), g++) {
    // "BP 123" / "CBC 1000": only a plate with a plate word nearby, or the common 3+4 shape.
    const plateWord = /\b(?:plate|tag|car|truck|vehicle|license)\b/i.test(text.slice(Math.max(0, m.index - 50), m.index));
    if (!plateWord && !/^[A-Z]{3} \d{4}$/.test(m[0])) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'VEHICLE', prio: 48 });
  }
  return out;
}

/** Class of a generic id token: context words first, then its shape. */
export function idType(text: string, start: number, token: string): PhiType {
  const ctx = classifyByContext(text, start, 'ACCOUNT', ['MRN', 'HEALTH_PLAN', 'ACCOUNT', 'LICENSE', 'VEHICLE', 'DEVICE', 'SSN', 'FAX', 'PHONE'], 70);
  if (ctx !== 'ACCOUNT') return ctx === 'FAX' || ctx === 'PHONE' ? shapeType(token) : ctx;
  if (/\baccount\b|\bbill/i.test(text.slice(Math.max(0, start - 70), start))) return 'ACCOUNT';
  return shapeType(token);
}

function shapeType(token: string): PhiType {
  const t = token.toUpperCase();
  if (/^MRN?\d/.test(t)) return 'MRN';
  if (/^SN\d/.test(t)) return 'DEVICE';
  if (/^AC\d/.test(t)) return 'ACCOUNT';
  if (/^[A-HJ-NPR-Z0-9]{17}$/.test(t) && letterCount(t) > 0) return 'VEHICLE';
  return 'ACCOUNT';
}
