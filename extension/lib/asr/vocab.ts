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
 *   within a quarter of the name's key length, and their letters within a third of its spelling.
 * Pure; never throws; no content leaves it.
 */
import { editDistance, phoneticKey } from '../../../shared/fuzzy.ts';
import { DRUGS } from '../../../shared/notes/lexicon.ts';

const MIN_NAME = 6;
const MAX_WORDS = 5;
const NUM_WORD = '(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|twenty-five|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|half|a|and)';
/** A dose right after the words: "500 mg", "600mg", "five hundred milligrams", "2 puffs". */
const DOSE_AFTER = new RegExp(`^(?:\\d[\\d,.]*|${NUM_WORD}(?:[\\s-]+${NUM_WORD})*)\\s*(?:mg|milligrams?|mcg|micrograms?|units?|puffs?|tablets?|pills?|capsules?|ml|grams?)(?![a-z])`, 'i');
const CUE_BEFORE = /\b(?:take|takes|taking|took|started|starting|start|prescribed|prescribe|prescribing|refill|stopped|stop|continue|increase|decrease|switch(?:ed)? to|on)\s*$/i;

/** letters: the name without its spaces ("metoprolol succinate" is compared as one word) */
interface Name {
  name: string;
  letters: string;
  key: string;
}
// two-word names only when both words are long ("metoprolol succinate"): short ones ("vitamin d",
// "birth control") matched ordinary speech around them
const NAMES: readonly Name[] = DRUGS.filter((d) => /^[a-z]{6,}(?: [a-z]{6,})?$/.test(d)).map((name) => ({ name, letters: name.replace(' ', ''), key: phoneticKey(name) }));
/** Lexicon words, and brand names the lexicon lacks that sound like one of its names (seen in the
 * ACI-Bench dialogues, correctly spelt): never "repaired" into the generic. */
const KNOWN = new Set([...DRUGS, 'naprosyn']);

/** The lexicon name these words sound like, or null. */
export function soundsLikeDrug(words: readonly string[]): string | null {
  const letters = words.join('').toLowerCase().replace(/[^a-z]/g, '');
  if (letters.length < MIN_NAME - 1) return null;
  const key = phoneticKey(letters);
  let best: { name: string; d: number } | null = null;
  for (const n of NAMES) {
    if (n.letters[0] !== letters[0] || Math.abs(n.letters.length - letters.length) > Math.ceil(n.letters.length / 3)) continue;
    const maxKey = Math.floor(n.key.length / 4);
    const dk = editDistance(key, n.key, maxKey);
    if (dk > maxKey) continue;
    const maxLetters = Math.floor(n.letters.length / 3);
    const dl = editDistance(letters, n.letters, maxLetters);
    if (dl > maxLetters) continue;
    if (best === null || dk + dl < best.d) best = { name: n.name, d: dk + dl };
  }
  return best?.name ?? null;
}

const WORD = /[A-Za-z][A-Za-z']*/g;

/** The text with misheard drug names in medication talk replaced by the lexicon's spelling. */
export function repairDrugNames(text: string): string {
  if (text.length === 0 || !/[a-z]/i.test(text)) return text;
  const words = [...text.matchAll(WORD)].map((m) => ({ w: m[0], start: m.index, end: m.index + m[0].length }));
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < words.length; ) {
    let done = false;
    for (let n = Math.min(MAX_WORDS, words.length - i); n >= 1 && !done; n--) {
      const span = words.slice(i, i + n);
      const first = span[0]!;
      const last = span[n - 1]!;
      // adjacent words only (spaces or a hyphen between them, no punctuation)
      if (!/^[\s-]*$/.test(span.map((s, k) => (k === 0 ? '' : text.slice(span[k - 1]!.end, s.start))).join(''))) continue;
      if (span.some((s) => KNOWN.has(s.w.toLowerCase()))) continue;
      const after = text.slice(last.end).replace(/^[\s,-]+/, '');
      const before = text.slice(Math.max(0, first.start - 30), first.start);
      if (!DOSE_AFTER.test(after) && !CUE_BEFORE.test(before)) continue;
      const name = soundsLikeDrug(span.map((s) => s.w));
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
