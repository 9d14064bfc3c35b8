import { Hono } from 'hono';
import type { NoteResponse, ProviderId } from '../../../shared/api.ts';
import { fail } from '../errors.ts';
import { log } from '../log.ts';
import { auth } from '../middleware/auth.ts';
import { bodyLimit } from '../middleware/body-limit.ts';
import { checkNote } from '../middleware/output-check.ts';
import { phiGuard } from '../middleware/phi-guard.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { validateNoteRequest } from '../middleware/validate.ts';
import { getProvider } from '../providers/index.ts';
import type { AppEnv, Deps } from '../types.ts';

/**
 * POST /v1/notes: size limit → auth → rate limit → schema → PHI guard → provider → output check.
 * The note is produced, checked and returned; nothing is stored.
 */
export function notesRoutes(deps: Deps): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/v1/notes', bodyLimit(), auth(), rateLimit(), validateNoteRequest(), phiGuard(), async (c) => {
    const cfg = c.get('config');
    const req = c.get('noteRequest');
    const rid = c.get('requestId');
    // A client may ask for the extractor (always available, offline) or the configured provider.
    const providerId: ProviderId = req.options.provider ?? cfg.provider;
    if (providerId !== cfg.provider && providerId !== 'extractor') return fail(c, 'bad_request', { fields: [['options', 'provider']] });
    c.set('logFields', { ...c.get('logFields'), provider: providerId });

    const provider = getProvider(providerId, deps);
    const t0 = deps.now();
    const result = await provider.generate(req, {
      config: cfg,
      env: c.env ?? {},
      deps,
      onAttempt: (attempt, failure) => log({ event: 'provider_attempt', rid, provider: providerId, attempt, ...(failure ? { failure } : {}) }),
    });
    const providerMs = deps.now() - t0;
    c.set('logFields', { ...c.get('logFields'), providerMs });
    if (!result.ok) {
      c.set('logFields', { ...c.get('logFields'), failure: result.failure, attempt: result.attempts });
      return fail(c, 'provider_failed');
    }
    const checked = checkNote(req, result.note, { secrets: result.secrets, enforceTemplate: true });
    if (!checked.ok) {
      c.set('logFields', { ...c.get('logFields'), outputRule: checked.rule });
      return fail(c, 'output_rejected');
    }
    const omitEmpty = req.options.omitEmptySections ?? true;
    const sections = omitEmpty ? checked.note.sections.filter((s) => s.statements.length > 0) : checked.note.sections;
    // The note was parsed by the output check; the rest is built here from typed values.
    const body: NoteResponse = {
      note: { sections },
      provider: providerId,
      timings: { totalMs: Math.max(0, deps.now() - c.get('started')), providerMs: Math.max(0, providerMs) },
    };
    const json = JSON.stringify(body);
    let statements = 0;
    for (const s of sections) statements += s.statements.length;
    c.set('logFields', {
      ...c.get('logFields'),
      sections: sections.length,
      statements,
      resBytes: new TextEncoder().encode(json).length,
    });
    return c.body(json, 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  });
  r.all('/v1/notes', (c) => fail(c, 'method_not_allowed', { headers: { Allow: 'POST' } }));
  return r;
}
