/**
 * Canary sweep helpers (tests/e2e/canary-sweep.e2e.ts): the two synthetic visits whose audio holds
 * the canaries, the speech synthesis that made their WAVs, and the readers of places a sweep looks.
 *
 * The audio is synthesized with espeak-ng (Debian package `espeak-ng`) by
 * `npx tsx tests/e2e/lib/sweep.ts` into tests/fixtures/canary/*.wav (16 kHz mono 16-bit, committed,
 * so CI does not need espeak-ng). The invented surnames were chosen because Whisper (base, q8)
 * transcribes espeak's rendering of them exactly; given names are common ones (they are not
 * canaries alone: a common given name may sit in the extension's own first-name lexicon).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'playwright-core';
import { editDistance } from '../../../shared/fuzzy.ts';
import { readWav, wavBytes } from './wav.ts';

export const CANARY_FIXTURES = join(import.meta.dirname, '../../fixtures/canary');

export interface Line {
  /** espeak-ng voice */
  voice: string;
  text: string;
  /** silence before the line, seconds */
  gapS?: number;
}

export interface SweepVisit {
  id: 'in-person' | 'telehealth';
  /** the patient banner of the EHR page (the minimizer reads it as known identifiers) */
  banner: { name: string; dob: string; mrn: string };
  /** identifier canaries: banner strings and the forms Whisper writes for what is spoken */
  identifiers: string[];
  /** the digits of the spoken record number (looked for in the transcript with any separators) */
  mrnDigits: string;
  /** a content canary (made-up history): may travel in the egress payload, nowhere else */
  phrase: string;
  /** the mic track (and, telehealth, the call tab's track) */
  mic: { file: string; lines: Line[] };
  remote?: { file: string; lines: Line[] };
}

const CLIN = 'en-us';
const PAT = 'en-us+f3';

export const VISITS: SweepVisit[] = [
  {
    id: 'in-person',
    banner: { name: 'Pemberwick, Doris', dob: '08/10/1963', mrn: 'ZQ-42831569' },
    identifiers: ['Doris Pemberwick', 'Pemberwick', 'ZQ-42831569', '42831569', '08/10/1963', 'August 10, 1963'],
    mrnDigits: '42831569',
    phrase: 'lantern festival',
    mic: {
      file: 'in-person.wav',
      lines: [
        { voice: CLIN, text: 'Your name, birthday and record number, please?' },
        { voice: PAT, text: 'My name is Doris Pemberwick, born August tenth, nineteen sixty three.', gapS: 0.7 },
        { voice: PAT, text: 'Record number Z Q, four, two, eight, three, one, five, six, nine.', gapS: 0.7 },
        { voice: PAT, text: 'My left foot tingles since the lantern festival.', gapS: 0.7 },
        { voice: PAT, text: 'I take metformin five hundred milligrams twice a day.', gapS: 0.7 },
      ],
    },
  },
  {
    id: 'telehealth',
    banner: { name: 'Winterbottle, Harold', dob: '03/03/1951', mrn: 'ZQ-59132648' },
    identifiers: ['Harold Winterbottle', 'Winterbottle', 'ZQ-59132648', '59132648', '03/03/1951', 'March 3, 1951'],
    mrnDigits: '59132648',
    phrase: 'harvest parade',
    mic: {
      file: 'telehealth.clinician.wav',
      lines: [
        { voice: CLIN, text: 'Hello, this is your video visit. Your name, birthday and record number, please?' },
        { voice: CLIN, text: 'Thank you. What brings you in today?', gapS: 8 },
      ],
    },
    remote: {
      file: 'telehealth.remote.wav',
      lines: [
        { voice: PAT, text: 'My name is Harold Winterbottle, born March third, nineteen fifty one.', gapS: 4 },
        { voice: PAT, text: 'Record number Z Q, five, nine, one, three, two, six, four, eight.', gapS: 0.7 },
        { voice: PAT, text: 'The rash on my elbow started after the harvest parade.', gapS: 3 },
        { voice: PAT, text: 'I take metformin five hundred milligrams twice a day.', gapS: 0.7 },
      ],
    },
  },
];

const RATE = 16_000;

/** Linear-interpolation resampling to 16 kHz (speech only; espeak-ng writes 22.05 kHz). */
function to16k(samples: Float32Array, rate: number): Float32Array {
  if (rate === RATE) return samples;
  const n = Math.floor((samples.length * RATE) / rate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = (i * rate) / RATE;
    const a = Math.floor(x);
    const f = x - a;
    out[i] = (samples[a] ?? 0) * (1 - f) + (samples[a + 1] ?? samples[a] ?? 0) * f;
  }
  return out;
}

/** Drop leading and trailing silence (espeak-ng pads each utterance). */
function trim(x: Float32Array): Float32Array {
  let a = 0;
  let b = x.length;
  while (a < b && Math.abs(x[a]!) < 0.01) a++;
  while (b > a && Math.abs(x[b - 1]!) < 0.01) b--;
  return x.slice(Math.max(0, a - 800), Math.min(x.length, b + 1600));
}

/** Speak the lines with espeak-ng into one 16 kHz mono WAV (plus `tailS` of silence). */
export function synthesize(lines: Line[], out: string, tailS = 1): void {
  const tmp = mkdtempSync(join(tmpdir(), 'scribe-espeak-'));
  try {
    const parts: Float32Array[] = [];
    lines.forEach((l, i) => {
      const f = join(tmp, `${i}.wav`);
      execFileSync('espeak-ng', ['-v', l.voice, '-s', l.voice === CLIN ? '165' : '140', '-w', f, l.text]);
      const w = readWav(f);
      parts.push(new Float32Array(Math.round((l.gapS ?? 0) * RATE)), trim(to16k(w.samples, w.sampleRate)));
    });
    parts.push(new Float32Array(Math.round(tailS * RATE)));
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    writeFileSync(out, wavBytes(all, RATE));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function fixture(file: string): { path: string; durationS: number } {
  const path = join(CANARY_FIXTURES, file);
  return { path, durationS: readWav(path).durationS };
}

/** The EHR page of a visit: the demo EHR with the visit's canary patient in its banner. */
export function ehrPage(template: string, v: SweepVisit): string {
  const html = readFileSync(template, 'utf8');
  return html
    .replace(/(<span data-field="patient-name" class="patient-name">)[^<]*/, `$1${v.banner.name}`)
    .replace(/(<span data-field="dob" class="patient-dob">)[^<]*/, `$1${v.banner.dob}`)
    .replace(/(<span data-field="mrn" class="patient-mrn">)[^<]*/, `$1${v.banner.mrn}`);
}

/**
 * The forms the transcript holds for a visit's spoken identifiers, so the sweep also looks for
 * exactly what Whisper wrote: the record number with whatever separators it put between the
 * digits, the surname in any case, and words (or two adjacent words joined) within edit distance
 * 2 of the surname. `surnameForm` says the ASR wrote the surname in one of these forms: what the
 * sweep then looks for everywhere is what Whisper wrote, so a near-miss spelling is still a
 * canary (and the minimizer's fuzzy banner match must catch it before egress).
 */
export function observedForms(transcript: string, v: SweepVisit): { forms: string[]; surname: boolean; surnameForm: boolean; mrn: boolean; phrase: boolean } {
  const surname = v.identifiers[1]!;
  const forms = new Set<string>();
  const digitRe = new RegExp(v.mrnDigits.split('').join('[\\s,.-]*'));
  const m = digitRe.exec(transcript);
  if (m) forms.add(m[0]);
  const target = surname.toLowerCase();
  const words = transcript.match(/[A-Za-z][A-Za-z'-]+/g) ?? [];
  const near = 2;
  let surnameForm = false;
  // the capitalised word Whisper wrote right after the spoken given name is its surname, however
  // far its spelling ("Harold Wintermodel" for "Harold Winterbottle", 4 edits, seen under load)
  const given = v.identifiers[0]!.split(' ')[0]!;
  for (const g of transcript.matchAll(new RegExp(`\\b${given}[\\s,]+([A-Z][A-Za-z'-]{3,})`, 'g'))) {
    forms.add(g[1]!);
    surnameForm = true;
  }
  for (const [i, w] of words.entries()) {
    if (w.length >= 6 && editDistance(w.toLowerCase(), target, near) <= near) {
      forms.add(w);
      surnameForm = true;
    }
    // the surname split in two ("Winter bottle"): searched for as written, with its space
    const next = words[i + 1];
    if (next !== undefined && editDistance((w + next).toLowerCase(), target, near) <= near) {
      const pair = new RegExp(`${w}[\\s-]+${next}`).exec(transcript);
      if (pair) forms.add(pair[0]);
      forms.add(w + next);
      surnameForm = true;
    }
  }
  return {
    forms: [...forms].filter((f) => f.length >= 6),
    surname: transcript.toLowerCase().includes(target),
    surnameForm,
    mrn: m !== null,
    phrase: transcript.toLowerCase().includes(v.phrase),
  };
}

/**
 * What the minimizer replaced with a NAME or MRN placeholder, as the ASR wrote it: each egress
 * segment's text (placeholders) matched against the same segment of the stored transcript, the
 * placeholders standing for the text between the fixed parts. These are the spoken names and
 * record numbers however Whisper spelt them, so the sweep searches for them everywhere too. A
 * segment whose fixed parts do not line up, or where two placeholders touch, is skipped (the list
 * only ever adds canaries).
 */
export function replacedForms(transcript: ReadonlyMap<string, string>, egressBody: string): string[] {
  let body: { segments?: Array<{ id?: unknown; text?: unknown }> };
  try {
    body = JSON.parse(egressBody) as typeof body;
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const seg of body.segments ?? []) {
    if (typeof seg.id !== 'string' || typeof seg.text !== 'string' || !seg.text.includes('[')) continue;
    const original = transcript.get(seg.id);
    // two placeholders with only spaces between them ("[NAME_1] [DATE_1]") split ambiguously
    if (original === undefined || /\]\s*\[/.test(seg.text)) continue;
    const types: string[] = [];
    const pattern = seg.text
      .split(/(\[[A-Z_]+_\d+\])/)
      .map((part, i) => {
        if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        types.push(part.slice(1, part.lastIndexOf('_')));
        return '(.+?)';
      })
      .join('');
    const m = new RegExp(`^${pattern}$`, 's').exec(original);
    if (!m) continue;
    types.forEach((t, i) => {
      const form = m[i + 1]!.trim();
      if ((t === 'NAME' || t === 'MRN') && form.length >= 5) out.add(form);
    });
  }
  return [...out];
}

/**
 * Everything the extension keeps outside IndexedDB that a script can read, read through the
 * service worker: chrome.storage.{local,session,sync,managed} and every Cache Storage entry
 * (URL, headers and body as text). Returned as one JSON string for the scan.
 */
export async function readExtensionStorage(sw: Worker): Promise<{ text: string; storageKeys: number; cacheEntries: number }> {
  return sw.evaluate(async () => {
    const areas: Record<string, unknown> = {};
    let storageKeys = 0;
    for (const a of ['local', 'session', 'sync', 'managed'] as const) {
      try {
        const v = (await chrome.storage[a].get(null)) as Record<string, unknown>;
        areas[a] = v;
        storageKeys += Object.keys(v).length;
      } catch (e) {
        areas[a] = `unreadable: ${String(e)}`;
      }
    }
    const caches_: Record<string, unknown[]> = {};
    let cacheEntries = 0;
    for (const name of await caches.keys()) {
      const c = await caches.open(name);
      const entries: unknown[] = [];
      for (const req of await c.keys()) {
        const res = await c.match(req);
        entries.push({ url: req.url, headers: res ? [...res.headers] : [], body: res ? await res.clone().text().catch(() => '') : '' });
        cacheEntries++;
      }
      caches_[name] = entries;
    }
    return { text: JSON.stringify({ areas, caches: caches_ }), storageKeys, cacheEntries };
  });
}

// `npx tsx tests/e2e/lib/sweep.ts [in-person|telehealth]`: (re)make the committed WAVs (needs espeak-ng)
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const pick = process.argv.slice(2);
  for (const v of VISITS.filter((x) => pick.length === 0 || pick.includes(x.id))) {
    for (const t of [v.mic, v.remote]) {
      if (!t) continue;
      synthesize(t.lines, join(CANARY_FIXTURES, t.file));
      console.log(t.file, readWav(join(CANARY_FIXTURES, t.file)).durationS.toFixed(1), 's');
    }
  }
}
