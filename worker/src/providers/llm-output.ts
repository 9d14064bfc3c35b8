import type { Note, NoteRequest } from '../../../shared/api.ts';
import type { ProviderFailure } from '../log.ts';
import { llmNoteSchema } from '../prompts/note-prompt.ts';
import { SECTION_TITLES, TEMPLATE_SECTIONS } from '../prompts/templates.ts';

export type ParsedLlm = { ok: true; note: Note } | { ok: false; failure: ProviderFailure };

/** Strip one surrounding ```json fence, which many models add despite being told not to. */
function unfence(s: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(s);
  return m ? (m[1] ?? '') : s;
}

/**
 * Turn a model's reply (string or already-parsed JSON) into a contract Note: JSON-parse, validate
 * against the template's schema, then rebuild the structure on the server's terms — sections in
 * template order with the server's titles, duplicates merged. Nothing from the reply is echoed
 * in errors.
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
  const order = TEMPLATE_SECTIONS[req.template];
  const note: Note = { sections: [] };
  for (const key of order) {
    const statements = parsed.data.sections.filter((s) => s.key === key).flatMap((s) => s.statements);
    if (statements.length > 0) note.sections.push({ key, title: SECTION_TITLES[key], statements: statements.map((s) => ({ text: s.text, evidence: [...s.evidence] })) });
  }
  return { ok: true, note };
}
