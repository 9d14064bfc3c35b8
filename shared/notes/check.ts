/**
 * Output check helpers: what must hold for any note before it leaves the provider, whoever wrote
 * it (extractor or LLM). Pure; returns counts only (never text), so the result is safe to log.
 */
import type { Note, NoteRequest, TemplateId } from '../api.ts';
import { PLACEHOLDER_RE } from '../placeholder.ts';
import { templateSections } from './templates.ts';

export interface NoteProblems {
  /** Statements whose evidence list is empty. */
  statementsWithoutEvidence: number;
  /** Evidence ids that name no input segment. */
  unknownEvidenceIds: number;
  /** Placeholders in the note that the input never had. */
  foreignPlaceholders: number;
  /** Sections out of the template's layout (missing, extra or reordered). */
  layoutMismatch: boolean;
}

/** One compiled copy (the type alternation is long; compiling it per call cost more than the scan). */
const PLACEHOLDER_SCAN = new RegExp(PLACEHOLDER_RE.source, 'g');

export function placeholdersIn(text: string): Set<string> {
  const out = new Set<string>();
  // Synchronous and reset before use, so sharing the global regex's lastIndex is safe.
  const re = PLACEHOLDER_SCAN;
  re.lastIndex = 0;
  if (!text.includes('[')) return out;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(text)) !== null && guard++ < 100_000) out.add(m[0]);
  return out;
}

export function noteProblems(note: Note, req: Pick<NoteRequest, 'segments'> & { template?: TemplateId }): NoteProblems {
  const ids = new Set(req.segments.map((s) => s.id));
  const inputPlaceholders = new Set<string>();
  for (const s of req.segments) for (const p of placeholdersIn(s.text)) inputPlaceholders.add(p);
  let statementsWithoutEvidence = 0;
  let unknownEvidenceIds = 0;
  let foreignPlaceholders = 0;
  for (const section of note.sections) {
    for (const st of section.statements) {
      if (st.evidence.length === 0) statementsWithoutEvidence++;
      for (const e of st.evidence) if (!ids.has(e)) unknownEvidenceIds++;
      for (const p of placeholdersIn(st.text)) if (!inputPlaceholders.has(p)) foreignPlaceholders++;
    }
  }
  let layoutMismatch = false;
  if (req.template !== undefined) {
    const want = templateSections(req.template).map((s) => s.key);
    const got = note.sections.map((s) => s.key);
    layoutMismatch = want.length !== got.length || want.some((k, i) => got[i] !== k);
  }
  return { statementsWithoutEvidence, unknownEvidenceIds, foreignPlaceholders, layoutMismatch };
}

export function noteIsSound(p: NoteProblems): boolean {
  return p.statementsWithoutEvidence === 0 && p.unknownEvidenceIds === 0 && p.foreignPlaceholders === 0 && !p.layoutMismatch;
}
