import { z } from 'zod';
import { PhiType } from './phi-patterns.ts';

/**
 * Placeholder format shared by the minimizer (extension), the PHI guard and prompts (worker).
 *
 *   [NAME_1]  [DATE_2]  [HEALTH_PLAN_1]
 *
 * `[` + a PhiType + `_` + a positive integer without leading zeros (max 6 digits) + `]`.
 * Numbering is per type and per visit, in order of first appearance. The same entity keeps the
 * same placeholder for the whole visit. Anything that looks like a placeholder but is not exactly
 * this shape is *malformed* and must be shown to the clinician, never guessed at.
 */

const TYPE_ALT = PhiType.options.join('|');

/** Matches one well-formed placeholder; group 1 = type, group 2 = number. Global: reset lastIndex. */
export const PLACEHOLDER_RE = new RegExp(`\\[(${TYPE_ALT})_([1-9]\\d{0,5})\\]`, 'g');

/** Exactly one well-formed placeholder, nothing else. */
export const PLACEHOLDER_EXACT_RE = new RegExp(`^\\[(${TYPE_ALT})_([1-9]\\d{0,5})\\]$`);

/**
 * Anything placeholder-like, well-formed or not: "[NAME_1]", "[name 1]", "[NAME_01]", "[NAME-1]",
 * "[NAME_]", "[PATIENT_NAME_1]", "[NAME_1" (unclosed), "NAME_1]" (unopened), "{NAME_1}",
 * "[[NAME_1]]", "NAME_1" with no brackets at all. Every hit that is not exactly PLACEHOLDER_EXACT_RE
 * is malformed.
 */
const LOOSE_RE = new RegExp(
  [
    // bracketed or braced: [ ... ] / { ... } / ( ... ) whose inside starts with a word and holds a digit or ends in _
    `[\\[{(]{1,2}\\s*[A-Za-z][A-Za-z _-]{0,30}?[\\s_-]*\\d{0,8}\\s*[\\]})]{1,2}`,
    // unclosed "[NAME_1" / unopened "NAME_1]"
    `\\[\\s*(?:${TYPE_ALT})[\\s_-]*\\d{1,8}(?![\\d\\]])`,
    `(?<![\\[\\w])(?:${TYPE_ALT})[\\s_-]*\\d{1,8}\\s*\\]`,
    // bare "NAME_1" (underscore form only, so prose like "DATE 2" in a sentence is not flagged)
    `(?<![\\[\\w])(?:${TYPE_ALT})_\\d{1,8}(?![\\w\\]])`,
  ].join('|'),
  'gi',
);

export const Placeholder = z.string().regex(PLACEHOLDER_EXACT_RE);
export type Placeholder = z.infer<typeof Placeholder>;

export function formatPlaceholder(type: PhiType, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 999_999) throw new RangeError('placeholder_index_out_of_range');
  return `[${type}_${n}]`;
}

export interface ParsedPlaceholder {
  type: PhiType;
  n: number;
}

/** Parses one placeholder token; null when it is not exactly well-formed. */
export function parsePlaceholder(token: string): ParsedPlaceholder | null {
  const m = PLACEHOLDER_EXACT_RE.exec(token);
  if (!m) return null;
  const type = PhiType.safeParse(m[1]);
  if (!type.success) return null;
  return { type: type.data, n: Number(m[2]) };
}

export interface PlaceholderHit {
  start: number;
  end: number;
  token: string;
}
export interface WellFormedHit extends PlaceholderHit, ParsedPlaceholder {}

export interface PlaceholderScan {
  valid: WellFormedHit[];
  malformed: PlaceholderHit[];
}

/** Is the loose hit a harmless bracketed aside such as "(see above)" or "[sic]"? */
function isProse(token: string): boolean {
  const inner = token.replace(/^[\s[{(]+|[\s\]})]+$/g, '');
  // A placeholder-like inside needs a type word, or an upper-case word glued to a number/underscore.
  const typeWord = new RegExp(`^(?:${TYPE_ALT})(?:[\\s_-]|\\d|$)`, 'i').test(inner);
  const shouty = /^[A-Z][A-Z_]{1,30}[\s_-]*\d{0,8}$/.test(inner) && /[_\d]/.test(inner);
  return !(typeWord || shouty);
}

/**
 * Finds every placeholder in `text`: well-formed ones (typed) and malformed look-alikes.
 * Never throws. Offsets are into `text`; hits are sorted and do not overlap.
 */
export function scanPlaceholders(text: string): PlaceholderScan {
  const valid: WellFormedHit[] = [];
  const malformed: PlaceholderHit[] = [];
  if (typeof text !== 'string' || text.length === 0) return { valid, malformed };
  const taken: Array<[number, number]> = [];

  PLACEHOLDER_RE.lastIndex = 0;
  for (let m = PLACEHOLDER_RE.exec(text), g = 0; m !== null && g < 1_000_000; m = PLACEHOLDER_RE.exec(text), g++) {
    const start = m.index;
    const end = start + m[0].length;
    // "[[NAME_1]]" is malformed as a whole.
    if (text[start - 1] === '[' || text[end] === ']') continue;
    const parsed = parsePlaceholder(m[0]);
    if (!parsed) continue;
    valid.push({ start, end, token: m[0], ...parsed });
    taken.push([start, end]);
  }

  LOOSE_RE.lastIndex = 0;
  for (let m = LOOSE_RE.exec(text), g = 0; m !== null && g < 1_000_000; m = LOOSE_RE.exec(text), g++) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) {
      LOOSE_RE.lastIndex++;
      continue;
    }
    if (taken.some(([s, e]) => start < e && end > s && start >= s && end <= e)) continue;
    if (PLACEHOLDER_EXACT_RE.test(m[0]) && text[start - 1] !== '[' && text[end] !== ']') continue;
    if (/^[[{(]/.test(m[0]) && isProse(m[0])) continue;
    malformed.push({ start, end, token: m[0] });
  }
  malformed.sort((a, b) => a.start - b.start);
  return { valid, malformed };
}

/** One placeholder's entry in the visit map. `value` is what restoration writes back. */
export const PlaceholderEntry = z
  .object({
    type: PhiType,
    /** Canonical surface form (banner spelling when the banner matched, else first seen). */
    value: z.string().min(1).max(2_000),
    /** Every surface form that was replaced by this placeholder in the visit (ASR variants). */
    variants: z.array(z.string().min(1).max(2_000)).max(10_000),
  })
  .strict();
export type PlaceholderEntry = z.infer<typeof PlaceholderEntry>;

/** The visit's placeholder map: plain data; the vault encrypts it, it never leaves the device. */
export const PlaceholderMap = z
  .object({
    version: z.literal(1),
    entries: z.record(Placeholder, PlaceholderEntry),
  })
  .strict();
export type PlaceholderMap = z.infer<typeof PlaceholderMap>;
