/**
 * Offline note CLI: one visit per input line → one JSON line per visit `{id, note, text}`.
 *
 *   npx tsx scripts/note.ts --in visits.jsonl [--template soap] [--placeholders]
 *
 * Input lines: `{id, segments:[{id, speaker, text, t0?, t1?}], banner?}` or the eval format
 * `{id, turns:[{speaker, text}], banner?, ...}` (other eval keys are ignored). `--in -` reads stdin.
 * The path is the extension's: minimize (on device) → extractor on the placeholdered transcript →
 * restore placeholders in the note. No network. `--placeholders` prints the note before restore.
 * A line that cannot be used prints `{line, error}` with a code only, and the exit status is 1.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LIMITS, NoteRequest, TemplateId, type ApiSpeaker, type Note, type NoteSegment } from '../shared/api.ts';
import { extractNote } from '../shared/notes/extractor.ts';
import { renderText } from '../shared/notes/render.ts';
import { restore, safeMinimizeVisit, type Banner, type MinimizeResult } from '../extension/lib/minimize/index.ts';

const InSegment = z
  .object({
    id: z.union([z.string().max(128), z.number().int()]).optional(),
    speaker: z.string().min(1).max(64),
    text: z.string().max(200_000),
    t0: z.number().finite().nonnegative().optional(),
    t1: z.number().finite().nonnegative().optional(),
  })
  .passthrough();
const InBanner = z.object({ name: z.string().max(200).optional(), dob: z.string().max(40).optional(), mrn: z.string().max(64).optional() }).passthrough();
// Eval lines carry labels (facts, phi, audio...): extra keys are allowed here and never read.
const InVisit = z
  .object({
    id: z.union([z.string().max(128), z.number().int()]),
    segments: z.array(InSegment).max(20_000).optional(),
    turns: z.array(InSegment).max(20_000).optional(),
    banner: InBanner.nullish(),
  })
  .passthrough()
  .refine((v) => (v.segments ?? v.turns) !== undefined, { message: 'no segments' });

export type CliErrorCode = 'bad_json' | 'bad_visit' | 'minimize_failed' | 'bad_request' | 'internal';

function speakerOf(raw: string): ApiSpeaker {
  const s = raw.toLowerCase();
  if (/^(clinician|doctor|provider|physician|nurse|np|pa|dr)$/.test(s)) return 'clinician';
  if (s === 'patient') return 'patient';
  if (s === 'remote') return 'remote';
  if (/family|guest|caregiver|parent|spouse/.test(s)) return 'family';
  if (s === 'speaker1' || s === 'speaker2') return s;
  return 'unlabelled';
}

/** Cut a long turn at sentence ends so every segment fits the contract's bound. */
function chunks(text: string, max = LIMITS.maxSegmentChars - 100): string[] {
  const out: string[] = [];
  let rest = text;
  let guard = 0;
  while (rest.length > max && guard++ < 1_000) {
    const window = rest.slice(0, max);
    const at = Math.max(window.lastIndexOf('. '), window.lastIndexOf('? '), window.lastIndexOf(' '));
    const cut = at > 0 ? at + 1 : max;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

function restoreNote(note: Note, map: MinimizeResult['map']): Note {
  return {
    sections: note.sections.map((s) => ({
      ...s,
      statements: s.statements.map((st) => ({ ...st, text: restore(st.text, map).text })),
    })),
  };
}

type LineResult = { ok: true; out: { id: string; note: Note; text: string } } | { ok: false; code: CliErrorCode };

export function noteForLine(line: string, template: TemplateId, keepPlaceholders = false): LineResult {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, code: 'bad_json' };
  }
  const parsed = InVisit.safeParse(json);
  if (!parsed.success) return { ok: false, code: 'bad_visit' };
  const visit = parsed.data;
  const input = visit.segments ?? visit.turns ?? [];

  // Segment ids: the given ones when they are safe tokens, else positional.
  const turns = input.map((s, i) => {
    const given = s.id === undefined ? '' : String(s.id);
    const id = /^[A-Za-z0-9_-]{1,56}$/.test(given) ? given : `s${i}`;
    return { id, speaker: s.speaker, text: s.text };
  });
  const ids = new Set<string>();
  for (const t of turns) {
    if (ids.has(t.id)) return { ok: false, code: 'bad_visit' };
    ids.add(t.id);
  }

  const banner: Banner = {};
  if (visit.banner?.name !== undefined) banner.name = visit.banner.name;
  if (visit.banner?.dob !== undefined) banner.dob = visit.banner.dob;
  if (visit.banner?.mrn !== undefined) banner.mrn = visit.banner.mrn;
  const min = safeMinimizeVisit(turns, Object.keys(banner).length > 0 ? { banner } : {});
  if (!min.ok) return { ok: false, code: 'minimize_failed' };

  const segments: NoteSegment[] = [];
  min.value.turns.forEach((t, i) => {
    const src = input[i];
    const t0 = src?.t0 ?? i;
    const t1 = Math.max(src?.t1 ?? t0, t0);
    const parts = chunks(t.text);
    parts.forEach((text, k) => {
      segments.push({ id: parts.length === 1 ? t.id : `${t.id}-${k}`, speaker: speakerOf(t.speaker), t0, t1, text });
    });
  });
  const visitId = /^[A-Za-z0-9_-]{1,64}$/.test(String(visit.id)) ? String(visit.id) : 'visit';
  const req = NoteRequest.safeParse({ visitId, template, segments });
  if (!req.success) return { ok: false, code: 'bad_request' };

  const draft = extractNote(req.data);
  const note = keepPlaceholders ? draft : restoreNote(draft, min.value.map);
  return { ok: true, out: { id: String(visit.id), note, text: renderText(note) } };
}

function main(): number {
  const args = process.argv.slice(2);
  const val = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const inPath = val('--in');
  const template = TemplateId.safeParse(val('--template') ?? 'soap');
  if (inPath === undefined || !template.success) {
    process.stderr.write('usage: tsx scripts/note.ts --in <visits.jsonl|-> [--template soap|hp|progress|telehealth|patient_instructions] [--placeholders]\n');
    return 2;
  }
  const raw = readFileSync(inPath === '-' ? 0 : inPath, 'utf8');
  let failed = 0;
  const lines = raw.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line.length === 0) continue;
    let r: LineResult;
    try {
      r = noteForLine(line, template.data, args.includes('--placeholders'));
    } catch {
      r = { ok: false, code: 'internal' };
    }
    if (r.ok) process.stdout.write(JSON.stringify(r.out) + '\n');
    else {
      failed++;
      // Code and line number only: never the line's content.
      process.stdout.write(JSON.stringify({ line: i + 1, error: r.code }) + '\n');
    }
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) process.exitCode = main();
