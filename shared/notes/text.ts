/**
 * Text helpers for the extractor: sentence splitting, number words, and first → third person.
 * Pure string functions; placeholders like `[NAME_1]` are never altered (they are upper case with
 * brackets, and every rewrite here works on lower-case words).
 */
import { guardedShapeCount } from '../phi-patterns.ts';

const ABBREV = new Set(['dr', 'mr', 'mrs', 'ms', 'st', 'vs', 'etc', 'e.g', 'i.e', 'approx', 'no', 'jr', 'sr', 'a.m', 'p.m']);

/**
 * Whitespace runs that `\s+ → ' '` would change: two or more characters, or one that is not a plain
 * space. Same result as replacing every `\s+`, without rewriting the (many) single spaces.
 */
const WS_CHANGE = /(?: \s|[^\S ])\s*/g;

/** Normalise spacing (ASR / ACI-style " , " and " . ") without changing words. Idempotent. */
export function tidy(text: string): string {
  // After the first step every whitespace run is one space, so " ([,.;:?!])" is `\s+([,.;:?!])`.
  // (`\bi'(m|ve|ll|d)` needs no rule of its own: `\bi\b` already capitalises that "i".)
  let t = text.replace(WS_CHANGE, ' ');
  if (t.includes(' ')) t = t.replace(/ ([,.;:?!])/g, '$1');
  return t
    .replace(/([,;:])(?=[A-Za-z])/g, '$1 ')
    .replace(/\bi\b/g, 'I')
    .trim();
}

/**
 * Remove speech disfluencies and transcription artefacts: fillers ("uh", "um", "mm-hmm"),
 * stutters ("it's, it's" → "it's"), split contractions ("do n't" → "don't", "gon na" → "going to").
 */
export function declutter(text: string): string {
  const tidied = tidy(text);
  let t = tidied;
  // Each rewrite runs only when a cheap substring test says it can match (most segments have none
  // of these artefacts; a regex replace scans the whole string even when it finds nothing).
  if (t.includes(" n't")) t = t.replace(/(\w) n't\b/g, "$1n't");
  const lower = t.toLowerCase();
  if (lower.includes(' na')) t = t.replace(/\b(gon|wan) na\b/gi, (_m, w: string) => (w.toLowerCase() === 'gon' ? 'going to' : 'want to'));
  if (lower.includes('got ta')) t = t.replace(/\bgot ta\b/gi, 'got to');
  if (t.includes(" '")) t = t.replace(/(\w) '(s|re|ve|ll|d|m)\b/g, "$1'$2");
  t = t.replace(FILLERS, '$1');
  if (t.toLowerCase().includes('you know,')) t = t.replace(/(^|[\s,])you know,\s*/gi, '$1');
  if (t.includes('-') || t.includes('\u2013') || t.includes('\u2014')) {
    t = t.replace(/\s*[-\u2013\u2014]+\s*(?=[,.?!]|$)/g, '');
    // A cut-off word ("t- taking", "fs- felt"): 1-3 letters and a hyphen, then a word with the same first letter.
    if (t.includes('- ')) t = t.replace(/(^|\s)([A-Za-z])[a-z]{0,2}-\s+(?=\2)/gi, '$1');
  }
  if (t.startsWith('.') || t.includes(' .')) t = t.replace(/(^|\s)\.\s+/g, '$1');
  // Stutters: a word or two repeated with a comma or ellipsis between ("the, the", "I, I", "it's, it's").
  t = dropStutters(t);
  if (t.includes(' ,')) t = t.replace(/\s+,/g, ',');
  if (t.includes(',')) t = t.replace(/,\s*,/g, ',');
  const c = t.charCodeAt(0);
  if (c === 44 || c === 46 || c === 32) t = t.replace(/^[,.\s]+/, '');
  // tidy is idempotent, so an untouched string needs no second pass.
  return t === tidied ? t : tidy(t);
}

const FILLERS = /(^|[\s,.;?!])(?:uh|um|umm|uhm|er|ah|hmm|mm-?hmm|uh-?huh)(?=[\s,.;?!]|$)[,.]?/gi;

/** `^[\w']+,?$` without a regex (ASCII word characters, as `\w` is without the u flag). */
function isPlainWord(w: string): boolean {
  let end = w.length;
  if (end > 0 && w.charCodeAt(end - 1) === 44) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const c = w.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 39)) return false;
  }
  return true;
}

/** Lower-case word without trailing commas and periods (the stutter comparison key). */
function stutterKey(lowerWord: string): string {
  let end = lowerWord.length;
  while (end > 0 && (lowerWord.charCodeAt(end - 1) === 44 || lowerWord.charCodeAt(end - 1) === 46)) end--;
  return end === lowerWord.length ? lowerWord : lowerWord.slice(0, end);
}

const HAS_WORD_CHAR = /[\w']/;
/**
 * Exact pre-check for both kinds of stutter, one scan over word starts: a plain word (`[\w']+,?`)
 * followed by a token with the same key (the word, then only `,` or `.`), or two plain words
 * followed by two tokens with the same keys. `(?=(x))\1` takes the whole word without backtracking
 * into shorter prefixes (which could never be followed by `,` or a space anyway).
 */
const STUTTER = /(?:^| )(?=([\w']+))\1,? (?:\1[,.]*(?= |$)|(?=([\w']+))\2,? \1[,.]* \2[,.]*(?= |$))/i;

/** Remove a word or word pair repeated right after itself ("the, the", "it's it's", "I was I was"). Linear. */
function dropStutters(text: string): string {
  // Exact pre-checks (ASCII words, case-insensitive back-references): a word repeated after itself,
  // or a pair of words repeated after itself. Most text has neither, and then nothing is split.
  if (!STUTTER.test(text)) return text;
  const toks = text.split(' ');
  if (toks.length < 2) return text;
  // toLowerCase never adds or removes a space, so the lower-case tokens line up with `toks`.
  const lowToks = text.toLowerCase().split(' ');
  const sw: string[] = [];
  const sk: string[] = [];
  const sp: boolean[] = [];
  let changed = false;
  for (let i = 0; i < toks.length; i++) {
    const w = toks[i] ?? '';
    const k = stutterKey(lowToks[i] ?? '');
    const n = sw.length;
    if (n > 0 && sp[n - 1] === true && sk[n - 1] === k && HAS_WORD_CHAR.test(w)) {
      sw[n - 1] = w;
      sp[n - 1] = isPlainWord(w);
      changed = true;
    } else {
      sw.push(w);
      sk.push(k);
      sp.push(isPlainWord(w));
    }
  }
  // Pairs: out holds indices into sw.
  const out: number[] = [];
  for (let i = 0; i < sw.length; i++) {
    const n = out.length;
    if (n >= 2 && i + 1 < sw.length) {
      const a = out[n - 2] ?? 0;
      const b = out[n - 1] ?? 0;
      if (sp[a] === true && sp[b] === true && sk[a] === sk[i] && sk[b] === sk[i + 1]) {
        out[n - 1] = i + 1;
        i++;
        changed = true;
        continue;
      }
    }
    out.push(i);
  }
  if (!changed) return text;
  return out.map((i) => sw[i] ?? '').join(' ');
}

/** Split text into sentences. Keeps decimals (12.5), abbreviations (Dr.) and placeholders intact. */
export function splitSentences(text: string, alreadyTidy = false): string[] {
  const t = alreadyTidy ? text : tidy(text);
  const out: string[] = [];
  let start = 0;
  const re = /[.!?]+(?=\s|$)/g;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(t)) !== null && guard++ < 10_000) {
    const end = m.index + m[0].length;
    // The word before the stop, scanning back (a regex anchored at the end would rescan the sentence).
    let w = m.index;
    while (w > start && /[A-Za-z.]/.test(t.charAt(w - 1)) && m.index - w < 12) w--;
    const lastWord = t.slice(w, m.index).toLowerCase();
    if (m[0] === '.' && ABBREV.has(lastWord.replace(/\.$/, ''))) continue;
    const s = t.slice(start, end).trim();
    if (s.length > 0) out.push(s);
    start = end;
  }
  const rest = t.slice(start).trim();
  if (rest.length > 0) out.push(rest);
  return out;
}

const SMALL: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};

/**
 * Replace spelled-out numbers by digits ("one hundred twenty seven" → "127", "four to six" → "4 to 6").
 * Used on matching copies of text, never on what the note quotes.
 */
const NUMBER_WORD = '(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)';
const NUMBER_PHRASE = new RegExp(`\\b${NUMBER_WORD}(?:(?:[\\s-]+|\\s+and\\s+)${NUMBER_WORD})*\\b`, 'gi');
const HAS_NUMBER_WORD = new RegExp(`\\b${NUMBER_WORD}\\b`, 'i');

export function numbersToDigits(text: string): string {
  if (!HAS_NUMBER_WORD.test(text)) return text;
  return text.replace(NUMBER_PHRASE, (phrase) => {
    // One phrase may hold several numbers ("two three times" = 2 3, "twelve two" = 12 2): a word
    // that cannot extend the number being read starts the next one, with its own separator kept.
    const parts = phrase.split(/(\s+and\s+|[\s-]+)/);
    const out: string[] = [];
    let total = 0;
    let cur = 0;
    let started = false;
    /** what the current sub-hundred holds: nothing, a tens word, or a unit/teen (then it is full) */
    let sub: 'none' | 'tens' | 'full' = 'none';
    let hundred = false;
    let thousand = false;
    const flush = (): void => {
      if (started) out.push(String(total + cur));
      total = 0;
      cur = 0;
      started = false;
      sub = 'none';
      hundred = false;
      thousand = false;
    };
    let sep = '';
    for (let i = 0; i < parts.length; i += 2) {
      const w = parts[i]!.toLowerCase();
      const small = SMALL[w];
      const tens = TENS[w];
      const fits =
        !started ||
        (small !== undefined && (sub === 'none' || (sub === 'tens' && small > 0 && small < 10))) ||
        (tens !== undefined && sub === 'none') ||
        (w === 'hundred' && !hundred && cur > 0 && cur < 100) ||
        (w === 'thousand' && !thousand && total + cur > 0 && total + cur < 1000);
      if (!fits) {
        flush();
        out.push(sep);
      }
      if (small !== undefined) {
        cur += small;
        sub = 'full';
      } else if (tens !== undefined) {
        cur += tens;
        sub = 'tens';
      } else if (w === 'hundred') {
        cur = (cur === 0 ? 1 : cur) * 100;
        hundred = true;
        sub = 'none';
      } else if (w === 'thousand') {
        total = (total + (cur === 0 ? 1 : cur)) * 1000;
        cur = 0;
        thousand = true;
        hundred = false;
        sub = 'none';
      }
      started = true;
      sep = parts[i + 1] ?? '';
    }
    flush();
    return out.join('');
  });
}

/** Lower-case, digits for number words, single spaces: for matching only. */
export function normalizeForMatch(text: string): string {
  return numbersToDigits(text.toLowerCase())
    .replace(/[^a-z0-9/.%\s-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export type Gender = 'male' | 'female' | 'unknown';

const IRREGULAR_PAST = new Set([
  'was', 'had', 'got', 'felt', 'went', 'took', 'saw', 'came', 'thought', 'fell', 'ran', 'made', 'said', 'told', 'began',
  'kept', 'left', 'lost', 'slept', 'woke', 'ate', 'drank', 'gave', 'bought', 'brought', 'caught', 'found', 'heard',
  'knew', 'meant', 'met', 'paid', 'put', 'quit', 'read', 'sat', 'sent', 'spent', 'stood', 'swam', 'threw', 'wore',
  'wrote', 'broke', 'did', 'hurt', 'cut', 'hit', 'let', 'set', 'shut', 'fed', 'led', 'bled', 'rode', 'drove', 'flew',
  'forgot', 'got', 'grew', 'hid', 'held', 'lay', 'laid', 'rose', 'shook', 'sang', 'sank', 'stuck', 'stung', 'struck',
  'swelled', 'swore', 'tore', 'understood', 'won', 'used', 'also', 'just', 'only', 'really', 'still', 'never', 'always',
  'usually', 'sometimes', 'often', 'actually', 'definitely', 'probably', 'mostly', 'even', 'already', 'finally',
]);
/** "I first noticed", "I really think": skip adverbs, conjugate the verb after them. Not a word glued
 * to more by a hyphen ("I x-12" must not become "xes-12", an id shape; a cut-off "had- " still is). */
const ADVERB_VERB = /\bI ((?:(?:(?!(?:app|rep|re|supp|f|comp|multip|imp|al|fami|be|ear|ug|sil|ho|jo|jel|bul|ral|tal|dal|bel)ly\b)[a-z]{2,}ly|sometimes|first|also|just|still|never|always|even|already|then|both|all|kind of|sort of)\s+){0,3})([a-z][a-z']*)(?!\w|-\w)/g;
const MODAL = new Set(['can', 'could', 'will', 'would', 'should', 'might', 'must', 'may', 'shall']);
const VERB_MAP: Record<string, string> = {
  am: 'is', have: 'has', do: 'does', "don't": "doesn't", "haven't": "hasn't", "can't": "cannot", go: 'goes',
  "didn't": "didn't", "wasn't": "wasn't", "won't": "won't", "wouldn't": "wouldn't", "couldn't": "couldn't",
};

function thirdPersonVerb(v: string): string {
  const lower = v.toLowerCase();
  const mapped = VERB_MAP[lower];
  if (mapped !== undefined) return mapped;
  const past = /ed$/.test(lower) && !/^(need|feed|bleed|breed|proceed|succeed|exceed|speed|heed|seed|weed)$/.test(lower);
  if (MODAL.has(lower) || IRREGULAR_PAST.has(lower) || past || /[^a-z']/.test(lower)) return v;
  if (/(s|sh|ch|x|z|o)$/.test(lower)) return v + 'es';
  if (/[^aeiou]y$/.test(lower)) return v.slice(0, -1) + 'ies';
  return v + 's';
}

/**
 * Rewrite a patient's first-person sentence in the third person ("I take" → "The patient takes",
 * "my leg" → "her leg"). Conservative: words it does not know stay as they are.
 */
export function toThirdPerson(sentence: string, gender: Gender): string {
  const subj = gender === 'male' ? 'he' : gender === 'female' ? 'she' : 'the patient';
  const poss = gender === 'male' ? 'his' : gender === 'female' ? 'her' : 'their';
  const obj = gender === 'male' ? 'him' : gender === 'female' ? 'her' : 'them';
  const refl = gender === 'male' ? 'himself' : gender === 'female' ? 'herself' : 'themselves';
  let first = true;
  // Each rewrite runs only when its literal is present (a skipped one could not have matched, so
  // the order in which the subject is named first is unchanged).
  let s = sentence;
  if (s.includes("I'")) {
    s = s
      .replace(/\bI'm\b/g, () => `${subjFirst()} is`)
      .replace(/\bI've\b/g, () => `${subjFirst()} has`)
      .replace(/\bI'll\b/g, () => `${subjFirst()} will`)
      .replace(/\bI'd\b/g, () => `${subjFirst()} would`);
  }
  if (s.includes('I')) {
    s = s
      .replace(ADVERB_VERB, (_m, adv: string, v: string) => `${subjFirst()} ${adv}${thirdPersonVerb(v)}`)
      .replace(/\bI\b/g, () => subjFirst());
  }
  const lower = s.toLowerCase();
  if (lower.includes('my')) s = s.replace(/\bmy\b/gi, poss).replace(/\bmyself\b/gi, refl);
  if (s.includes('me')) s = s.replace(/\b(me)\b/g, obj);
  if (s.includes('mine')) s = s.replace(/\bmine\b/g, `${poss === 'their' ? 'theirs' : poss === 'her' ? 'hers' : 'his'}`);
  if (lower.includes('we')) s = s.replace(/\bwe\b/gi, (w) => (w === 'We' ? 'They' : 'they'));
  return capitalize(s);

  function subjFirst(): string {
    // Name the patient once, then use the pronoun, as a written note would.
    const word = first ? (gender === 'unknown' ? 'the patient' : subj) : subj;
    first = false;
    return word;
  }
}

/** Rewrite a clinician's words to the patient in the third person ("your lungs" → "her lungs"). */
export function secondToThird(sentence: string, gender: Gender): string {
  const subj = gender === 'male' ? 'he' : gender === 'female' ? 'she' : 'the patient';
  const poss = gender === 'male' ? 'his' : gender === 'female' ? 'her' : 'the';
  const obj = gender === 'male' ? 'him' : gender === 'female' ? 'her' : 'the patient';
  return sentence
    .replace(/\byou're\b/gi, `${subj} is`)
    .replace(/\byou've\b/gi, `${subj} has`)
    .replace(/\byou'll\b/gi, `${subj} will`)
    .replace(/\byou'd\b/gi, `${subj} would`)
    .replace(/\b(are|do|have|were|can|will|should|did) you\b/gi, (_m, v: string) => `${v} ${subj}`)
    .replace(OBJ_YOU, (_m, w: string) => `${w} ${obj}`)
    .replace(YOU_VERB, (_m, adv: string, v: string) => `${subj} ${adv}${v.toLowerCase() === 'are' ? 'is' : v.toLowerCase() === 'were' ? 'was' : thirdPersonVerb(v)}`)
    .replace(/\byourself\b/gi, gender === 'male' ? 'himself' : gender === 'female' ? 'herself' : 'themselves')
    .replace(/\byour\b/gi, poss)
    .replace(/\byou\b/gi, obj);
}

/** "you" after a verb or preposition is an object ("put you on", "see you back", "for you"). */
const OBJ_YOU = /\b(put|get|give|gave|see|saw|tell|told|send|let|help|ask|call|thank|keep|make|take|bring|want|need|check|examine|start|started|prescribe|refer|to|for|with|on|at|from|about|by|of|into|have|had|got|seeing|putting|getting|giving|sending|telling|asking|checking|examining|starting|referring|treat|treating|bother|bothering|hurt|hurting|like|love|understand|continue|continuing|switch|move|schedule|book|follow|monitor|watch|clear|show|teach|remind|encourage|recommend|advise|wean|taper)\s+you\b(?!'|\s+(?:are|were|have|had|can|will|would|should|do|did|don't|didn't|feel|think|need|take|get|go|said|say|know|mentioned|told|been)\b)/gi;

/** "you" + verb; a preposition or article after "you" is not a verb ("keep you on", "get you in"). */
const YOU_VERB = /\byou ((?:(?:really|usually|actually|definitely|probably|also|just|still|never|always|only|already)\s+){0,2})(?!(?:on|in|at|to|for|with|off|up|back|out|down|over|into|a|an|the|some|guys|all|both|and|or|so|too|as|if|that|this|now|today|again|here|there)\b)([a-z][a-z']*)(?!\w|-\w)/gi;

const UNIT_AFTER = /^(\s*(?:-|\s)?(?:days?|weeks?|months?|years?|hours?|minutes?|times?|mg|milligrams?|micrograms?|units?|pounds?|miles?|percent|out of|degrees|centimeters?|inches|feet|steps|blocks|pills?|tablets?|puffs?|cups?|drinks?|beers?|packs?|cigarettes|servings?)\b)/i;

/**
 * Written-note style for numbers and units: "two weeks" → "2 weeks", "five out of ten" → "5 out of 10",
 * "milligrams" → "mg". Number words are only changed before a unit, so "no one" stays as it is.
 */
export function clinicalStyle(s: string): string {
  const t = HAS_NUMBER_WORD.test(s) ? mergeNumbers(s) : s;
  return t.replace(/\bmilligrams?\b/gi, 'mg').replace(/\bmicrograms?\b/gi, 'mcg');
}

function mergeNumbers(original: string): string {
  // Accept a conversion only before a unit or after "out of".
  const spans: Array<{ at: number; phrase: string }> = [];
  const merged = original.replace(NUMBER_PHRASE, (phrase: string, offset: number) => {
    const after = original.slice(offset + phrase.length, offset + phrase.length + 30);
    const before = original.slice(Math.max(0, offset - 7), offset);
    if (!UNIT_AFTER.test(after) && !/out of\s*$/i.test(before)) return phrase;
    spans.push({ at: offset, phrase });
    return numbersToDigits(phrase);
  });
  if (spans.length === 0) return merged;
  // Digits must not make an identifier shape the words did not have: "mid-five thousand pills"
  // → "mid-5000 pills" reads as an account number, and the note API refuses a note holding one.
  // Such a phrase keeps its words; the others are converted one by one (rare, so checked only here).
  const before = guardedShapeCount(original);
  if (guardedShapeCount(merged) <= before) return merged;
  let out = original;
  for (let i = spans.length - 1; i >= 0; i--) {
    const { at, phrase } = spans[i]!;
    const next = out.slice(0, at) + numbersToDigits(phrase) + out.slice(at + phrase.length);
    if (guardedShapeCount(next) <= before) out = next;
  }
  return out;
}

const FUNCTION_WORDS = new Set(
  (
    'a an the and or but so if then than that this these those it its it\'s is are was were be been being am do does did done ' +
    'have has had having i me my we us our you your he him his she her they them their there here what which who whom whose ' +
    'when where why how all any some no not nothing something anything everything one ones just really very kind sort like ' +
    'okay ok yeah yes alright right well oh um uh know think thing things stuff get got go going gonna want say said tell told ' +
    'see look looks looked good great little bit lot lots much more most also too maybe probably actually pretty quite still ' +
    'again even now then today can could would should will shall may might must to of in on at by for with from about as into ' +
    'out up down over off back around because since while about doing make made let let\'s sure fine mean guess feel feels felt ' +
    'don\'t doesn\'t didn\'t i\'m i\'ve i\'ll he\'s she\'s that\'s there\'s we\'re we\'ll you\'re patient'
  ).split(' '),
);

/** Share of words that carry content (not function words or chit-chat). Numbers and placeholders count as content. */
export function contentRatio(s: string): { ratio: number; content: number } {
  const words = s.toLowerCase().match(/\[[A-Z_0-9]+\]|[a-z0-9][a-z0-9'-]*/gi) ?? [];
  if (words.length === 0) return { ratio: 0, content: 0 };
  const content = words.filter((w) => !FUNCTION_WORDS.has(w.toLowerCase())).length;
  return { ratio: content / words.length, content };
}

/** Drop hedges that carry no clinical content ("kind of", "just", "really", "you know"). */
export function trimHedges(s: string): string {
  return s
    .replace(/\b(kind of|sort of|you know|i mean|basically|literally|honestly|actually|really|just|pretty much|like,)\s+/gi, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+,/g, ',')
    .trim();
}

/** Upper-cases the first letter when the text starts with it (after quotes or spaces); "12 day" stays as it is. */
export function capitalize(s: string): string {
  const i = s.search(/[A-Za-z]/);
  if (i < 0) return s;
  // A number first: the sentence starts there, nothing to raise (raising "12 day road" to
  // "12 Day road" also made shapes the output check reads as streets).
  if (/\p{N}/u.test(s.slice(0, i))) return s;
  // Never touch a placeholder's bracket or its contents.
  if (i > 0 && s[i - 1] === '[') return s;
  return s.slice(0, i) + s.charAt(i).toUpperCase() + s.slice(i + 1);
}

export function endWithPeriod(s: string): string {
  const t = s.trim().replace(/[,;:\s]+$/, '');
  return /[.!?]$/.test(t) ? t : t + '.';
}

/** Strip discourse fillers at the start of a sentence ("Well, ", "So, ", "Honestly, ", "Also, "). */
export function stripLeadIn(s: string): string {
  let t = s.trim();
  for (let i = 0; i < 4; i++) {
    const next = t.replace(/^(well|so|honestly|also|and|okay|ok|yeah|yes|um|uh|alright|right|oh|hmm|now|then|but)\b[,.]?\s+/i, '');
    if (next === t) break;
    t = next;
  }
  return t;
}
