/**
 * Word error rate with one normalizer applied identically to reference and hypothesis.
 *
 * normalize(text):
 *  1. Unicode NFKC, lower case; curly quotes → straight; "%" → " percent"; "&" → " and ".
 *  2. Numbers: digit groups with thousands commas lose the commas ("1,200" → "1200"); decimals keep
 *     the point ("98.6"); ordinals ("5th") → cardinal digits ("5"); spelled-out numbers
 *     ("five hundred", "twenty-one", "nineteen fifty") → digits ("500", "21", "1950") — a year read
 *     as two pairs ("nineteen fifty") becomes "1950"; "oh"/"zero" inside a digit run count as 0.
 *     Ordinal words ("fifth", "twenty-first") → digits too. Adjacent whole-number tokens are
 *     joined into one ("686 8551", "68 68 551" and "6868551" are all "6868551"): how digits of a
 *     phone, member id or date are grouped is formatting, not recognition (the references group
 *     them one way, Whisper another); a wrong digit still makes the joined token wrong.
 *     Dose units: "mg"/"milligram" → "milligrams" (also mcg, ml, kg, lb/lbs), "600mg" → "600
 *     milligrams", "3x" → "3 times" — the reference writes both "500 mg" and "600 milligrams".
 *  3. Punctuation stripped: everything except letters, digits, apostrophes inside words and a
 *     decimal point between digits becomes a space; hyphens split words ("follow-up" → "follow up");
 *     letters and digits glued together are split ("w954689974" → "w 954689974", "3cv5" → "3 cv 5").
 *  4. Spelling variants one way (as Whisper's English normalizer does): dr → doctor, mr → mister,
 *     mrs → missus, ms → miss, alright → all right, ok → okay, wifi → wi fi.
 *  5. Whitespace collapsed; the result is split into words.
 */

const ONES: Record<string, number> = {
  zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16,
  seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const ORDINALS: Record<string, string> = {
  first: 'one', second: 'two', third: 'three', fourth: 'four', fifth: 'five', sixth: 'six', seventh: 'seven',
  eighth: 'eight', ninth: 'nine', tenth: 'ten', eleventh: 'eleven', twelfth: 'twelve', thirteenth: 'thirteen',
  fourteenth: 'fourteen', fifteenth: 'fifteen', sixteenth: 'sixteen', seventeenth: 'seventeen',
  eighteenth: 'eighteen', nineteenth: 'nineteen', twentieth: 'twenty', thirtieth: 'thirty',
};
/** dose/weight unit abbreviations and singular forms → one spelling (both sides) */
const UNITS: Record<string, string> = {
  mg: 'milligrams', milligram: 'milligrams', mcg: 'micrograms', microgram: 'micrograms', ml: 'milliliters',
  milliliter: 'milliliters', kg: 'kilograms', kilogram: 'kilograms', lb: 'pounds', lbs: 'pounds',
};
const SCALES: Record<string, number> = { hundred: 100, thousand: 1000, million: 1_000_000 };
/** spelling variants → one form (both sides) */
const VARIANTS: Record<string, string[]> = {
  dr: ['doctor'], mr: ['mister'], mrs: ['missus'], ms: ['miss'], alright: ['all', 'right'], ok: ['okay'], wifi: ['wi', 'fi'],
};

function isNumWord(w: string): boolean {
  return w in ONES || w in TENS || w in SCALES;
}

/** value of a run of number words, or null if the run does not form a number */
function parseRun(words: string[]): string[] {
  // Year / pair reading: "nineteen fifty", "twenty twenty six" → 1950, 2026
  const small = (ws: string[]): number | null => {
    // a value < 100 from one or two words
    if (ws.length === 1) {
      const w = ws[0] ?? '';
      if (w in ONES) return ONES[w] ?? null;
      if (w in TENS) return TENS[w] ?? null;
      return null;
    }
    if (ws.length === 2 && (ws[0] ?? '') in TENS && (ws[1] ?? '') in ONES && (ONES[ws[1] ?? ''] ?? 0) > 0 && (ONES[ws[1] ?? ''] ?? 0) < 10) {
      return (TENS[ws[0] ?? ''] ?? 0) + (ONES[ws[1] ?? ''] ?? 0);
    }
    return null;
  };
  if (!words.some((w) => w in SCALES) && words.length >= 2 && words.length <= 4) {
    const first = words[0] ?? '';
    const hiWords = first in TENS && words.length >= 3 && (words[1] ?? '') in ONES && (ONES[words[1] ?? ''] ?? 10) < 10 ? 2 : 1;
    const hi = small(words.slice(0, hiWords));
    const loWords = words.slice(hiWords);
    const lo = loWords.length === 2 && loWords[0] === 'oh' ? small(loWords.slice(1)) : small(loWords);
    if (hi !== null && lo !== null && hi >= 10 && (lo >= 10 || loWords[0] === 'oh')) return [String(hi * 100 + lo)];
  }
  // Cardinal: standard accumulation
  let total = 0;
  let cur = 0;
  let any = false;
  const out: string[] = [];
  let lastKind: 'one' | 'ten' | 'scale' | null = null;
  const flush = (): void => {
    if (any) out.push(String(total + cur));
    total = 0;
    cur = 0;
    any = false;
    lastKind = null;
  };
  for (const w of words) {
    if (w in ONES) {
      const v = ONES[w] ?? 0;
      // "one two" (digits read one by one) or "twenty one" handled; "five five" → two numbers
      if (lastKind === 'one' || (lastKind === 'ten' && (v >= 10 || v === 0))) flush();
      cur += v;
      lastKind = 'one';
      any = true;
    } else if (w in TENS) {
      if (lastKind === 'one' || lastKind === 'ten') flush();
      cur += TENS[w] ?? 0;
      lastKind = 'ten';
      any = true;
    } else {
      const s = SCALES[w] ?? 1;
      if (!any) {
        cur = 1;
        any = true;
      }
      if (s === 100) cur = (cur || 1) * 100;
      else {
        total += (cur || 1) * s;
        cur = 0;
      }
      lastKind = 'scale';
    }
  }
  flush();
  return out;
}

export function normalize(text: string): string[] {
  let t = text.normalize('NFKC').toLowerCase();
  t = t.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d]/g, '"');
  t = t.replace(/%/g, ' percent ').replace(/&/g, ' and ');
  t = t.replace(/(\d),(?=\d{3}\b)/g, '$1');
  t = t.replace(/\b(\d+)(st|nd|rd|th)\b/g, '$1');
  // units glued to a number ("600mg") and "3x daily" read as "three times daily"
  t = t.replace(/\b(\d+(?:\.\d+)?)(mg|mcg|ml|kg|lbs?)\b/g, '$1 $2').replace(/\b(\d+)x\b/g, '$1 times');
  // keep decimal points between digits, drop other punctuation (hyphens split words)
  t = t.replace(/(\d)\.(\d)/g, '$1\u2024$2');
  t = t.replace(/[^a-z0-9'\u2024]+/g, ' ');
  t = t.replace(/\u2024/g, '.');
  t = t.replace(/([a-z])(?=\d)/g, '$1 ').replace(/(\d)(?=[a-z])/g, '$1 ');
  t = t.replace(/(^|\s)'+|'+(?=\s|$)/g, ' ');
  // Ordinal words become digits at once (a date's "fifth" must not merge with a following year).
  const raw = t.split(/\s+/).filter(Boolean);
  const flat: string[] = [];
  for (const w of raw) {
    const base = ORDINALS[w];
    const prev = flat.at(-1) ?? '';
    if (base !== undefined && prev in TENS && (ONES[base] ?? 10) < 10) {
      flat[flat.length - 1] = String((TENS[prev] ?? 0) + (ONES[base] ?? 0)); // "twenty first"
    } else if (base !== undefined) flat.push(String(ONES[base] ?? TENS[base] ?? base));
    else if (VARIANTS[w]) flat.push(...VARIANTS[w]);
    else flat.push(UNITS[w] ?? w);
  }
  const out: string[] = [];
  for (let i = 0; i < flat.length; ) {
    const w = flat[i] ?? '';
    // "oh" is a number word only between other number words
    if (isNumWord(w) && !(w === 'oh' && !isNumWord(flat[i - 1] ?? ''))) {
      let j = i;
      const run: string[] = [];
      while (j < flat.length) {
        const x = flat[j] ?? '';
        if (isNumWord(x)) run.push(x);
        else if (x === 'and' && run.length > 0 && isNumWord(flat[j + 1] ?? '') && (run.at(-1) ?? '') in SCALES) {
          /* "two hundred and five" */
        } else break;
        j++;
      }
      out.push(...parseRun(run));
      i = j;
    } else {
      out.push(w);
      i++;
    }
  }
  // adjacent whole numbers → one token (digit grouping is formatting)
  const joined: string[] = [];
  for (const w of out) {
    const prev = joined.at(-1);
    if (prev !== undefined && /^\d+$/.test(w) && /^\d+$/.test(prev)) joined[joined.length - 1] = prev + w;
    else joined.push(w);
  }
  return joined;
}

/** One step of a word alignment: `ref` is the reference word's index (for `ins`, the index of the
 * reference word the inserted word comes before; ref.length at the end). */
export interface WordStep {
  op: 'ok' | 'sub' | 'del' | 'ins';
  ref: number;
}

/** Levenshtein alignment over words (a substitution is preferred to a deletion, a deletion to an
 * insertion, at equal cost). Keeps the whole cost table: (ref + 1) × (hyp + 1) × 4 bytes, 1 MB for a
 * 500-word visit, 324 MB for two 9,000-word hours; a bench and test tool, not run in the product. */
export function alignWords(ref: readonly string[], hyp: readonly string[]): WordStep[] {
  const n = ref.length;
  const m = hyp.length;
  const w = m + 1;
  const cost = new Uint32Array((n + 1) * w);
  for (let j = 0; j <= m; j++) cost[j] = j;
  for (let i = 1; i <= n; i++) {
    cost[i * w] = i;
    for (let j = 1; j <= m; j++) {
      const diag = cost[(i - 1) * w + j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cost[i * w + j] = Math.min(diag, cost[(i - 1) * w + j]! + 1, cost[i * w + j - 1]! + 1);
    }
  }
  const steps: WordStep[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = cost[i * w + j]!;
    if (i > 0 && j > 0 && here === cost[(i - 1) * w + j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      steps.push({ op: ref[i - 1] === hyp[j - 1] ? 'ok' : 'sub', ref: --i });
      j--;
    } else if (i > 0 && here === cost[(i - 1) * w + j]! + 1) steps.push({ op: 'del', ref: --i });
    else {
      steps.push({ op: 'ins', ref: i });
      j--;
    }
  }
  return steps.reverse();
}

/** Levenshtein alignment counts over words. */
export function editCounts(ref: string[], hyp: string[]): { sub: number; del: number; ins: number; n: number } {
  const c = { sub: 0, del: 0, ins: 0, n: ref.length };
  for (const s of alignWords(ref, hyp)) if (s.op !== 'ok') c[s.op]++;
  return c;
}

export interface WerResult {
  wer: number;
  sub: number;
  del: number;
  ins: number;
  refWords: number;
  hypWords: number;
}

export function wer(reference: string, hypothesis: string): WerResult {
  const r = normalize(reference);
  const h = normalize(hypothesis);
  const c = editCounts(r, h);
  return { wer: r.length ? (c.sub + c.del + c.ins) / r.length : h.length ? 1 : 0, sub: c.sub, del: c.del, ins: c.ins, refWords: r.length, hypWords: h.length };
}

/**
 * WER inside and outside labelled spans of the reference (the eval set's PHI spans): the reference
 * is given as pieces, each normalized on its own and tagged. An error on a reference word counts for
 * that word's side; an inserted word counts for the side of a tagged neighbour (before or after),
 * else outside. `outside` is the error rate on the words the note is made from once identifiers are
 * placeholders; `inside` on the identifiers themselves.
 */
export function werBySpan(pieces: readonly { text: string; tagged: boolean }[], hypothesis: string): { inside: WerResult; outside: WerResult } {
  const ref: string[] = [];
  const tagged: boolean[] = [];
  for (const p of pieces) {
    for (const word of normalize(p.text)) {
      ref.push(word);
      tagged.push(p.tagged);
    }
  }
  const hyp = normalize(hypothesis);
  const side = { inside: { sub: 0, del: 0, ins: 0, refWords: 0, hypWords: 0 }, outside: { sub: 0, del: 0, ins: 0, refWords: 0, hypWords: 0 } };
  for (const t of tagged) side[t ? 'inside' : 'outside'].refWords++;
  for (const s of alignWords(ref, hyp)) {
    const inside = s.op === 'ins' ? tagged[s.ref - 1] === true || tagged[s.ref] === true : tagged[s.ref] === true;
    const c = side[inside ? 'inside' : 'outside'];
    if (s.op !== 'del') c.hypWords++;
    if (s.op !== 'ok') c[s.op]++;
  }
  const result = (c: typeof side.inside): WerResult => ({ ...c, wer: c.refWords ? (c.sub + c.del + c.ins) / c.refWords : c.hypWords ? 1 : 0 });
  return { inside: result(side.inside), outside: result(side.outside) };
}
