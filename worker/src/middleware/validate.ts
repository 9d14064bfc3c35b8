import type { MiddlewareHandler } from 'hono';
import { NoteRequest } from '../../../shared/api.ts';
import { fail } from '../errors.ts';
import type { AppEnv } from '../types.ts';

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;
const MAX_FIELD_PATHS = 20;

/**
 * Parse the body as NoteRequest. Failures answer 400 `bad_request` with the failing field paths
 * only (keys and indices), never a value, a zod message, or the JSON parser's message (V8's
 * SyntaxError quotes the input).
 */
export function validateNoteRequest(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) return fail(c, 'unsupported_media_type');
    let text: string;
    try {
      text = await c.req.text();
    } catch {
      return fail(c, 'bad_request');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return fail(c, 'bad_request');
    }
    const parsed = NoteRequest.safeParse(raw);
    if (!parsed.success) {
      const fields = parsed.error.issues.slice(0, MAX_FIELD_PATHS).map((i) => i.path);
      c.set('logFields', { ...c.get('logFields'), fields: parsed.error.issues.length });
      return fail(c, 'bad_request', { fields });
    }
    const req = parsed.data;
    for (let i = 0; i < req.segments.length; i++) {
      const s = req.segments[i];
      if (s !== undefined && !s.text.isWellFormed()) return fail(c, 'bad_request', { fields: [['segments', i, 'text']] });
    }
    let chars = 0;
    for (const s of req.segments) chars += s.text.length;
    c.set('noteRequest', req);
    c.set('logFields', {
      ...c.get('logFields'),
      reqBytes: Number(c.req.header('content-length')) || new TextEncoder().encode(text).length,
      segments: req.segments.length,
      chars,
      template: req.template,
    });
    return next();
  };
}
