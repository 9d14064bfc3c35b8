/**
 * Drug-name repair for Whisper's output: "I take met for min 500 milligrams" → "I take metformin 500
 * milligrams". Whisper (base, q8) splits and respells drug names it does not know, with the clinical
 * prompt too (asr.design.md), so this also runs on every text it gives.
 *
 * Conservative by construction, because a wrong drug name in a record is worse than a garbled one:
 * - only names from the generic lexicon (shared/notes/lexicon.ts, common outpatient drugs; no
 *   evaluation visit was used to build it) of 6 letters or more;
 * - only 1–5 adjacent words that are not already a lexicon word, and only where a medication is
 *   being talked about: a dose follows within 4 words ("… 500 milligrams") or a prescribing verb
 *   comes just before ("take", "started", "prescribed", …);
 * - the words must start with the name's letter and sound like it: their phonetic keys (shared/fuzzy.ts, the minimizer's)
 *   within a quarter of the name's key length, and their letters within a third of its spelling;
 * - or, only when a dose follows and the words are not ones the model knows whole, a looser match
 *   for the respellings Whisper makes of names it has never heard ("alacro 180 mg", "illiquose
 *   5 mg", "aphalax in 500 mg"): the consonant skeleton (key with voicing pairs g/k, b/p, d/t folded)
 *   within a sixth of its length, letters within half the spelling, and the first sound the same
 *   (same letter, both vowels, or the rest of the key identical over 4+ consonants). "Known whole"
 *   is the caller's `isCommonWord` (the worker asks Whisper's tokenizer whether the word is one
 *   token: "oxygen", "medicine", "prior" are; a name Whisper assembled from pieces is not). Without
 *   it there is no loose match;
 * - a salt or form after a lexicon name ("metoprolol, susanate" → "metoprolol succinate") when the
 *   lexicon has that two-word name and the word sounds like its second word (the strict bounds).
 * Pure; never throws; no content leaves it.
 */
import { editDistance, phoneticKey } from '../../../shared/fuzzy.ts';
import { CLINICAL_TERMS, DRUGS } from '../../../shared/notes/lexicon.ts';

const MIN_NAME = 6;
const MAX_WORDS = 5;
const NUM_WORD = '(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|twenty-five|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|half|a|and)';
/** A dose right after the words: "500 mg", "600mg", "five hundred milligrams", "2 puffs". */
const DOSE_AFTER = new RegExp(`^(?:\\d[\\d,.]*|${NUM_WORD}(?:[\\s-]+${NUM_WORD})*)\\s*(?:mg|milligrams?|mcg|micrograms?|units?|puffs?|sprays?|drops?|tablets?|pills?|capsules?|ml|grams?)(?![a-z])`, 'i');
const CUE_BEFORE = /\b(?:take|takes|taking|took|use|uses|using|started|starting|start|prescribed|prescribe|prescribing|refill|stopped|stop|continue|increase|decrease|switch(?:ed)? to|on)\s*$/i;

/** letters: the name without its spaces ("metoprolol succinate" is compared as one word) */
interface Name {
  name: string;
  letters: string;
  key: string;
  /** key with voicing pairs folded, for the loose match */
  loose: string;
}
const looseKey = (key: string): string => key.replace(/g/g, 'k').replace(/b/g, 'p').replace(/d/g, 't');
// two-word names only when both words are long ("metoprolol succinate"): short ones ("vitamin d",
// "birth control") matched ordinary speech around them
const NAMES: readonly Name[] = DRUGS.filter((d) => /^[a-z]{6,}(?: [a-z]{6,})?$/.test(d)).map((name) => {
  const key = phoneticKey(name);
  return { name, letters: name.replace(' ', ''), key, loose: looseKey(key) };
});
/** Lexicon words, and brand names the lexicon lacks that sound like one of its names (seen in the
 * ACI-Bench dialogues, correctly spelt): never "repaired" into the generic. */
const KNOWN = new Set([...DRUGS, 'naprosyn']);

/** Salts and forms the lexicon spells after a name it also has alone: "metoprolol" → ["succinate", "tartrate"]. */
const SECOND_WORDS = new Map<string, string[]>();
for (const d of DRUGS) {
  const m = /^([a-z]+) ([a-z]{6,})$/.exec(d);
  if (m?.[1] !== undefined && m[2] !== undefined && DRUGS.includes(m[1])) SECOND_WORDS.set(m[1], [...(SECOND_WORDS.get(m[1]) ?? []), m[2]]);
}

const isVowel = (c: string | undefined): boolean => c !== undefined && 'aeiouy'.includes(c);

/** Key distance + letter distance when both are within their caps, else null. */
function distance(key: string, nameKey: string, maxKey: number, letters: string, nameLetters: string, maxLetters: number): number | null {
  const dk = editDistance(key, nameKey, maxKey);
  if (dk > maxKey) return null;
  const dl = editDistance(letters, nameLetters, maxLetters);
  return dl > maxLetters ? null : dk + dl;
}

/** Strict: same first letter, key within a quarter, letters within a third; the distance, or null. */
function strictMatch(letters: string, key: string, n: { letters: string; key: string }): number | null {
  if (n.letters[0] !== letters[0] || Math.abs(n.letters.length - letters.length) > Math.ceil(n.letters.length / 3)) return null;
  return distance(key, n.key, Math.floor(n.key.length / 4), letters, n.letters, Math.floor(n.letters.length / 3));
}

/** Loose (a dose follows): folded key within a sixth, letters within half, same first sound. */
function looseMatch(letters: string, loose: string, n: Name): number | null {
  if (Math.abs(n.letters.length - letters.length) > Math.ceil(n.letters.length / 3)) return null;
  const sameStart = n.letters[0] === letters[0] || (isVowel(n.letters[0]) && isVowel(letters[0])) || (loose.length >= 5 && loose.slice(1) === n.loose.slice(1));
  if (!sameStart) return null;
  return distance(loose, n.loose, Math.floor(n.loose.length / 6), letters, n.letters, Math.ceil(n.letters.length / 2));
}

/**
 * The lexicon name these words sound like, or null. `doseFollows` allows the loose match too
 * (a strict match always wins over a loose one).
 */
export function soundsLikeDrug(words: readonly string[], doseFollows = false): string | null {
  const letters = words.join('').toLowerCase().replace(/[^a-z]/g, '');
  if (letters.length < MIN_NAME - 1) return null;
  const key = phoneticKey(letters);
  const loose = looseKey(key);
  let best: { name: string; d: number } | null = null;
  for (const n of NAMES) {
    const strict = strictMatch(letters, key, n);
    // loose matches rank after every strict one
    const d = strict ?? (doseFollows ? looseMatch(letters, loose, n) : null);
    if (d === null) continue;
    const rank = strict === null ? d + 1000 : d;
    if (best === null || rank < best.d) best = { name: n.name, d: rank };
  }
  return best?.name ?? null;
}

/** The lexicon's second word after `name` that `word` sounds like ("susanate" after "metoprolol" → "succinate"), or null. */
function secondWord(name: string, word: string): string | null {
  const w = word.toLowerCase();
  if (KNOWN.has(w) || w.length < MIN_NAME - 1) return null;
  const key = phoneticKey(w);
  for (const s of SECOND_WORDS.get(name) ?? []) if (s !== w && strictMatch(w, key, { letters: s, key: phoneticKey(s) }) !== null) return s;
  return null;
}

const WORD = /[A-Za-z][A-Za-z']*/g;
interface Word {
  w: string;
  start: number;
  end: number;
}
const wordsOf = (text: string): Word[] => [...text.matchAll(WORD)].map((m) => ({ w: m[0], start: m.index, end: m.index + m[0].length }));
/** Adjacent words only: spaces or a hyphen between them, no punctuation. */
const adjacent = (text: string, span: readonly Word[]): boolean => span.every((s, k) => k === 0 || /^[\s-]*$/.test(text.slice(span[k - 1]!.end, s.start)));

/** Words the model does not know whole hold at least half the span's letters ("aphalax in": yes; "my medicine": no). */
function mostlyUncommon(span: readonly { w: string }[], isCommonWord: (word: string) => boolean): boolean {
  const total = span.reduce((a, s) => a + s.w.length, 0);
  const uncommon = span.reduce((a, s) => a + (isCommonWord(s.w.toLowerCase()) ? 0 : s.w.length), 0);
  return uncommon * 2 >= total;
}

/**
 * The text with misheard drug names in medication talk replaced by the lexicon's spelling.
 * `isCommonWord` (lower-case word → whether it is an ordinary word) enables the loose match.
 */
export function repairDrugNames(text: string, isCommonWord?: (word: string) => boolean): string {
  if (text.length === 0 || !/[a-z]/i.test(text)) return text;
  const words = wordsOf(text);
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < words.length; ) {
    // "metoprolol, susanate 50 mg": the second word of a two-word lexicon name, misheard, and
    // perhaps split from its first by a comma
    const cur = words[i]!;
    const next = words[i + 1];
    if (next !== undefined && /^[\s,]*$/.test(text.slice(cur.end, next.start))) {
      const second = secondWord(cur.w.toLowerCase(), next.w);
      if (second !== null) {
        out.push(text.slice(at, cur.end), ' ', second);
        at = next.end;
        i += 2;
        continue;
      }
    }
    let done = false;
    for (let n = Math.min(MAX_WORDS, words.length - i); n >= 1 && !done; n--) {
      const span = words.slice(i, i + n);
      const first = span[0]!;
      const last = span[n - 1]!;
      if (!adjacent(text, span)) continue;
      if (span.some((s) => KNOWN.has(s.w.toLowerCase()))) continue;
      const after = text.slice(last.end).replace(/^[\s,-]+/, '');
      const before = text.slice(Math.max(0, first.start - 30), first.start);
      const doseFollows = DOSE_AFTER.test(after);
      if (!doseFollows && !CUE_BEFORE.test(before)) continue;
      const name = soundsLikeDrug(span.map((s) => s.w), doseFollows && isCommonWord !== undefined && mostlyUncommon(span, isCommonWord));
      // already the name but for case ("Metoprolol Succinate"): left as written
      if (name === null || name === text.slice(first.start, last.end).toLowerCase()) continue;
      out.push(text.slice(at, first.start), name);
      at = last.end;
      // "met for mid-five hundred" → "metformin five hundred": the hyphen joined the name to the dose
      if (text[at] === '-' && /^-\s*[a-z\d]/i.test(text.slice(at))) {
        out.push(' ');
        at++;
      }
      i += n;
      done = true;
    }
    if (!done) i++;
  }
  out.push(text.slice(at));
  return out.join('');
}

/** Each term and each run of its words with MIN_NAME+ letters ("paroxysmal atrial fibrillation" →
 * also "paroxysmal atrial", "atrial fibrillation", "paroxysmal", …): Whisper respells one piece of a
 * term at a time. */
const TERM_PIECES: readonly { name: string; words: number; letters: string; key: string }[] = [
  ...new Set(
    CLINICAL_TERMS.flatMap((t) => {
      const w = t.split(' ');
      return w.flatMap((_, a) => w.slice(a).map((__, k) => w.slice(a, a + k + 1).join(' ')));
    }),
  ),
]
  .filter((name) => name.replace(/ /g, '').length >= MIN_NAME)
  .map((name) => ({ name, words: name.split(' ').length, letters: name.replace(/ /g, ''), key: phoneticKey(name) }));
const TERM_WORDS = new Set([...CLINICAL_TERMS.flatMap((t) => t.split(' ')), ...KNOWN]);
const MAX_TERM_WORDS = 3;

/**
 * The text with clinical terms Whisper glued together or split apart put back as the lexicon spells
 * them ("proxysmolatrial fibrillation" → "paroxysmal atrial fibrillation", "irregularly
 * irregularism" → "irregularly irregular rhythm"). There is no medication talk to anchor a term, so
 * beside the drug repair's strict bounds: without `isCommonWord` nothing changes; every word of the
 * span is one the model does not know whole and none is a lexicon word (an ordinary word it wrote
 * whole, "a cute", "everything", is never touched); no word is capitalised except at a sentence
 * start (Whisper capitalises the names of people it hears: the minimizer's to find, not this
 * repair's to respell); and the span's word count differs from the term's.
 */
export function repairClinicalTerms(text: string, isCommonWord?: (word: string) => boolean): string {
  if (isCommonWord === undefined || text.length === 0 || !/[a-z]/i.test(text)) return text;
  const words = wordsOf(text);
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < words.length; ) {
    let done = false;
    for (let n = Math.min(MAX_TERM_WORDS, words.length - i); n >= 1 && !done; n--) {
      const span = words.slice(i, i + n);
      const first = span[0]!;
      const last = span[n - 1]!;
      if (!adjacent(text, span)) continue;
      const sentenceStart = /(?:^|[.?!]\s*)$/.test(text.slice(0, first.start));
      if (span.some((s, k) => /[A-Z]/.test(k === 0 && sentenceStart ? s.w.slice(1) : s.w))) continue;
      if (span.some((s) => TERM_WORDS.has(s.w.toLowerCase()))) continue;
      if (span.some((s) => !/^[a-z]+$/i.test(s.w) || isCommonWord(s.w.toLowerCase()))) continue;
      const letters = span.map((s) => s.w).join('').toLowerCase().replace(/[^a-z]/g, '');
      if (letters.length < MIN_NAME) continue;
      const key = phoneticKey(letters);
      let best: { name: string; d: number } | null = null;
      for (const t of TERM_PIECES) {
        // Whisper moved a word boundary: glued ("proxysmolatrial") or split. A respelling of one
        // word as one word is not repaired: without a dictionary it cannot be told from a real
        // word the lexicon lacks ("statin" is not "strain", "tendons" not "tendonitis")
        if (t.words === n) continue;
        const d = strictMatch(letters, key, t);
        if (d !== null && (best === null || d < best.d)) best = { name: t.name, d };
      }
      if (best === null) continue;
      out.push(text.slice(at, first.start), sentenceStart && /^[A-Z]/.test(first.w) ? best.name[0]!.toUpperCase() + best.name.slice(1) : best.name);
      at = last.end;
      i += n;
      done = true;
    }
    if (!done) i++;
  }
  out.push(text.slice(at));
  return out.join('');
}

/**
 * What follows Whisper's "a cute" when the word spoken was "acute": the first word of a lexicon term
 * ("a cute sinusitis", "a cute exacerbation") or a phrase that only "acute" can qualify ("a cute
 * onset", "no a cute distress", "a cute low back pain"). "A cute baby", "a cute little rash" are not
 * touched: the word after must be one of these.
 */
const ACUTE_FOLLOWERS = [
  ...new Set([
    ...CLINICAL_TERMS.map((t) => t.split(' ')[0]!).filter((w) => !['bilateral', 'bilaterally', 'unremarkable', 'irregularly'].includes(w)),
    'pain', 'onset', 'distress', 'illness', 'infection', 'injury', 'flare', 'flares', 'attack', 'episode', 'kidney injury',
    'renal failure', 'low back pain', 'back pain', 'abdominal pain', 'chest pain', 'coronary syndrome', 'respiratory',
    'stroke', 'symptoms', 'worsening',
  ]),
].sort((a, b) => b.length - a.length);
const A_CUTE = new RegExp(`\\b(a|A) cute(?=,? (?:${ACUTE_FOLLOWERS.join('|')})\\b)`, 'g');

/**
 * The text with Whisper's "a cute" put back as "acute" where a clinical word follows it ("this looks
 * like a cute low back pain" → "this looks like acute low back pain"). The article goes with it:
 * Whisper hears the "a-" of "acute" as one, and a spoken "an acute" comes out as "an acute". Pure.
 */
export function repairAcute(text: string): string {
  if (!text.includes(' cute')) return text;
  return text.replace(A_CUTE, (_m, a: string) => (a === 'A' ? 'Acute' : 'acute'));
}
