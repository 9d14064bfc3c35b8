/**
 * Stage 1 of the offline extractor: read the transcript into clinical facts, each tied to the
 * segments it came from. Rule-based and deterministic; every loop is bounded by the input size.
 * Stage 2 (extractor.ts) lays the facts out in a template's sections.
 */
import type { NoteSegment } from '../api.ts';
import { ADMIN_WORDS, ALLERGENS, DRUGS, SYMPTOMS } from './lexicon.ts';
import {
  capitalize,
  declutter,
  endWithPeriod,
  clinicalStyle,
  contentRatio,
  numbersToDigits,
  secondToThird,
  trimHedges,
  splitSentences,
  stripLeadIn,
  toThirdPerson,
  type Gender,
} from './text.ts';

export type Role = 'clinician' | 'patient';
export type Topic =
  | 'cc'
  | 'hpi'
  | 'meds'
  | 'allergy'
  | 'vitals'
  | 'history'
  | 'admin'
  | 'closing'
  | 'none';

export interface Sentence {
  /** the segments it came from: one, or two and more when a segment ended mid-sentence and the same
   * speaker's next segment finished it */
  segs: readonly string[];
  turn: number;
  role: Role;
  text: string;
  /** `text` with number words as digits (for pattern readers), computed once. */
  digits: string;
  question: boolean;
  /** Topic of the clinician question this sentence answers (patient) or asks (clinician). */
  topic: Topic;
  admin: boolean;
}

/** A fact with its evidence (segment ids, in transcript order, no duplicates). */
export interface Fact {
  text: string;
  evidence: string[];
}

export interface Medication extends Fact {
  name: string;
  dose: string | null;
  route: string | null;
  frequency: string | null;
}

export interface VitalReading {
  kind: 'bp' | 'hr' | 'temp' | 'rr' | 'spo2' | 'weight';
  value: string;
  /** SpO2 only: "on room air" when the sentence says so (a saturation means little without it) */
  qualifier?: 'on room air';
  evidence: string[];
}

export interface VisitFacts {
  gender: Gender;
  telehealth: Fact | null;
  chiefComplaint: Fact | null;
  hpi: Fact[];
  history: Fact[];
  medications: Medication[];
  allergies: Fact[];
  noKnownAllergies: Fact | null;
  vitals: VitalReading[];
  positives: Fact[];
  negatives: Fact[];
  exam: Fact[];
  results: Fact[];
  assessment: Fact[];
  plan: Fact[];
  followUp: Fact[];
  /** Return precautions ("call us sooner if it gets worse"). */
  precautions: Fact[];
}

const DRUG_SET = new Set(DRUGS);
const DRUG_SUFFIX =
  /(pril|sartan|olol|statin|dipine|azole|mab|cillin|mycin|floxacin|cycline|tidine|prazole|gliflozin|gliptin|glutide|triptan|afil|oxetine|aline|pram|azepam|zolam|semide|thiazide|parin|xaban|gatran|sone|olone|terol|tropium|lukast|tadine|barb|pentin|gabalin|vir|profen|coxib|dronate|glipizide|formin)$/i;
const STOP = new Set([
  'the', 'a', 'an', 'and', 'or', 'of', 'to', 'at', 'on', 'in', 'is', 'was', 'it', 'says', 'take', 'takes', 'taking',
  'about', 'like', 'with', 'for', 'my', 'your', 'his', 'her', 'their', 'me', 'you', 'i', 'we', 'he', 'she', 'they',
  'than', 'then', 'also', 'just', 'only', 'dose', 'weigh', 'weight', 'around', 'over', 'under', 'saturation',
  'oxygen', 'pressure', 'rate', 'pulse', 'temp', 'temperature', 'sats', 'now', 'every', 'day', 'increase',
  'decrease', 'start', 'restart', 'continue', 'stop', 'use', 'try', 'give', 'put', 'from', 'by', 'up', 'down',
]);

// ---------------------------------------------------------------------------------------------
// Sentences, roles and topics

const Q_TOPICS: ReadonlyArray<[Topic, RegExp]> = [
  ['allergy', /\b(allergic to|(?:any|drug|medication|known|food|no|your) (?:\w+ )?allergies|allergies to)\b/i],
  ['admin', ADMIN_WORDS],
  ['meds', /\b(medication|medicine|meds|what are you (on|taking)|still taking|your list|pills|prescription|taking anything)\b/i],
  ['vitals', /\b(blood pressure|home cuff|cuff|vitals|your numbers|weigh|scale|pulse|temperature|oxygen)\b/i],
  ['history', /\b(family|run in|parents|mother|father|smoke|drink|alcohol|drugs|travel|getting around|live|work|job|surger|hospital|medical history|exercise|diet)\b/i],
  ['closing', /\b(any (other )?questions|wrap up|anything else (for|before))\b/i],
  ['cc', /\b(brings you|bring you|help you|can i do for you|going on|looking at today|since the last visit|how (have|are) you|what's new|in your own words|reason|concern|what seems)\b/i],
  ['hpi', /\b(how bad|how long|when did|what makes|better or worse|happened before|anything like this|seen anyone|other symptoms|anything else you've noticed|describe|radiat|scale|getting better|worse|where is|how often|started|notice|feel)\b/i],
];

function questionTopic(q: string): Topic {
  for (const [topic, re] of Q_TOPICS) if (re.test(q)) return topic;
  return 'none';
}

/** Decide which speaker labels are the clinician when the transcript does not say. */
function roleMap(segments: readonly NoteSegment[]): Map<string, Role> {
  const labels = new Map<string, number>();
  for (const s of segments) {
    if (!labels.has(s.speaker)) labels.set(s.speaker, 0);
    if (s.speaker === 'clinician' || s.speaker === 'patient' || s.speaker === 'family' || s.speaker === 'remote') continue;
    const q = (s.text.match(/\?/g) ?? []).length;
    const cue = (s.text.match(/\b(exam|prescribe|i'd like|let's|your (blood|heart|lungs)|follow up|we'll|i'll|plan)\b/gi) ?? []).length;
    labels.set(s.speaker, (labels.get(s.speaker) ?? 0) + q + cue);
  }
  const out = new Map<string, Role>();
  // Diarisation can swap the two labels: when the "patient" talks like the clinician (asks the
  // questions, examines, plans) far more than the "clinician" does, swap them for the whole visit.
  const style = (label: string): number =>
    segments
      .filter((s) => s.speaker === label)
      .reduce((acc, s) => acc + (s.text.match(/\?|\b(your|you're|you've|i'd like to|let's|exam|prescribe|i want you to|we'll|any)\b/gi) ?? []).length, 0);
  if (labels.has('clinician') && labels.has('patient')) {
    const c = style('clinician');
    const p = style('patient');
    if (p > 1.5 * c + 5) {
      for (const label of labels.keys()) out.set(label, label === 'patient' ? 'clinician' : 'patient');
      return out;
    }
  }
  const hasClinician = labels.has('clinician');
  let best: string | null = null;
  let bestScore = -1;
  for (const [label, score] of labels) {
    if (label === 'clinician' || label === 'patient' || label === 'family' || label === 'remote') continue;
    if (score > bestScore) {
      best = label;
      bestScore = score;
    }
  }
  for (const label of labels.keys()) {
    if (label === 'clinician') out.set(label, 'clinician');
    else if (label === 'patient' || label === 'family' || label === 'remote') out.set(label, 'patient');
    else if (!hasClinician && label === best && label !== 'unlabelled') out.set(label, 'clinician');
    else out.set(label, label === 'unlabelled' && !hasClinician ? 'clinician' : 'patient');
  }
  return out;
}

const HAS_ALNUM = /[A-Za-z0-9\]]/;
const QUESTION_START = /^(?:(?:okay|so|and|alright|now|well),?\s+)*(how|what|what's|when|where|why|which|who|do|does|did|have|has|are|is|can|could|would|will|any|tell me)\b/i;
const RUN_ON_MARKER = /\s+(?=(?:okay|so|now|alright|all right|and then|but|because|how|what|when|do you|did you|have you|are you|can you|any)\b)/gi;

/** Cut an unpunctuated run-on at discourse markers, keeping pieces of at least 4 words. */
function splitRunOn(text: string): string[] {
  if (text.split(/\s+/).length <= 20) return [text];
  const pieces = text.split(RUN_ON_MARKER);
  const out: string[] = [];
  let cur = '';
  for (const p of pieces) {
    if (cur !== '' && cur.split(/\s+/).length >= 4) {
      out.push(cur.trim());
      cur = p;
    } else cur = cur === '' ? p : `${cur} ${p}`;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

export function readSentences(segments: readonly NoteSegment[]): Sentence[] {
  const roles = roleMap(segments);
  const out: Sentence[] = [];
  let topic: Topic = 'none';
  let turn = -1;
  let prevSpeaker: string | null = null;
  // The unfinished end of the previous segment ("Okay, my" | "assessment is cellulitis…"): a
  // segment is an utterance, and a speaker's pause can fall inside a sentence. Carried into the same
  // speaker's next segment and read with it; the sentence then cites both segments.
  // (only ever set when the next segment is the same speaker's, so it is always read)
  let carry: { text: string; segs: string[] } | null = null;
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k]!;
    // A turn is a run of one speaker's segments. With no speaker labels (one room microphone) the
    // only boundaries are the utterances themselves, so each segment is a turn: otherwise the whole
    // visit is one turn, and the last question in it ("who do I call about this bill?") would set
    // the topic of every sentence.
    if (seg.speaker !== prevSpeaker || seg.speaker === 'unlabelled') turn++;
    prevSpeaker = seg.speaker;
    const role = roles.get(seg.speaker) ?? 'patient';
    const own = declutter(seg.text);
    const clean: string = carry === null ? own : `${carry.text} ${own}`.trim();
    const carried: string[] = carry?.segs ?? [];
    carry = null;
    // `clean` is tidy: single spaces, trimmed, so words = spaces + 1 (as `split(/\s+/)` counts).
    let words = 1;
    for (let i = clean.indexOf(' '); i >= 0; i = clean.indexOf(' ', i + 1)) words++;
    // Unpunctuated ASR text: cut run-ons at discourse markers and spot questions by their first word.
    const unpunctuated: boolean = words >= 12 && (clean.match(/[.?!](?=\s|$)/g) ?? []).length * 30 < words;
    const split = splitSentences(clean, true);
    const sentences: string[] = (unpunctuated ? split.flatMap(splitRunOn) : split).filter((t) => HAS_ALNUM.test(t));
    // The last sentence runs on into the same speaker's next segment when it has no end mark (and is
    // short enough to be one sentence's start): hold it back for that segment.
    const next = segments[k + 1];
    const tail: string | undefined = sentences.at(-1);
    if (!unpunctuated && tail !== undefined && next !== undefined && next.speaker === seg.speaker && !/[.?!]["')\]]*$/.test(tail) && tail.split(' ').length <= 30) {
      carry = { text: tail, segs: sentences.length === 1 ? [...carried, seg.id] : [seg.id] };
      sentences.pop();
    }
    const question = sentences.map((t) => t.endsWith('?') || (unpunctuated && QUESTION_START.test(t)));
    // A clinician question's topic, computed once per sentence.
    const qTopic: Topic[] = role === 'clinician' ? sentences.map((t, i) => (question[i] === true ? questionTopic(t) : 'none')) : [];
    if (role === 'clinician') {
      // The last question with a recognisable topic governs the answer that follows ("Do you have a
      // home cuff? What did it read?"); a turn with no question resets it.
      if (question.includes(true)) {
        let last: Topic = 'none';
        for (let i = 0; i < sentences.length; i++) if (question[i] === true && qTopic[i] !== 'none') last = qTopic[i] ?? 'none';
        topic = last;
      } else if (sentences.length > 0) topic = 'none';
    }
    for (let i = 0; i < sentences.length; i++) {
      const text = sentences[i] ?? '';
      const q = question[i] === true;
      const t: Topic = role === 'clinician' ? (qTopic[i] ?? 'none') : topic;
      const segs = i === 0 && carried.length > 0 ? [...carried, seg.id] : [seg.id];
      out.push({ segs, turn, role, text, digits: numbersToDigits(text), question: q, topic: t, admin: ADMIN_WORDS.test(text) || t === 'admin' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gender (for pronouns only). Counts cues in clinician speech and family references.

export function inferGender(sentences: readonly Sentence[]): Gender {
  // Strong cues: honorifics and dictated demographics from the clinician, a family member naming
  // the patient. Weak cues (he/she from the clinician) often mean someone else, so they only
  // decide when there is no strong cue and they clearly lean one way.
  let sm = 0;
  let sf = 0;
  let wm = 0;
  let wf = 0;
  for (const s of sentences) {
    const t = s.text.toLowerCase();
    if (s.role === 'clinician') {
      // Gated on the literals every match needs (most sentences have none).
      const year = t.includes('year');
      if (year || t.includes('mr') || t.includes('sir')) sm += (t.match(/\b(mr\.?|sir|year[- ]old (?:male|man|gentleman|boy))\b/g) ?? []).length;
      if (year || t.includes('mrs') || t.includes('ms') || t.includes('miss') || t.includes("ma'am")) {
        sf += (t.match(/\b(mrs\.?|ms\.?|miss|ma'am|year[- ]old (?:female|woman|lady|girl))\b/g) ?? []).length;
      }
      wm += (t.match(/\b(he|him|his|himself)\b/g) ?? []).length;
      wf += (t.match(/\b(she|her|hers|herself)\b/g) ?? []).length;
    } else if (s.topic === 'meds' || /\btakes\b/.test(t)) {
      sm += (t.match(/\bmy (husband|father|dad|son|boyfriend)\b/g) ?? []).length;
      sf += (t.match(/\bmy (wife|mother|mom|daughter|girlfriend)\b/g) ?? []).length;
    }
  }
  if (sm + sf > 0) return sm > sf ? 'male' : sf > sm ? 'female' : 'unknown';
  if (wm >= 3 && wm > 2 * wf) return 'male';
  if (wf >= 3 && wf > 2 * wm) return 'female';
  return 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Vitals

interface VitalPattern {
  kind: VitalReading['kind'];
  re: RegExp;
  format: (m: RegExpExecArray) => string | null;
}

const n = (s: string | undefined): number => (s === undefined ? NaN : Number(s));
const VITAL_PATTERNS: readonly VitalPattern[] = [
  {
    kind: 'bp',
    // Third form: a pressure written with a point ("a pressure at 134.85"), as Whisper writes a
    // spoken "134/85". Only right after a pressure word: a blood pressure is never a decimal.
    re: /\b(?:blood pressure|b\.? ?p\.?|pressure|cuff|it was|it said|reading|read)\D{0,25}?(\d{2,3})\s*(?:\/|over)\s*(\d{2,3})\b|^(?:\D{0,20})?(\d{2,3})\s*(?:\/|over)\s*(\d{2,3})\b|\b(?:blood pressure|b\.? ?p\.?|pressure)(?: (?:was|is|of|at))?\s(\d{2,3})\.(\d{2,3})\b(?!\.?\d)/gi,
    format: (m) => {
      const sys = n(m[1] ?? m[3] ?? m[5]);
      const dia = n(m[2] ?? m[4] ?? m[6]);
      return sys >= 70 && sys <= 260 && dia >= 30 && dia <= 160 && sys > dia ? `${sys}/${dia}` : null;
    },
  },
  {
    kind: 'hr',
    re: /\b(?:heart rate|pulse(?! ox)|hr)\b(?: (?:was|is|of|at))?\D{0,6}?(\d{2,3})\b/gi,
    format: (m) => (n(m[1]) >= 25 && n(m[1]) <= 250 ? String(n(m[1])) : null),
  },
  {
    kind: 'temp',
    re: /\b(?:temp|temperature)\b(?: (?:was|is|of))?\D{0,6}?(\d{2,3}(?:\.\d)?)\b/gi,
    format: (m) => (n(m[1]) >= 90 && n(m[1]) <= 110 ? String(n(m[1])) : n(m[1]) >= 34 && n(m[1]) <= 43 ? `${n(m[1])} °C` : null),
  },
  {
    kind: 'rr',
    // "breathing 14" in a read-out of vitals (the sentence must also name another vital sign, see
    // VITAL_CONTEXT, which does not include "breathing"), never "breathing for 10 minutes".
    re: /\b(?:respirations?|respiratory rate|resp(?:iratory)? rate|breathing rate|rr)\b(?: (?:was|is|of))?\D{0,6}?(\d{1,2})\b|\bbreathing(?: (?:at|is|was|of))? (\d{1,2})\b(?!\s*(?:[-/.%]|times?|puffs?|minutes?|hours?|days?|weeks?|seconds?|mg|percent|out of|over)\b)/gi,
    format: (m) => {
      const v = n(m[1] ?? m[2]);
      return v >= 6 && v <= 60 ? String(v) : null;
    },
  },
  {
    kind: 'spo2',
    re: /\b(?:oxygen(?: saturation| sat(?:uration)?| level)?|o2(?: sat(?:uration)?)?|sats?|saturation|spo2|pulse ox(?:imetry)?)\b(?: (?:was|is|of|at))?\D{0,6}?(\d{2,3})\s*(?:%|percent)?|\b(\d{2,3})\s*(?:%|percent)? on room air\b/gi,
    format: (m) => {
      const v = n(m[1] ?? m[2]);
      return v >= 50 && v <= 100 ? String(v) : null;
    },
  },
  {
    kind: 'weight',
    re: /\b(?:weigh(?:s|t|ed)?|scale said|scale (?:was|read|showed)|I was|you were)\D{0,10}?(\d{2,3}(?:\.\d)?)\b(?!\s*(?:mg|milligrams|\/|over))|\b(\d{2,3}(?:\.\d)?)\s*(?:pounds|lbs?)\b/gi,
    format: (m) => {
      const v = n(m[1] ?? m[2]);
      return v >= 50 && v <= 700 ? String(v) : null;
    },
  },
];

const VITAL_CONTEXT = /\b(blood pressure|pressure|b\.? ?p\.?|heart rate|pulse|temp|temperature|respirations?|respiratory|oxygen|sats?|saturation|room air|weigh|weight|pounds|scale|cuff|vitals|numbers)\b/i;

/** The readings one sentence states, in pattern order (at most one per kind). */
type SentenceVital = Pick<VitalReading, 'kind' | 'value' | 'qualifier'>;
const ROOM_AIR = /^[^.;]{0,12}?\bon room air\b/i;

function sentenceVitals(s: Sentence): readonly SentenceVital[] {
  if (s.question) return [];
  const text = s.digits;
  if (!VITAL_CONTEXT.test(text) && !(s.topic === 'vitals' && /\d{2,3}\s*(\/|over)\s*\d{2,3}/.test(text))) return [];
  const out: SentenceVital[] = [];
  let bare: string | null = null;
  for (const p of VITAL_PATTERNS) {
    p.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let guard = 0;
    while ((m = p.re.exec(text)) !== null && guard++ < 20) {
      if (m[0].length === 0) p.re.lastIndex++;
      // A bare "N over N" counts only as an answer about vitals, or in a sentence that reads out
      // other vital signs too ("133 over 88, temp 98.1, oxygen 99%"): decided after the loop.
      if (p.kind === 'bp' && m[3] !== undefined && s.topic !== 'vitals' && !/pressure|b\.? ?p\b|heart rate|pulse/i.test(text)) {
        bare ??= p.format(m);
        continue;
      }
      const v = p.format(m);
      if (v === null) continue;
      const onRoomAir = p.kind === 'spo2' && (/on room air/i.test(m[0]) || ROOM_AIR.test(text.slice(m.index + m[0].length)));
      out.push(onRoomAir ? { kind: p.kind, value: v, qualifier: 'on room air' } : { kind: p.kind, value: v });
      break;
    }
  }
  if (bare !== null && !out.some((r) => r.kind === 'bp') && out.some((r) => r.kind !== 'weight')) out.unshift({ kind: 'bp', value: bare });
  return out;
}

const VITAL_ORDER: readonly VitalReading['kind'][] = ['bp', 'hr', 'temp', 'rr', 'spo2', 'weight'];

function foldVitals(sentences: readonly Sentence[], readings: ReadonlyArray<ReturnType<typeof sentenceVitals>>): VitalReading[] {
  const found = new Map<VitalReading['kind'], VitalReading>();
  sentences.forEach((s, i) => {
    for (const r of readings[i] ?? []) {
      const prev = found.get(r.kind);
      // The last reading stated wins (a recheck replaces the first); evidence keeps both.
      found.set(r.kind, { ...r, evidence: mergeIds(prev?.evidence ?? [], s.segs) });
    }
  });
  return VITAL_ORDER.flatMap((k) => {
    const v = found.get(k);
    return v === undefined ? [] : [v];
  });
}

export function extractVitals(sentences: readonly Sentence[]): VitalReading[] {
  return foldVitals(sentences, sentences.map(sentenceVitals));
}

export function formatVital(v: VitalReading): string {
  switch (v.kind) {
    case 'bp':
      return `BP ${v.value} mmHg`;
    case 'hr':
      return `HR ${v.value} bpm`;
    case 'temp':
      return v.value.endsWith('°C') ? `Temp ${v.value}` : `Temp ${v.value} °F`;
    case 'rr':
      return `RR ${v.value} breaths/min`;
    case 'spo2':
      return v.qualifier === undefined ? `SpO2 ${v.value}%` : `SpO2 ${v.value}% ${v.qualifier}`;
    case 'weight':
      return `Weight ${v.value} lb`;
  }
}

// ---------------------------------------------------------------------------------------------
// Medications

const DOSE_RE =
  /(\d+(?:\.\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?)\s*(mg|milligrams?|mcg|micrograms?|µg|g|grams?|units?|iu|ml|milliliters?|puffs?|sprays?(?: (?:in )?each nostril)?|tablets?|tabs?|pills?|capsules?|drops?)\b/gi;

const FREQS: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^every (\d+)(?: (?:to|-) (\d+))? hours?(?: as needed| when (?:I|you|he|she) needs? it| prn)?/i, (m) => `every ${m[1]}${m[2] !== undefined ? ` to ${m[2]}` : ''} hours${/needed|need|prn/i.test(m[0]) ? ' as needed' : ''}`],
  [/^(?:once|1 time) (?:a|per|each) day|^once daily|^every day|^each day|^daily|^qd\b|^a day/i, () => 'once daily'],
  [/^(?:twice|2 times) (?:a|per|each) day|^(?:twice|2 times) daily|^bid\b|^morning and (?:night|evening)|^in the morning and (?:at night|evening)/i, () => 'twice daily'],
  [/^(?:3|three) times (?:a|per|each) day|^(?:3|three) times daily|^tid\b/i, () => 'three times daily'],
  [/^(?:4|four) times (?:a|per|each) day|^(?:4|four) times daily|^qid\b/i, () => 'four times daily'],
  [/^(?:every night(?: at bedtime)?|at bedtime|at night|nightly|before bed(?:time)?|qhs)\b/i, () => 'at bedtime'],
  [/^(?:every morning|in the morning|each morning|qam)\b/i, () => 'every morning'],
  [/^(?:every evening|in the evening)\b/i, () => 'every evening'],
  [/^(?:once (?:a|per) week|every week|weekly)\b/i, () => 'once weekly'],
  [/^(?:only )?(?:as needed|when (?:I|you|he|she) needs? it|prn)\b/i, () => 'as needed'],
];
const ROUTE_RE = /^(by mouth|orally|po|inhaled|topically|subcutaneously|under the tongue|in each nostril|each nostril|iv|intravenously|intramuscularly)\b/i;

function canonicalDose(value: string, unit: string): string {
  const u = unit.toLowerCase();
  const v = value.replace(/\s+/g, '');
  if (/^milligram|^mg$/.test(u)) return `${v} mg`;
  if (/^microgram|^mcg$|^µg$/.test(u)) return `${v} mcg`;
  if (/^gram|^g$/.test(u)) return `${v} g`;
  if (/^milliliter|^ml$/.test(u)) return `${v} mL`;
  if (/^iu$|^unit/.test(u)) return `${v} units`;
  return `${v} ${u}`;
}

function drugNameBefore(before: string): string | null {
  const words = before.replace(/[,;:()]/g, ' ').trim().split(/\s+/).slice(-4);
  // "increase X to 100 mg", "restart X at 20 mg"
  if (words.length >= 2 && /^(to|at)$/i.test(words[words.length - 1] ?? '')) words.pop();
  const last = (words[words.length - 1] ?? '').replace(/[^A-Za-z-]/g, '');
  const prev = (words[words.length - 2] ?? '').replace(/[^A-Za-z-]/g, '');
  const prev2 = (words[words.length - 3] ?? '').replace(/[^A-Za-z-]/g, '');
  const two = `${prev} ${last}`.toLowerCase();
  if (prev !== '' && DRUG_SET.has(two)) return `${prev} ${last}`;
  // "albuterol inhaler", "Tylenol extra strength"
  if (prev2 !== '' && DRUG_SET.has(`${prev2} ${prev}`.toLowerCase()) && /^(inhaler|cream|patch|er|xr|sr|dr|spray)$/i.test(last)) {
    return `${prev2} ${prev} ${last}`;
  }
  if (DRUG_SET.has(last.toLowerCase())) {
    if (/^(inhaler|cream|patch|er|xr|sr)$/i.test(last) && prev !== '') return `${prev} ${last}`;
    return last;
  }
  if (prev !== '' && DRUG_SET.has(prev.toLowerCase()) && /^(inhaler|cream|patch|er|xr|sr|dr|spray|ointment|drops)$/i.test(last)) {
    return `${prev} ${last}`;
  }
  if (last.length >= 4 && !STOP.has(last.toLowerCase()) && DRUG_SUFFIX.test(last)) return last;
  return null;
}

interface MedMention {
  name: string;
  dose: string;
  route: string | null;
  frequency: string | null;
  extra: string;
  sentence: Sentence;
  plan: boolean;
}

const PLAN_VERB = /\b(start|starting|increase|increasing|decrease|decreasing|restart|switch|prescrib\w*|try|trial|change|add|begin|bump|instead of|up to|down to|taper)\b/i;

const PATIENT_REQUEST = /\b(prescrib\w*|add|give me|can i (?:get|have)|could you|would you|i want|start|switch|try|plan item|put me on)\b/i;

function medMentions(s: Sentence, planMode: boolean): MedMention[] {
  const text = s.digits;
  const out: MedMention[] = [];
  DOSE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = DOSE_RE.exec(text)) !== null && guard++ < 20) {
    const value = m[1];
    const unit = m[2];
    if (value === undefined || unit === undefined) continue;
    const before = text.slice(Math.max(0, m.index - 60), m.index);
    const name = drugNameBefore(before);
    if (name === null) continue;
    let after = text.slice(m.index + m[0].length, m.index + m[0].length + 80).replace(/^[\s,]+/, '');
    let route: string | null = null;
    const r = ROUTE_RE.exec(after);
    if (r?.[1] !== undefined) {
      route = r[1].toLowerCase().replace(/^each nostril$/, 'in each nostril');
      after = after.slice(r[0].length).replace(/^[\s,]+/, '');
    }
    let frequency: string | null = null;
    for (const [re, fmt] of FREQS) {
      const f = re.exec(after);
      if (f !== null) {
        frequency = fmt(f);
        after = after.slice(f[0].length);
        // "every night at bedtime", "three times daily as needed for cough"
        const more = /^\s*(?:at bedtime|as needed(?: for [a-z ]{1,30})?|when needed)/i.exec(after);
        if (more !== null && !frequency.includes('as needed') && frequency !== 'as needed') {
          if (/needed/i.test(more[0])) frequency += ' as needed';
          after = after.slice(more[0].length);
        }
        break;
      }
    }
    const extraM = /^\s*((?:for \d+ (?:days?|weeks?|months?)|with food|before breakfast|on an empty stomach|for (?:cough|pain|sleep|headache|anxiety|nausea)|instead of [A-Za-z-]+)(?:[ ,]+(?:for \d+ (?:days?|weeks?|months?)|with food|before breakfast|instead of [A-Za-z-]+))*)/i.exec(after);
    const extra = extraM?.[1]?.trim() ?? '';
    const beforeClause = before.split(/[.;]|,\s*then\b|\bthen\b|\balso\b/i).pop() ?? '';
    const plan = s.role === 'clinician' && (planMode || PLAN_VERB.test(beforeClause) || /\bcontinue\b/i.test(beforeClause));
    // A patient asking for a drug ("could you prescribe X 80 mg") is a request, not a current medication.
    if (s.role === 'patient' && PATIENT_REQUEST.test(beforeClause.split(/,|\band\b/i).pop() ?? '')) continue;
    out.push({ name, dose: canonicalDose(value, unit), route, frequency, extra, sentence: s, plan });
  }
  return out;
}

function medText(m: Pick<MedMention, 'name' | 'dose' | 'route' | 'frequency'>): string {
  return [m.name, m.dose, m.route, m.frequency].filter((x): x is string => x !== null && x !== '').join(' ');
}

// ---------------------------------------------------------------------------------------------
// Allergies

const ALLERGEN_LIST = [...ALLERGENS, ...DRUGS].sort((a, b) => b.length - a.length);
const ALLERGEN_RE = new RegExp(`\\b(${ALLERGEN_LIST.map((a) => a.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})\\b`, 'gi');
const NKA_RE = /\b(no (known )?(drug |medication )?allergies|nkda|not allergic|no,? (none|nothing)|none that i know|i don't have any allergies|no allergies)\b|^(no|nope|none)\b/i;

function extractAllergies(sentences: readonly Sentence[]): { items: Fact[]; nka: Fact | null } {
  const items = new Map<string, Fact>();
  const nkaIds: string[] = [];
  for (const s of sentences) {
    const lower = s.text.toLowerCase();
    const inAnswer = s.role === 'patient' && s.topic === 'allergy';
    const stated = /\ballergic to\b|\ballergy to\b|\ballergies? (?:to|include)\b/i.test(s.text) && !s.question;
    if (!inAnswer && !stated) continue;
    if (NKA_RE.test(lower) && !/\b(yes|but)\b/i.test(lower)) {
      for (const id of s.segs) if (!nkaIds.includes(id)) nkaIds.push(id);
      continue;
    }
    // "Yes, shellfish, I swell up. And aspirin, it bothers my stomach."
    const parts = s.text.split(/(?:\.\s+|;\s*)(?:and\s+)?|\band\b/i);
    for (const part of parts) {
      ALLERGEN_RE.lastIndex = 0;
      const m = ALLERGEN_RE.exec(part);
      if (m?.[1] === undefined) continue;
      const allergen = m[1].toLowerCase();
      if (/\bnot allergic|\bno allerg/i.test(part)) continue;
      const reaction = part
        .slice(m.index + m[0].length)
        .replace(/^[\s,:-]+/, '')
        .replace(/^(it|they|that)\s+(gives?|makes?|made|gave)\s+me\s+/i, '')
        .replace(/^(I|it)\s+(get|got|break out in)\s+/i, '')
        .replace(/\.$/, '')
        .trim();
      const reactionText = reaction.length > 0 && reaction.length < 60 && !ADMIN_WORDS.test(reaction)
        ? ` (reaction: ${toThirdPerson(reaction, 'unknown').replace(/^The patient\b/, 'the patient').replace(/^./, (c) => c.toLowerCase())})`
        : '';
      const prev = items.get(allergen);
      items.set(allergen, {
        text: prev?.text ?? `${capitalize(allergen)}${reactionText}.`,
        evidence: mergeIds(prev?.evidence ?? [], s.segs),
      });
    }
  }
  const nka: Fact | null = nkaIds.length > 0 ? { text: 'No known drug allergies.', evidence: nkaIds.slice(0, 64) } : null;
  return { items: [...items.values()], nka: items.size > 0 ? null : nka };
}

// ---------------------------------------------------------------------------------------------
// Symptoms and pertinent negatives

const SYMPTOM_LIST = [...SYMPTOMS].sort((a, b) => b.length - a.length);
const SYMPTOM_RE = new RegExp(`\\b(${SYMPTOM_LIST.map((a) => a.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})\\b`, 'gi');
const NEG_RE = /\b(no|denies|denied|without|never|not had|haven't had|hasn't had|haven't noticed|don't have|doesn't have|any)\b([^.,;]{0,40})/gi;

function symptomsIn(s: Sentence): { pos: string[]; neg: string[] } {
  const text = s.text;
  const neg = new Set<string>();
  NEG_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = NEG_RE.exec(text)) !== null && guard++ < 10) {
    if (m[1]?.toLowerCase() === 'any' && s.role === 'patient') continue;
    if (m[1]?.toLowerCase() === 'any') continue;
    const span = m[2] ?? '';
    SYMPTOM_RE.lastIndex = 0;
    let k: RegExpExecArray | null;
    let g2 = 0;
    while ((k = SYMPTOM_RE.exec(span)) !== null && g2++ < 6) if (k[1] !== undefined) neg.add(k[1].toLowerCase());
  }
  const pos = new Set<string>();
  SYMPTOM_RE.lastIndex = 0;
  let k: RegExpExecArray | null;
  let g3 = 0;
  while ((k = SYMPTOM_RE.exec(text)) !== null && g3++ < 10) {
    const w = k[1]?.toLowerCase();
    if (w !== undefined && !neg.has(w)) pos.add(w);
  }
  return { pos: [...pos], neg: [...neg] };
}

// ---------------------------------------------------------------------------------------------
// Clinician statements: exam, results, assessment, plan, follow-up

const EXAM_CUE = /^(?:okay,?\s*|alright,?\s*|so,?\s*)*(?:on (?:physical )?exam(?:ination)?,?|your exam today:?|exam(?:ination)? (?:today )?(?:shows|is|was):?|let me take a look\.?|listening and looking,?|on camera,?|from what i can see(?: on the screen)?,?|i'm limited on video,? but|on (?:my )?(?:physical )?exam(?:ination)?,?)\s*/i;
const EXAM_WORDS = /\b(incisions?|healed|healing|redness|erythema|scars?|bruising|ecchymosis|wound|lungs?|heart|abdomen|abdominal|tender(?:ness)?|murmur|auscultation|range of motion|swelling|edema|reflexes|strength|pupils|throat|tonsils|ears?|tympanic|rash|lesion|neck|thyroid|lymph|palpation|wheez\w*|crackles|rales|gait|sensation|pulses|skin|eyes?|mucosa|effusion|straight leg raise|clear|regular rate)\b/i;
const RESULT_CUE = /\b(your (?:tsh|a1c|hemoglobin|cholesterol|ldl|labs?|blood work|x-?ray|ct|cat scan|mri|ekg|ecg|echo(?:cardiogram)?|ultrasound|results?|urine|culture|test|swab|biopsy|potassium|sodium|creatinine|kidney function|glucose|sugar)|came back|showed|shows|revealed|demonstrated?s?|lab work|results? (?:was|were|showed))\b/i;
const DX_CUES: readonly RegExp[] = [
  /\b(?:putting it (?:all )?together,? (?:it's|it is|this is|you have)|this looks like|this sounds like|consistent with|my assessment is|my impression is|(?:the )?diagnosis is|I think (?:this is|you have|it's|that you have|you've got)|I believe (?:this is|you have)|I suspect|you(?:'ve| have) got|this is likely|most likely)\s+(.+)$/i,
];
const PROBLEM_CUE = /\b(?:for|regarding|with regards? to|in regards? to|as (?:far as|for)|moving on to|in terms of|now,? for)\s+(?:your|the)\s+(?:(?:first|next|last|second|third|fourth|final|other)\s+)?(?:(?:problem|issue)(?:,|\s+is|\s+of)?\s+(?:your|the|which is)?\s*)?([a-z][a-z' -]{2,40}?)(?:,|\.|\s+(?:i|we|you|it|let's|the|my|it's|is|that|there)\b|$)/i;
const PLAN_CUE = /^(?:so,?\s*)?(?:here's the plan:?|the plan is:?|what i(?:'d| would) like to do is|my plan is|plan:)\s*/i;
const PLAN_STMT = /\b(i(?:'d| would) like (?:to|you to)|i want (?:to|you to)|we(?:'ll| will| are going to|'re going to)|i(?:'m| am) going to|let's|i(?:'ll| will)|i recommend|recommend|prescrib\w*|order(?:ing)?|refer(?:ral)?|schedul\w*|continue|increase|decrease|start|stop|hold|recheck|repeat|check|get (?:an? |some )?(?:x-?ray|mri|ct|labs?|blood work|ultrasound|echo)|physical therapy|follow up|come back|avoid|ice|rest|elevat\w*)\b/i;
const FOLLOW_CUE = /\b(follow(?:-| )up|come back|see you back|back in (?:\d+|a|one|two|three|four|six|a couple)|return (?:to clinic|in)|book you|have you down for|next visit|recheck in|see you in)\b/i;

const PRECAUTION_CUE = /\b(call (?:us|me|the office|911)|go to the (?:er|emergency)|emergency room|if (?:it|things|anything|that|the \w+) (?:gets?|get) worse|warning signs|seek (?:care|help))\b/i;

/** Body systems, for labelling exam findings the way notes group them. Generic anatomy words only. */
const SYSTEMS: ReadonlyArray<[string, RegExp]> = [
  ['Cardiovascular', /\b(heart|murmur|rhythm|pulses?|edema|carotid|gallops?|rubs?|capillary refill)\b/i],
  ['Respiratory', /\b(lungs?|breath sounds|wheez\w*|crackles|rales|rhonchi|auscultation)\b/i],
  ['Gastrointestinal', /\b(abdomen|abdominal|bowel sounds|liver|spleen|quadrant|rebound|guarding)\b/i],
  ['Musculoskeletal', /\b(knee|ankle|shoulder|hip|elbow|wrist|spine|lumbar|back|joint|range of motion|muscle|strength|tender\w*|swelling|effusion|ligament|straight leg|foot|hand|fingers?)\b/i],
  ['Neurological', /\b(neuro\w*|reflexes|sensation|cranial|gait|numbness|motor)\b/i],
  ['Skin', /\b(skin|rash|lesion|wound|incision|erythema|bruising|ecchymosis)\b/i],
  ['HEENT', /\b(ears?|tympanic|throat|tonsils|pharynx|nose|nasal|sinus\w*|eyes?|pupils|neck|thyroid|lymph nodes?|mouth)\b/i],
  ['Psychiatric', /\b(mood|affect|anxious|depressed|thought|judg\w*|insight|engaged)\b/i],
];

function cleanExam(t: string, gender: Gender): string {
  const body = capitalize(clinicalStyle(trimHedges(secondToThird(t.replace(EXAM_CUE, ''), gender))));
  const system = SYSTEMS.find(([, re]) => re.test(body))?.[0];
  return endWithPeriod(system === undefined ? body : `${system}: ${body}`);
}

function cleanClinician(t: string, gender: Gender): string {
  return endWithPeriod(capitalize(noteTense(clinicalStyle(trimHedges(secondToThird(stripLeadIn(t), gender))))));
}

/** Spoken future → written plan ("we're going to order" → "we will order", "I'm gonna" → "I will"). */
function noteTense(t: string): string {
  return t
    .replace(/\b(?:we're|we are) going to\b/gi, 'we will')
    .replace(/\b(?:I'm|I am) going to\b/g, 'I will')
    .replace(/\bwe'll\b/gi, 'we will')
    .replace(/\bI'll\b/g, 'I will')
    .replace(/\b(?:I'd|I would) like to\b/g, 'I will')
    .replace(/\bI want to\b/g, 'I will')
    .replace(/\blet's\b/gi, 'we will');
}

/** Where the assessment-and-plan part of the visit starts. */
const AP_START = /\b(assessment and (?:my )?plan|my assessment|(?:for|regarding|with) (?:your|the) (?:first|next|last|second|third)? ?(?:problem|issue)|let's talk (?:a little bit )?about (?:my|the|your) (?:assessment|plan|diagnosis)|my impression|putting it (?:all )?together|here's the plan|what i(?:'d| would) like to do is|this looks like|i think this is)\b/i;
/** Strong plan cues that count anywhere in the visit. */
const PLAN_STRONG = /\b(prescrib\w*|order(?:ing)?|refer(?:ral|ring)?|recommend\w*|i want you to|i'd like you to|start you on|schedul\w*|we'll (?:get|check|order|start|increase|send|do)|i'm going to (?:order|prescribe|refer|send|start|increase)|refill)\b/i;
/** Ambient-scribe voice commands ("hey dragon, show me the vitals"): not content, except an order. */
const VOICE_COMMAND = /\b(hey,? )?(dragon|dax)\b/i;
/** Exam vocabulary in a sentence that is history or a prompt, not a finding ("a 57-year-old with heart failure", "tell me about your heart"). */
const NOT_EXAM = /\b(year-old|years? old|presents|history of|tell me|how (?:is|are|has|have)|doing (?:well|okay|ok|good|great|fine))\b/i;
/** A question left without its question mark ("do you need a refill"), after the pronoun rewrite. */
const QUESTION_ITEM = /^(?:do|does|did|are|is|was|were|can|could|would|have|has|any)\s+(?:he|she|they|the patient|you|we|i|him|her|them)\b/i;
/** A greeting, not history. */
const GREETING = /^(?:hey|hi|hello|good (?:morning|afternoon|evening)|nice to (?:see|meet) you)\b[^.?!]{0,30}[.?!]?$/i;
const PLAN_FILLER = /^(let's go ahead|all right|alright|okay|ok|good to see you|the nurse will be in|sounds good|perfect|great|any questions)\b[^.]{0,20}\.?$/i;
const CC_DICTATION = /\b(?:presents?|presenting|is here|are here|comes? in|coming in|here today|seen today)\s+(?:today\s+)?(?:for|with)\s+(?:an?\s+|his\s+|her\s+|their\s+|the\s+)?([a-z][^,.;]{2,60}?)(?:\s+(?:today|as well|that)\b|[,.;]|$)/i;

function splitPlanItems(t: string): string[] {
  return t
    .split(/;\s*|,?\s+then\s+|(?<!\b(?:Dr|Mr|Mrs|Ms|St|vs))\.\s+(?:also,?\s+)?|,\s*also,?\s+|\s+and then\s+/i)
    .map((x) => stripLeadIn(x.replace(/^also,?\s*/i, '')).replace(/[.\s]+$/, '').trim())
    .filter((x) => x.length >= 3);
}

// ---------------------------------------------------------------------------------------------

export function mergeIds(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out.slice(0, 64);
}

/** Runs of `[a-z']` in the lower-cased text: the word count the filler test uses, without splitting. */
function wordRuns(t: string): number {
  const lower = t.toLowerCase();
  let n = 0;
  let inWord = false;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const w = (c >= 97 && c <= 122) || c === 39;
    if (w && !inWord) n++;
    inWord = w;
  }
  return n;
}

function isFiller(t: string): boolean {
  const w = wordRuns(t);
  if (w <= 2) return true;
  return w <= 6 && /^(okay|ok|alright|all right|yes|yeah|no|sure|thanks|thank you|great|perfect|sounds good|that works|got it|mm-?hmm|uh-?huh|right)\b[\s\w,']{0,25}$/i.test(t);
}

const NO_ANSWER = /^(?:no|nope|nah|not really|none|never|negative|i haven't|i have not|i don't think so|not that i)\b/i;
const YES_ANSWER = /^(?:yes|yeah|yep|yup|i have|i do|a little|sometimes|mm-hmm|definitely)\b/i;

const REPORTED_SPEECH = true;
const AP_FALLBACK = 0.65;
const CLINICIAN_HISTORY = true;
const MIN_CONTENT_RATIO = 0.3;
const MIN_CONTENT_WORDS = 2;

/** Mentions a symptom, a body part or a drug. */
function clinicalTerms(t: string): boolean {
  SYMPTOM_RE.lastIndex = 0;
  ALLERGEN_RE.lastIndex = 0;
  return SYMPTOM_RE.test(t) || ALLERGEN_RE.test(t) || SYSTEMS.some(([, re]) => re.test(t)) || /\b(hurt|injur\w*|fell|fall|surgery|diagnos\w*|medication|blood pressure|sugar|diabetes|hypertension|infection)\b/i.test(t);
}

function informative(t: string): boolean {
  const c = contentRatio(t);
  return c.ratio >= MIN_CONTENT_RATIO && c.content >= MIN_CONTENT_WORDS;
}

/** A longer patient statement outside any recognised question is still history. */
const HPI_MIN_WORDS = 6;

const TELEHEALTH_RE = /\b(video|on camera|on the screen|can you see and hear me|can you hear me|telehealth|virtual visit|connection|the link)\b/i;

export function readFacts(segments: readonly NoteSegment[]): VisitFacts {
  const sentences = readSentences(segments);
  const gender = inferGender(sentences);
  const readings = sentences.map(sentenceVitals);
  const facts: VisitFacts = {
    gender,
    telehealth: null,
    chiefComplaint: null,
    hpi: [],
    history: [],
    medications: [],
    allergies: [],
    noKnownAllergies: null,
    vitals: foldVitals(sentences, readings),
    positives: [],
    negatives: [],
    exam: [],
    results: [],
    assessment: [],
    plan: [],
    followUp: [],
    precautions: [],
  };

  // Sentences read as vital signs are not exam findings (but may still carry a plan).
  const vitalSentenceIds = new Set(
    sentences.filter((s, i) => (readings[i]?.length ?? 0) > 0 && !PLAN_CUE.test(s.text) && !PLAN_STMT.test(s.text)),
  );
  const turnTopic = new Map<number, Topic>();
  for (const s of sentences) if (s.role === 'clinician' && s.question && s.topic !== 'none') turnTopic.set(s.turn, s.topic);
  const preamble = new Set(
    sentences.filter((s) => {
      const t = turnTopic.get(s.turn);
      return s.role === 'clinician' && !s.question && t !== undefined && t !== 'closing' && t !== 'hpi' && t !== 'cc' && !FOLLOW_CUE.test(s.text);
    }),
  );
  const al = extractAllergies(sentences);
  facts.allergies = al.items;
  facts.noKnownAllergies = al.nka;

  const meds = new Map<string, Medication>();
  const planSeen = new Set<string>();
  const addPlan = (text: string, segs: readonly string[]): void => {
    const key = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
    if (key.length < 3 || planSeen.has(key) || QUESTION_ITEM.test(text)) return;
    planSeen.add(key);
    facts.plan.push({ text: endWithPeriod(capitalize(clinicalStyle(text))), evidence: [...segs] });
  };
  const dxSeen = new Set<string>();
  const addDx = (text: string, segs: readonly string[]): void => {
    const t = text.replace(/^(an?|the)\s+/i, '').replace(/[.,;\s]+$/, '').trim();
    const key = t.toLowerCase();
    if (/^(you|your|the patient|it|that|this|we|i|a little|problem|issue|first|next|last)\b/i.test(t) || /\b(you|your)\b/i.test(t)) return;
    if (t.length < 3 || t.split(/\s+/).length > 14 || dxSeen.has(key)) return;
    dxSeen.add(key);
    facts.assessment.push({ text: endWithPeriod(capitalize(t)), evidence: [...segs] });
  };
  const pos = new Map<string, Fact>();
  const neg = new Map<string, Fact>();

  let planTurn = -1;
  // Where the assessment and plan starts: the first cue ("my assessment", "for your first problem"),
  // else the last third of what the clinician says (visits end with the plan).
  let apStart = sentences.findIndex((s) => s.role === 'clinician' && !s.question && AP_START.test(s.text));
  if (apStart < 0) {
    const clin = sentences.map((s, i) => (s.role === 'clinician' ? i : -1)).filter((i) => i >= 0);
    apStart = clin[Math.floor(clin.length * AP_FALLBACK)] ?? sentences.length;
  }
  let lastQuestion: Sentence | null = null;
  let lastAnswerTurn = -1;
  let lastHpiTurn = -1;
  let dictatedCc: Fact | null = null;
  let ccTurn = -1;
  const telehealthIds: string[] = [];

  for (let si = 0; si < sentences.length; si++) {
    const s = sentences[si];
    if (s === undefined) break;
    if (TELEHEALTH_RE.test(s.text) && telehealthIds.length < 3) telehealthIds.push(...s.segs.filter((id) => !telehealthIds.includes(id)));

    // Medications anywhere (current list vs plan decided per mention).
    const planMode = s.role === 'clinician' && planTurn === s.turn;
    for (const mm of medMentions(s, planMode)) {
      const key = mm.name.toLowerCase();
      const current = !mm.plan || /\bcontinue\b/i.test(s.text.split(mm.name)[0]?.split(/[;.]|then|also/i).pop() ?? '');
      if (!current) continue;
      const prev = meds.get(key);
      const better = prev === undefined || (prev.frequency === null && mm.frequency !== null);
      if (better) {
        meds.set(key, {
          name: mm.name,
          dose: mm.dose,
          route: mm.route,
          frequency: mm.frequency,
          text: endWithPeriod(capitalize(medText(mm))),
          evidence: mergeIds(prev?.evidence ?? [], s.segs),
        });
      } else if (prev !== undefined) {
        prev.evidence = mergeIds(prev.evidence, s.segs);
      }
    }

    if (s.admin || s.topic === 'admin') continue;

    if (s.role === 'clinician' && s.question) lastQuestion = s;
    if (s.role === 'patient' && s.turn !== lastAnswerTurn && lastQuestion !== null && lastQuestion.turn === s.turn - 1) {
      // A yes/no answer to "any chest pain or fever?" is a pertinent positive or negative.
      lastAnswerTurn = s.turn;
      const asked = symptomsIn({ ...lastQuestion, role: 'patient' }).pos;
      const target = NO_ANSWER.test(s.text) ? neg : YES_ANSWER.test(s.text) ? pos : null;
      if (target !== null && asked.length > 0 && asked.length <= 4) {
        for (const a of asked) {
          const prev = target.get(a);
          target.set(a, { text: a, evidence: mergeIds(prev?.evidence ?? [], [...lastQuestion.segs, ...s.segs]) });
        }
      }
    }
    if (s.role === 'patient') {
      const sym = symptomsIn(s);
      for (const p of sym.pos) if (s.topic === 'cc' || s.topic === 'hpi' || s.topic === 'none') {
        const prev = pos.get(p);
        pos.set(p, { text: p, evidence: mergeIds(prev?.evidence ?? [], s.segs) });
      }
      for (const p of sym.neg) {
        const prev = neg.get(p);
        neg.set(p, { text: p, evidence: mergeIds(prev?.evidence ?? [], s.segs) });
      }
      if (isFiller(s.text) || s.question || GREETING.test(s.text)) continue;
      if (s.topic === 'cc' && facts.chiefComplaint === null && !s.question) {
        const cc = stripLeadIn(s.text).replace(/[.!]+$/, '');
        facts.chiefComplaint = { text: `"${capitalize(cc)}."`, evidence: [...s.segs] };
        ccTurn = s.turn;
      }
      if (s.topic === 'cc' || s.topic === 'hpi' || (s.topic === 'none' && (sym.pos.length > 0 || s.turn === ccTurn || s.text.split(/\s+/).length >= HPI_MIN_WORDS))) {
        let h = clinicalStyle(trimHedges(toThirdPerson(stripLeadIn(s.text), gender)));
        // The first thing said in a turn is reported speech: "He reports that he ...".
        if (REPORTED_SPEECH && s.turn !== lastHpiTurn && gender !== 'unknown' && /^(he|she) /i.test(h)) {
          const who = gender === 'male' ? 'He' : 'She';
          h = `${who} reports that ${h.charAt(0).toLowerCase()}${h.slice(1)}`;
        }
        lastHpiTurn = s.turn;
        if (informative(h) || s.topic === 'cc') facts.hpi.push({ text: endWithPeriod(h), evidence: [...s.segs] });
      } else if (s.topic === 'history') {
        facts.history.push({ text: endWithPeriod(toThirdPerson(stripLeadIn(s.text), gender)), evidence: [...s.segs] });
      }
      continue;
    }

    // Clinician
    if (s.question) continue;
    // Lead-in to a question about something else ("Let's go over your medicines. What are you on?").
    if (preamble.has(s)) continue;
    let text = s.text;
    if (VOICE_COMMAND.test(text)) {
      // "hey dragon, order a refill of X": keep the order, drop the command words; anything else is not content.
      const order = /\b((?:order|prescribe|refer|send)\b.*)$/i.exec(text)?.[1];
      if (order === undefined) continue;
      text = order;
    }
    // Vitals read aloud are already captured as readings.
    if (vitalSentenceIds.has(s)) continue;
    const ccD = CC_DICTATION.exec(text);
    if (ccD?.[1] !== undefined && dictatedCc === null && !/\b(you|your)\b/i.test(ccD[1])) {
      dictatedCc = { text: endWithPeriod(capitalize(ccD[1].trim())), evidence: [...s.segs] };
    }
    const inAp = si >= apStart;
    if (EXAM_CUE.test(text) || (EXAM_WORDS.test(text) && !NOT_EXAM.test(text) && !PLAN_STMT.test(text) && !RESULT_CUE.test(text) && planTurn !== s.turn && !DX_CUES.some((r) => r.test(text)))) {
      if (EXAM_CUE.test(text) || /\b(exam|look|listen|appear|see|feel|notice)\w*\b/i.test(text) || EXAM_WORDS.test(text)) {
        const cleaned = cleanExam(text, gender);
        if (cleaned.length > 3) facts.exam.push({ text: cleaned, evidence: [...s.segs] });
        continue;
      }
    }
    if (RESULT_CUE.test(text) && !PLAN_CUE.test(text)) {
      facts.results.push({ text: cleanClinician(text, gender), evidence: [...s.segs] });
      // A result sentence can also carry the impression ("Your TSH was 7.9. So this looks like ...").
    }
    let dxHit = false;
    for (const re of DX_CUES) {
      const m = re.exec(text);
      if (m?.[1] !== undefined) {
        // "it's X. So, plan" — cut the diagnosis at a plan lead-in if one follows in the sentence.
        const dx = m[1].split(/[.;]|,\s*(?:so|and i|i'd|we'll|which)\b|\s+(?:so|and so)\s+/i)[0] ?? '';
        addDx(dx, s.segs);
        dxHit = true;
        planTurn = s.turn;
        break;
      }
    }
    const pm = PROBLEM_CUE.exec(text);
    if (pm?.[1] !== undefined && !ADMIN_WORDS.test(pm[1])) addDx(pm[1], s.segs);
    if (dxHit) continue;
    if (PRECAUTION_CUE.test(text)) {
      facts.precautions.push({ text: cleanClinician(text, gender), evidence: [...s.segs] });
      continue;
    }
    if (FOLLOW_CUE.test(text)) {
      facts.followUp.push({ text: cleanClinician(text.replace(/\s*any questions\??$/i, ''), gender), evidence: [...s.segs] });
      continue;
    }
    if (PLAN_CUE.test(text)) {
      planTurn = s.turn;
      for (const item of splitPlanItems(text.replace(PLAN_CUE, ''))) addPlan(item, s.segs);
      continue;
    }
    if (planTurn === s.turn) {
      for (const item of splitPlanItems(text)) addPlan(secondToThird(item, gender), s.segs);
      continue;
    }
    if (PLAN_FILLER.test(text) || isFiller(text)) continue;
    if (PLAN_STRONG.test(text) || (inAp && informative(text) && !/\b(year-old|years? old|presents)\b/i.test(text))) {
      addPlan(cleanClinician(text, gender).replace(/\.$/, ''), s.segs);
      continue;
    }
    if (/\b(year-old|years? old|presents|history of|here (?:today )?for)\b/i.test(text)) {
      facts.hpi.push({ text: cleanClinician(text, gender), evidence: [...s.segs] });
    } else if (CLINICIAN_HISTORY && !inAp && /\b(you|your)\b/i.test(text) && informative(text) && !EXAM_WORDS.test(text) && clinicalTerms(text)) {
      // The clinician summarising what the patient said ("I see you hurt your left ankle").
      facts.hpi.push({ text: cleanClinician(text, gender), evidence: [...s.segs] });
    }
  }

  if (dictatedCc !== null) facts.chiefComplaint = dictatedCc;
  facts.medications = [...meds.values()];
  facts.positives = [...pos.values()];
  facts.negatives = [...neg.values()].filter((f) => !pos.has(f.text));
  if (telehealthIds.length > 0) facts.telehealth = { text: 'Visit conducted by video (telehealth).', evidence: telehealthIds };
  return facts;
}
