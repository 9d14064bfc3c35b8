// The text helpers as they were before the speed work (commit bde24ff), kept as the oracle for
// text.property.test.ts: the faster versions must give the same output on any input.
/**
 * Text helpers for the extractor: sentence splitting, number words, and first → third person.
 * Pure string functions; placeholders like `[NAME_1]` are never altered (they are upper case with
 * brackets, and every rewrite here works on lower-case words).
 */

const ABBREV = new Set(['dr', 'mr', 'mrs', 'ms', 'st', 'vs', 'etc', 'e.g', 'i.e', 'approx', 'no', 'jr', 'sr', 'a.m', 'p.m']);

/** Normalise spacing (ASR / ACI-style " , " and " . ") without changing words. */
export function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.;:?!])/g, '$1')
    .replace(/([,;:])(?=[A-Za-z])/g, '$1 ')
    .replace(/\bi\b/g, 'I')
    .replace(/\bi'(m|ve|ll|d)\b/g, "I'$1")
    .trim();
}

/**
 * Remove speech disfluencies and transcription artefacts: fillers ("uh", "um", "mm-hmm"),
 * stutters ("it's, it's" → "it's"), split contractions ("do n't" → "don't", "gon na" → "going to").
 */
export function declutter(text: string): string {
  let t = tidy(text)
    .replace(/(\w) n't\b/g, "$1n't")
    .replace(/\b(gon|wan) na\b/gi, (_m, w: string) => (w.toLowerCase() === 'gon' ? 'going to' : 'want to'))
    .replace(/\bgot ta\b/gi, 'got to')
    .replace(/(\w) '(s|re|ve|ll|d|m)\b/g, "$1'$2")
    .replace(/(^|[\s,.;?!])(?:uh|um|umm|uhm|er|ah|hmm|mm-?hmm|uh-?huh)(?=[\s,.;?!]|$)[,.]?/gi, '$1')
    .replace(/(^|[\s,])you know,\s*/gi, '$1')
    .replace(/\s*[-–—]+\s*(?=[,.?!]|$)/g, '')
    .replace(/(^|\s)\.\s+/g, '$1');
  // Stutters: a word or two repeated with a comma or ellipsis between ("the, the", "I, I", "it's, it's").
  t = dropStutters(t);
  return tidy(t.replace(/\s+,/g, ',').replace(/,\s*,/g, ',').replace(/^[,.\s]+/, ''));
}

/** Remove a word or word pair repeated right after itself ("the, the", "it's it's", "I was I was"). Linear. */
function dropStutters(text: string): string {
  const toks = text.split(' ');
  const key = (w: string | undefined): string => (w ?? '').toLowerCase().replace(/[,.]+$/, '');
  const plain = (w: string | undefined): boolean => /^[\w']+,?$/.test(w ?? '');
  const single: string[] = [];
  for (const w of toks) {
    const prev = single[single.length - 1];
    if (prev !== undefined && plain(prev) && key(prev) === key(w) && /[\w']/.test(w)) single[single.length - 1] = w;
    else single.push(w);
  }
  const out: string[] = [];
  for (let i = 0; i < single.length; i++) {
    const n = out.length;
    const next = single[i + 1];
    if (n >= 2 && next !== undefined && plain(out[n - 2]) && plain(out[n - 1]) && key(out[n - 2]) === key(single[i]) && key(out[n - 1]) === key(next)) {
      out[n - 1] = next;
      i++;
      continue;
    }
    out.push(single[i] ?? '');
  }
  return out.join(' ');
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
    const words = phrase.toLowerCase().split(/[\s-]+/).filter((w) => w !== 'and');
    let total = 0;
    let cur = 0;
    for (const w of words) {
      const s = SMALL[w];
      const t = TENS[w];
      if (s !== undefined) cur += s;
      else if (t !== undefined) cur += t;
      else if (w === 'hundred') cur = (cur === 0 ? 1 : cur) * 100;
      else if (w === 'thousand') {
        total += (cur === 0 ? 1 : cur) * 1000;
        cur = 0;
      }
    }
    return String(total + cur);
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
const ADVERB_VERB = /\bI ((?:(?:really|usually|actually|definitely|probably|mostly|finally|recently|occasionally|sometimes|generally|normally|typically|certainly|barely|hardly|rarely|constantly|currently|initially|originally|mainly|basically|first|also|just|still|never|always|even|only|already|then|both|all|kind of|sort of)\s+){0,3})([a-z][a-z']*)(?!\w|-\w)/g;
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
  let s = sentence
    .replace(/\bI'm\b/g, () => `${subjFirst()} is`)
    .replace(/\bI've\b/g, () => `${subjFirst()} has`)
    .replace(/\bI'll\b/g, () => `${subjFirst()} will`)
    .replace(/\bI'd\b/g, () => `${subjFirst()} would`)
    .replace(ADVERB_VERB, (_m, adv: string, v: string) => `${subjFirst()} ${adv}${thirdPersonVerb(v)}`)
    .replace(/\bI\b/g, () => subjFirst())
    .replace(/\bmy\b/gi, poss)
    .replace(/\bmyself\b/gi, refl)
    .replace(/\b(me)\b/g, obj)
    .replace(/\bmine\b/g, `${poss === 'their' ? 'theirs' : poss === 'her' ? 'hers' : 'his'}`);
  s = s.replace(/\bwe\b/gi, (w) => (w === 'We' ? 'They' : 'they'));
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
const OBJ_YOU = /\b(put|get|give|gave|see|saw|tell|told|send|let|help|ask|call|thank|keep|make|take|bring|want|need|check|examine|start|started|prescribe|refer|to|for|with|on|at|from|about|by|of|into|have|had|got|seeing|putting|getting|giving|sending|telling|asking|checking|examining|starting|referring|treat|treating|bother|bothering|hurt|hurting|like|love|understand)\s+you\b(?!'|\s+(?:are|were|have|had|can|will|would|should|do|did|don't|didn't|feel|think|need|take|get|go|said|say|know|mentioned|told|been)\b)/gi;

const YOU_VERB = /\byou ((?:(?:really|usually|actually|definitely|probably|also|just|still|never|always|only|already)\s+){0,2})([a-z][a-z']*)(?!\w|-\w)/gi;

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
  return original.replace(NUMBER_PHRASE, (phrase, offset: number) => {
    const after = original.slice(offset + phrase.length, offset + phrase.length + 30);
    const before = original.slice(Math.max(0, offset - 7), offset);
    return UNIT_AFTER.test(after) || /out of\s*$/i.test(before) ? numbersToDigits(phrase) : phrase;
  });
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

export function capitalize(s: string): string {
  const i = s.search(/[A-Za-z]/);
  if (i < 0) return s;
  if (/\p{N}/u.test(s.slice(0, i))) return s; // changed with shared/notes/text.ts: a number first is not raised
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
