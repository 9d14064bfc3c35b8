import { z } from 'zod';
import { PhiType, classifyByContext, detectPatternIdentifiers, resolveOverlaps } from '../../../shared/phi-patterns.ts';
import { PlaceholderMap, formatPlaceholder, scanPlaceholders, type PlaceholderEntry } from '../../../shared/placeholder.ts';
import { detectCandidates, emptyTerms, fuzzyNameMatch, phoneticKey, seenCandidates, type DetectedSpan, type Strictness, type VisitTerms } from './detect.ts';
import { MONTH_ALT, MONTHS } from './lexicon/index.ts';
import { DAY_NUM, DAY_WORD, YEAR_NUM, YEAR_WORDS, digitsOf, parseDay, parseSmallNumber, parseYear } from './numbers.ts';

export { detectTurn, type DetectedSpan, type Strictness } from './detect.ts';
export { PlaceholderMap } from '../../../shared/placeholder.ts';

/**
 * On-device minimizer: visit turns in, turns with typed placeholders out, plus the map that
 * restores them. Pure and synchronous; see minimize.design.md for the decisions.
 */

export const MinimizeTurn = z
  .object({
    id: z.string().min(1).max(128),
    speaker: z.string().min(1).max(64),
    text: z.string().max(200_000),
  })
  .strict();
export type MinimizeTurn = z.infer<typeof MinimizeTurn>;

/** Patient banner as read from the EHR page: `{name: "Last, First", dob: "MM/DD/YYYY", mrn}`. */
export const Banner = z
  .object({
    name: z.string().max(200).optional(),
    dob: z.string().max(40).optional(),
    mrn: z.string().max(64).optional(),
  })
  .strict();
export type Banner = z.infer<typeof Banner>;

export const MinimizeOptions = z
  .object({
    banner: Banner.optional(),
    strictness: z.enum(['standard', 'strict']).optional(),
    /** Identifiers the clinician marked as missed in the egress preview (re-minimize with them). */
    extraIdentifiers: z.array(z.string().min(1).max(200)).max(500).optional(),
  })
  .strict();
export type MinimizeOptions = z.infer<typeof MinimizeOptions>;

export const MinimizeInput = z.object({ turns: z.array(MinimizeTurn).max(20_000) }).strict();

export interface MinimizedSpan {
  /** Index into `turns`. */
  turn: number;
  /** Offsets into the ORIGINAL turn text. */
  start: number;
  end: number;
  type: PhiType;
  placeholder: string;
  /** Index into `map.entries[placeholder].variants`: which surface form this occurrence was. */
  variant: number;
}

/** Where a placeholder sits in the MINIMIZED text (for the egress preview's highlights). */
export interface Highlight {
  turn: number;
  start: number;
  end: number;
  type: PhiType;
  placeholder: string;
}

export interface MinimizeResult {
  turns: MinimizeTurn[];
  spans: MinimizedSpan[];
  highlights: Highlight[];
  map: PlaceholderMap;
}

/** Closed list of error codes; messages never carry content. */
export type MinimizeErrorCode = 'invalid_input' | 'invalid_options' | 'internal';
export class MinimizeError extends Error {
  constructor(readonly code: MinimizeErrorCode) {
    super(code);
    this.name = 'MinimizeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Visit terms from the banner and extras

function bannerTerms(opts: MinimizeOptions): VisitTerms {
  const terms = emptyTerms();
  const b = opts.banner;
  if (b?.name) {
    for (const part of b.name.split(/[,\s]+/)) {
      const p = part.replace(/[^\p{L}'’-]/gu, '');
      if (p.length >= 2) terms.bannerNameTokens.push(p.toLowerCase());
      // Compound names ("Dela Cruz", "Smith-Jones") also match piecewise.
      for (const piece of p.split(/[-'’]/)) if (piece.length >= 3 && piece !== p) terms.bannerNameTokens.push(piece.toLowerCase());
    }
  }
  if (b?.mrn) {
    const norm = b.mrn.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
    if (norm.length >= 4) terms.ids.push({ norm, type: 'MRN' });
  }
  for (const extra of opts.extraIdentifiers ?? []) {
    const trimmed = extra.trim();
    if (trimmed.length === 0) continue;
    if (/\d/.test(trimmed)) {
      const norm = trimmed.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
      const shaped = detectPatternIdentifiers(trimmed)[0];
      if (norm.length >= 2) terms.ids.push({ norm, type: shaped?.type ?? 'ACCOUNT' });
    } else {
      const words = trimmed.split(/\s+/).map((w) => w.replace(/[^\p{L}'’-]/gu, '').toLowerCase()).filter((w) => w.length > 0);
      if (words.length > 0) terms.extraWords.push({ words, type: 'NAME' });
    }
  }
  return terms;
}

// ---------------------------------------------------------------------------------------------
// Entity keys: two spans with the same key get the same placeholder

const MONTH_RE = new RegExp(`(?:${MONTH_ALT})(?![\\w])`, 'i');
const DAY_RE = new RegExp(`\\b(${DAY_NUM}|${DAY_WORD})\\b`, 'i');
const YEAR_RE = new RegExp(`(${YEAR_NUM}|${YEAR_WORDS})(?![\\w])`, 'i');

/** "July fifth, nineteen fifty" and "07/05/1950" → "7-5-1950". Undefined when it cannot tell. */
export function dateKey(raw: string): string | undefined {
  const num = /^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$/.exec(raw.trim());
  if (num) {
    const y = num[3];
    const year = y === undefined ? '' : y.length === 2 ? `'${y}` : y;
    return `${Number(num[1])}-${Number(num[2])}-${year}`;
  }
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(raw.trim());
  if (iso) return `${Number(iso[2])}-${Number(iso[3])}-${iso[1]}`;
  const mm = MONTH_RE.exec(raw);
  if (!mm) return undefined;
  const month = MONTHS.get(mm[0].toLowerCase().replace(/\.$/, ''));
  const withoutMonth = raw.slice(0, mm.index) + ' ' + raw.slice(mm.index + mm[0].length);
  const yr = YEAR_RE.exec(withoutMonth);
  const yearVal = yr ? parseYear(yr[1] ?? '') : undefined;
  const withoutYear = yr ? withoutMonth.slice(0, yr.index) + ' ' + withoutMonth.slice(yr.index + yr[0].length) : withoutMonth;
  const dm = DAY_RE.exec(withoutYear);
  const day = dm ? parseDay(dm[1] ?? '') : undefined;
  if (month === undefined) return undefined;
  return `${month}-${day ?? ''}-${yearVal ?? (yr ? (yr[1] ?? '').toLowerCase() : '')}`;
}

const ID_TYPES = new Set<PhiType>(['PHONE', 'FAX', 'SSN', 'MRN', 'HEALTH_PLAN', 'ACCOUNT', 'LICENSE', 'VEHICLE', 'DEVICE', 'ZIP', 'IP']);

function entityKey(type: PhiType, surface: string): string {
  if (ID_TYPES.has(type)) {
    const letters = surface.replace(/\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b/gi, (w) => digitsOf(w));
    return `id:${letters.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`;
  }
  if (type === 'DATE') {
    const k = dateKey(surface);
    if (k !== undefined) return `date:${k}`;
  }
  if (type === 'AGE') {
    const v = parseSmallNumber(surface);
    if (v !== undefined) return `age:${v}`;
  }
  if (type === 'EMAIL' || type === 'URL') return `${type}:${surface.toLowerCase().replace(/^https?:\/\//, '').replace(/\/$/, '')}`;
  return `${type}:${surface.toLowerCase().replace(/\s+/g, ' ').trim()}`;
}

function nameTokens(surface: string): string[] {
  return surface
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}'’-]/gu, '').toLowerCase())
    .filter((w) => w.length > 0 && !/^(?:de|del|della|da|das|do|dos|du|van|von|der|den|la|le|di|bin|ibn|al|el|st|dela|abu|ben)$/.test(w));
}

interface Entity {
  type: PhiType;
  key: string;
  tokens: string[];
  surfaces: string[];
  canonical: string;
  first: number; // order of first occurrence
  banner: boolean;
}

function sameNameTokens(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((t, i) => fuzzyNameMatch(t, b[i] ?? ''));
}

// ---------------------------------------------------------------------------------------------

interface RawSpan extends DetectedSpan {
  turn: number;
  surface: string;
  order: number;
}

/** "[NAME_1] [NAME_2]" from two layers is one full name: merge NAME spans split only by a space. */
function mergeAdjacentNames(spans: DetectedSpan[], text: string): DetectedSpan[] {
  const out: DetectedSpan[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && last.type === 'NAME' && s.type === 'NAME' && s.start - last.end <= 2 && /^\s+$/.test(text.slice(last.end, s.start))) {
      out[out.length - 1] = { ...last, end: s.end };
      continue;
    }
    out.push(s);
  }
  return out;
}

const ID_CLASSES: PhiType[] = ['MRN', 'HEALTH_PLAN', 'ACCOUNT', 'LICENSE', 'VEHICLE', 'DEVICE', 'SSN'];

/**
 * An id typed ACCOUNT only by default (no keyword before it in its own turn) takes its class from
 * the question just before: "What's your member ID?" → "It's W999830664." is a HEALTH_PLAN id.
 */
function retypeFromQuestion(text: string, start: number, prev: string | undefined): PhiType {
  if (prev === undefined) return 'ACCOUNT';
  // 'URL' can never come back from these classes: it marks "no keyword in this turn".
  if (classifyByContext(text, start, 'URL', ID_CLASSES, start) !== 'URL') return 'ACCOUNT';
  const joined = `${prev.slice(-160)}\n${text.slice(0, start)}`;
  return classifyByContext(joined, joined.length, 'ACCOUNT', ID_CLASSES, joined.length);
}

/** Detect with a visit-level second pass: names/cities found in any turn are masked in all turns. */
function detectVisit(texts: string[], terms: VisitTerms, strictness: Strictness): RawSpan[] {
  // Words the visit writes in lower case somewhere ("irregular", "temp") are words, not names.
  const lowerSeen = new Set<string>();
  for (const t of texts) {
    // Not inside emails, URLs or handles ("yasmin.schreiber@...").
    const re = /(?<![\p{L}\d.@/_-])(\p{Ll}[\p{Ll}'’-]+)(?![\p{L}\d@/_]|\.[\p{L}\d])/gu;
    for (let m = re.exec(t), g = 0; m !== null && g < 200_000; m = re.exec(t), g++) lowerSeen.add(m[1] ?? '');
  }
  for (const w of [...lowerSeen]) {
    const stem = w.replace(/(?:ly|s|es|ed|ing)$/, '');
    if (stem.length >= 4 && stem !== w) lowerSeen.add(`~${stem}`);
  }
  terms.lowerSeen = lowerSeen;
  const cands = texts.map((t) => detectCandidates(t, terms, strictness));
  const first = cands.map((c) => resolveOverlaps(c));
  const seen = new Map<string, PhiType>();
  first.forEach((spans, ti) => {
    for (const s of spans) {
      if (s.type !== 'NAME' && s.type !== 'CITY') continue;
      for (const tok of nameTokens((texts[ti] ?? '').slice(s.start, s.end))) if (tok.length >= 2) seen.set(tok, s.type);
    }
  });
  // Second pass: only the visit-level layer runs again, merged with the first pass's candidates.
  const second =
    seen.size > 0
      ? texts.map((t, ti) => {
          const extra = seenCandidates(t, seen);
          return extra.length > 0 ? resolveOverlaps([...(cands[ti] ?? []), ...extra]) : (first[ti] ?? []);
        })
      : first;
  const out: RawSpan[] = [];
  let order = 0;
  second.forEach((spansIn, ti) => {
    const text = texts[ti] ?? '';
    const spans = mergeAdjacentNames(spansIn, text);
    for (const s of spans) {
      const type = s.type === 'ACCOUNT' ? retypeFromQuestion(text, s.start, texts[ti - 1]) : s.type;
      out.push({ ...s, type, turn: ti, surface: text.slice(s.start, s.end), order: order++ });
    }
  });
  return out;
}

function assignEntities(spans: RawSpan[], terms: VisitTerms): Map<RawSpan, Entity> {
  const byKey = new Map<string, Entity>();
  const names: Entity[] = [];
  const result = new Map<RawSpan, Entity>();
  // The banner patient: every word of the name is one of the banner's name words.
  const isBanner = (tokens: string[]) => tokens.length > 0 && tokens.every((t) => terms.bannerNameTokens.some((b) => fuzzyNameMatch(t, b)));

  // Buckets for fuzzy look-ups: first letter and phonetic key of the entity's first word.
  const buckets = new Map<string, Entity[]>();
  const bucketKeys = (tok: string) => [`l:${tok[0] ?? ''}`, `p:${phoneticKey(tok)}`];
  const fuzzyCandidates = (tok: string): Entity[] => {
    const out: Entity[] = [];
    for (const k of bucketKeys(tok)) for (const e of buckets.get(k) ?? []) if (!out.includes(e)) out.push(e);
    return out;
  };
  const newEntity = (s: RawSpan, key: string, tokens: string[]): Entity => {
    const e: Entity = { type: s.type, key, tokens, surfaces: [], canonical: s.surface, first: s.order, banner: isBanner(tokens) };
    byKey.set(key, e);
    if (s.type === 'NAME') {
      names.push(e);
      const first = tokens[0];
      if (first !== undefined) {
        for (const k of bucketKeys(first)) {
          const b = buckets.get(k);
          if (b) b.push(e);
          else buckets.set(k, [e]);
        }
      }
    }
    return e;
  };
  const attach = (s: RawSpan, e: Entity) => {
    result.set(s, e);
    if (s.order < e.first) e.first = s.order;
  };

  // Multi-token names first, so "Sandberg" can attach to "Kenji Sandberg" whichever came first.
  const ordered = [...spans].sort((a, b) => {
    const an = a.type === 'NAME' ? nameTokens(a.surface).length : 0;
    const bn = b.type === 'NAME' ? nameTokens(b.surface).length : 0;
    return bn - an || a.order - b.order;
  });
  for (const s of ordered) {
    if (s.type !== 'NAME') {
      const key = entityKey(s.type, s.surface);
      attach(s, byKey.get(key) ?? newEntity(s, key, []));
      continue;
    }
    const tokens = nameTokens(s.surface);
    const key = `NAME:${tokens.join(' ')}`;
    const exact = byKey.get(key);
    if (exact) {
      attach(s, exact);
      continue;
    }
    // ASR spelling variant of a known name ("Sandburg" / "Sandberg"): only entities whose first word
    // starts with the same letter or sounds alike are compared.
    const variant = fuzzyCandidates(tokens[0] ?? '').find((e) => e.tokens.length === tokens.length && sameNameTokens(tokens, e.tokens));
    if (variant) {
      attach(s, variant);
      continue;
    }
    if (tokens.length === 1) {
      const tok = tokens[0] ?? '';
      const holders = names.filter((e) => e.tokens.length > 1 && e.tokens.some((t) => fuzzyNameMatch(tok, t)));
      const bannerHolders = holders.filter((e) => e.banner);
      const pick = holders.length === 1 ? holders[0] : bannerHolders.length === 1 ? bannerHolders[0] : undefined;
      if (pick) {
        attach(s, pick);
        continue;
      }
    }
    attach(s, newEntity(s, key, tokens));
  }
  return result;
}

/**
 * Minimizes one visit. Throws MinimizeError (code only) on invalid input; use safeMinimizeVisit
 * at a boundary.
 */
export function minimizeVisit(turnsIn: readonly MinimizeTurn[], optsIn: MinimizeOptions = {}): MinimizeResult {
  const parsedTurns = MinimizeInput.safeParse({ turns: turnsIn });
  if (!parsedTurns.success) throw new MinimizeError('invalid_input');
  const parsedOpts = MinimizeOptions.safeParse(optsIn);
  if (!parsedOpts.success) throw new MinimizeError('invalid_options');
  const turns = parsedTurns.data.turns;
  const opts = parsedOpts.data;
  const terms = bannerTerms(opts);
  const texts = turns.map((t) => t.text);
  const raw = detectVisit(texts, terms, opts.strictness ?? 'standard');
  const entityOf = assignEntities(raw, terms);

  // Number placeholders per type in order of first appearance.
  const entities = [...new Set(entityOf.values())].sort((a, b) => a.first - b.first);
  const counters = new Map<PhiType, number>();
  const placeholderOf = new Map<Entity, string>();
  const entries: Record<string, PlaceholderEntry> = {};
  for (const e of entities) {
    const n = (counters.get(e.type) ?? 0) + 1;
    counters.set(e.type, n);
    const ph = formatPlaceholder(e.type, n);
    placeholderOf.set(e, ph);
  }
  const spans: MinimizedSpan[] = [];
  for (const s of raw) {
    const e = entityOf.get(s);
    if (!e) continue;
    const ph = placeholderOf.get(e);
    if (!ph) continue;
    let vi = e.surfaces.indexOf(s.surface);
    if (vi < 0) {
      e.surfaces.push(s.surface);
      vi = e.surfaces.length - 1;
    }
    spans.push({ turn: s.turn, start: s.start, end: s.end, type: e.type, placeholder: ph, variant: vi });
  }
  for (const e of entities) {
    const ph = placeholderOf.get(e);
    if (!ph || e.surfaces.length === 0) continue;
    // Canonical value: for a name the fullest form (most words), else the first form seen.
    let canonical = e.surfaces[0] ?? e.canonical;
    if (e.type === 'NAME') for (const v of e.surfaces) if (v.split(/\s+/).length > canonical.split(/\s+/).length) canonical = v;
    entries[ph] = { type: e.type, value: canonical, variants: e.surfaces };
  }
  spans.sort((a, b) => a.turn - b.turn || a.start - b.start);

  const outTurns: MinimizeTurn[] = [];
  const highlights: Highlight[] = [];
  let si = 0;
  turns.forEach((t, ti) => {
    let out = '';
    let pos = 0;
    while (si < spans.length && spans[si]?.turn === ti) {
      const s = spans[si];
      si++;
      if (!s) continue;
      out += t.text.slice(pos, s.start);
      highlights.push({ turn: ti, start: out.length, end: out.length + s.placeholder.length, type: s.type, placeholder: s.placeholder });
      out += s.placeholder;
      pos = s.end;
    }
    out += t.text.slice(pos);
    outTurns.push({ id: t.id, speaker: t.speaker, text: out });
  });
  return { turns: outTurns, spans, highlights, map: { version: 1, entries } };
}

export type SafeMinimizeResult = { ok: true; value: MinimizeResult } | { ok: false; code: MinimizeErrorCode };

/** Boundary form: never throws. */
export function safeMinimizeVisit(turns: unknown, opts: unknown = {}): SafeMinimizeResult {
  try {
    const t = MinimizeInput.safeParse({ turns });
    if (!t.success) return { ok: false, code: 'invalid_input' };
    const o = MinimizeOptions.safeParse(opts ?? {});
    if (!o.success) return { ok: false, code: 'invalid_options' };
    return { ok: true, value: minimizeVisit(t.data.turns, o.data) };
  } catch (e) {
    return { ok: false, code: e instanceof MinimizeError ? e.code : 'internal' };
  }
}

// ---------------------------------------------------------------------------------------------
// Restoration (on the device only)

export interface RestoreResult {
  text: string;
  /** Well-formed placeholders that are not in the map (left in the text as they were). */
  unknown: string[];
  /** Placeholder look-alikes that are not well-formed (left in the text as they were). */
  malformed: string[];
}

/**
 * Replaces every well-formed placeholder found in the map by its canonical value. Unknown and
 * malformed placeholders are left untouched and reported, never dropped or guessed.
 */
export function restore(text: string, mapIn: PlaceholderMap): RestoreResult {
  const parsed = PlaceholderMap.safeParse(mapIn);
  const entries = parsed.success ? parsed.data.entries : {};
  const scan = scanPlaceholders(text);
  const unknown: string[] = [];
  let out = '';
  let pos = 0;
  for (const hit of scan.valid) {
    const entry = entries[hit.token];
    if (!entry) {
      if (!unknown.includes(hit.token)) unknown.push(hit.token);
      continue;
    }
    out += text.slice(pos, hit.start) + entry.value;
    pos = hit.end;
  }
  out += text.slice(pos);
  const malformed = [...new Set(scan.malformed.map((m) => m.token))];
  // A map that failed to parse restores nothing: every placeholder is then unknown.
  return { text: out, unknown, malformed };
}

/** Exact inverse of minimizeVisit for the transcript itself (uses each occurrence's own variant). */
export function restoreVisit(result: MinimizeResult): string[] {
  const texts: string[] = [];
  result.turns.forEach((t, ti) => {
    const hs = result.highlights.filter((h) => h.turn === ti);
    const ss = result.spans.filter((s) => s.turn === ti);
    let out = '';
    let pos = 0;
    hs.forEach((h, i) => {
      const s = ss[i];
      const entry = result.map.entries[h.placeholder];
      const v = s && entry ? (entry.variants[s.variant] ?? entry.value) : h.placeholder;
      out += t.text.slice(pos, h.start) + v;
      pos = h.end;
    });
    out += t.text.slice(pos);
    texts.push(out);
  });
  return texts;
}
