import type { Note, NoteRequest } from '../../../shared/api.ts';
import type { ProviderFailure } from '../log.ts';
import { llmNoteSchema } from '../prompts/note-prompt.ts';
import { TEMPLATES } from '../../../shared/notes/templates.ts';

export type ParsedLlm = { ok: true; note: Note } | { ok: false; failure: ProviderFailure };

/** Strip one surrounding ```json fence, which many models add despite being told not to. */
function unfence(s: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(s);
  return m ? (m[1] ?? '') : s;
}

/**
 * Turn a model's reply (string or already-parsed JSON) into a contract Note: JSON-parse, validate
 * against the template's schema, then rebuild the structure on the server's terms — every
 * section of the template's fixed layout, in order, with the shared titles (empty ones included),
 * duplicates merged. Nothing from the reply is echoed in errors.
 */
export function parseLlmNote(req: NoteRequest, reply: unknown): ParsedLlm {
  let value: unknown = reply;
  if (typeof reply === 'string') {
    try {
      value = JSON.parse(unfence(reply));
    } catch {
      return { ok: false, failure: 'bad_json' };
    }
  }
  const parsed = llmNoteSchema(req.template).safeParse(value);
  if (!parsed.success) return { ok: false, failure: 'schema' };
  const note: Note = { sections: [] };
  for (const { key, title } of TEMPLATES[req.template]) {
    const statements = parsed.data.sections.filter((s) => s.key === key).flatMap((s) => s.statements);
    note.sections.push({ key, title, statements: statements.map((s) => ({ text: s.text, evidence: [...s.evidence] })) });
  }
  return { ok: true, note };
}
