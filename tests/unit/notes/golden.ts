/**
 * Golden outputs of the offline extractor: one SHA-256 per visit over the notes of all five
 * templates, for the synthetic eval sets (../shared/eval/dev, dev-text), the public ACI-Bench
 * dialogues and two long concatenated transcripts. Only hashes are checked in (no transcript or
 * note text). Regenerate deliberately: `npx tsx tests/unit/notes/golden.ts --write`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATE_IDS, type NoteSegment } from '../../../shared/api.ts';
import { extractNote } from '../../../shared/notes/extractor.ts';
import { aciSegments } from '../../../bench/notes.ts';
import { parseCsv } from '../../../bench/lib/csv.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const SHARED = process.env.SCRIBE_SHARED_DIR ?? join(ROOT, '..', 'shared');
export const GOLDEN_FILE = join(ROOT, 'tests/fixtures/notes/golden-hashes.json');

interface Turn {
  speaker: string;
  text: string;
}

function speakerOf(s: string): NoteSegment['speaker'] {
  return s === 'clinician' ? 'clinician' : s === 'family' ? 'family' : 'patient';
}

function toSegments(turns: readonly Turn[], prefix = 's'): NoteSegment[] {
  return turns.map((t, i) => ({ id: `${prefix}${i}`, speaker: speakerOf(t.speaker), t0: i, t1: i + 1, text: t.text }));
}

function readVisits(file: string): { id: string; turns: Turn[] }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; turns: Turn[] });
}

/** Every golden case: name → segments. Empty when the shared data is not present. */
export function goldenCases(): Map<string, NoteSegment[]> {
  const cases = new Map<string, NoteSegment[]>();
  for (const set of ['dev', 'dev-text']) {
    const f = join(SHARED, 'eval', set, 'visits.jsonl');
    if (!existsSync(f)) continue;
    const visits = readVisits(f);
    for (const v of visits) cases.set(`${set}/${v.id}`, toSegments(v.turns));
    if (set === 'dev-text') {
      // Long transcripts (the API bench's sizes): visits back to back, ~10 and ~60 minutes.
      for (const [name, count] of [['long-10min', 8], ['long-60min', 50]] as const) {
        const segs: NoteSegment[] = [];
        for (let k = 0; k < count; k++) {
          const v = visits[k % visits.length];
          if (v === undefined) break;
          for (const t of v.turns) segs.push({ id: `s${segs.length + 1}`, speaker: speakerOf(t.speaker), t0: segs.length, t1: segs.length + 1, text: t.text });
        }
        cases.set(`${set}/${name}`, segs);
      }
    }
  }
  const aci = join(SHARED, 'benchmarks', 'aci-bench');
  for (const split of ['train.csv', 'valid.csv', 'clinicalnlp_taskB_test1.csv']) {
    const f = join(aci, split);
    if (!existsSync(f)) continue;
    for (const row of parseCsv(readFileSync(f, 'utf8'))) cases.set(`aci/${split}/${row['encounter_id'] ?? '?'}`, aciSegments(row['dialogue'] ?? ''));
  }
  return cases;
}

export function noteHash(segments: NoteSegment[]): string {
  const h = createHash('sha256');
  for (const template of TEMPLATE_IDS) h.update(JSON.stringify(extractNote({ template, segments }))).update('\n');
  return h.digest('hex');
}

export function computeGolden(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, segs] of goldenCases()) out[name] = noteHash(segs);
  return out;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}` && process.argv.includes('--write')) {
  const hashes = computeGolden();
  writeFileSync(GOLDEN_FILE, JSON.stringify({ note: 'sha256 over JSON of the 5 template notes per case; see tests/unit/notes/golden.ts', cases: hashes }, null, 1) + '\n');
  process.stdout.write(`${Object.keys(hashes).length} cases\n`);
}
