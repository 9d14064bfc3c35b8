/**
 * The note API contract (v1): what the extension sends to `POST /v1/notes` and what it gets back.
 *
 * Both sides parse with these schemas (parse, don't cast). Objects are `.strict()`: unknown keys are
 * rejected, so a misspelt or injected field (`__proto__`, `prompt`, …) is an error, not ignored.
 * Segment text carries placeholders (`[NAME_1]`) only — the worker's PHI guard enforces that; this
 * schema only bounds sizes and shapes.
 */
import { z } from 'zod';
import { MAX_BANNER_NAME_HASHES } from './banner-hash.ts';
import { SegmentId, Speaker } from './transcript.ts';

export { SegmentId, Speaker };

/** API version segment in the route: `/v1/notes`. */
export const API_VERSION = 'v1' as const;
export const NOTES_ROUTE = '/v1/notes' as const;

/** Bounds. A 60-minute visit is ~9k words in a few hundred segments; these leave wide headroom
 * while the 1 MB body limit (middleware) stays the outer bound. */
export const LIMITS = {
  maxSegments: 5_000,
  maxSegmentChars: 4_000,
  maxTotalChars: 600_000,
  maxSections: 16,
  maxStatementsPerSection: 200,
  maxStatementChars: 2_000,
  maxEvidencePerStatement: 64,
  maxBodyBytes: 1_048_576,
} as const;

/** Visit ids are opaque and safe to log (same alphabet as segment ids). */
export const VisitId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
export type VisitId = z.infer<typeof VisitId>;

export const TemplateId = z.enum(['soap', 'hp', 'progress', 'telehealth', 'patient_instructions']);
export type TemplateId = z.infer<typeof TemplateId>;
export const TEMPLATE_IDS = TemplateId.options;

/** Speakers accepted by the API: the transcript labels plus the roles a diarised/eval transcript uses. */
export const ApiSpeaker = z.enum([...Speaker.options, 'patient', 'family']);
export type ApiSpeaker = z.infer<typeof ApiSpeaker>;

export const NoteSegment = z
  .object({
    id: SegmentId,
    speaker: ApiSpeaker,
    t0: z.number().finite().nonnegative().max(86_400),
    t1: z.number().finite().nonnegative().max(86_400),
    text: z.string().max(LIMITS.maxSegmentChars),
  })
  .strict()
  .refine((s) => s.t1 >= s.t0, { message: 't1 before t0', path: ['t1'] });
export type NoteSegment = z.infer<typeof NoteSegment>;

export const ProviderId = z.enum(['extractor', 'openai-compatible', 'workers-ai']);
export type ProviderId = z.infer<typeof ProviderId>;

export const NoteOptions = z
  .object({
    /** Ask for a specific provider; the server may refuse one that is not configured. */
    provider: ProviderId.optional(),
    /** Output language; only English is produced by the extractor. */
    language: z.enum(['en']).optional(),
    /** Leave out sections with no statements (default true). */
    omitEmptySections: z.boolean().optional(),
    /**
     * Patient-banner name tokens, as digests only (see shared/banner-hash.ts `bannerNameHashes`):
     * lowercase hex SHA-256, at most 32. The PHI guard refuses a transcript containing one (422).
     */
    bannerNameHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(MAX_BANNER_NAME_HASHES).optional(),
  })
  .strict();
export type NoteOptions = z.infer<typeof NoteOptions>;

export const NoteRequest = z
  .object({
    visitId: VisitId,
    template: TemplateId,
    segments: z.array(NoteSegment).min(1).max(LIMITS.maxSegments),
    options: NoteOptions.default({}),
  })
  .strict()
  .superRefine((req, ctx) => {
    const seen = new Set<string>();
    let total = 0;
    for (let i = 0; i < req.segments.length; i++) {
      const s = req.segments[i];
      if (s === undefined) continue;
      total += s.text.length;
      if (seen.has(s.id)) {
        ctx.addIssue({ code: 'custom', message: 'duplicate segment id', path: ['segments', i, 'id'] });
      }
      seen.add(s.id);
    }
    if (total > LIMITS.maxTotalChars) {
      ctx.addIssue({ code: 'custom', message: 'transcript too long', path: ['segments'] });
    }
  });
/** The parsed request (options defaulted). */
export type NoteRequest = z.infer<typeof NoteRequest>;
/** What a client may send (options optional). */
export type NoteRequestInput = z.input<typeof NoteRequest>;

export const SectionKey = z.enum([
  'chief_complaint',
  'hpi',
  'subjective',
  'ros',
  'pmh',
  'medications',
  'allergies',
  'vitals',
  'exam',
  'objective',
  'results',
  'assessment',
  'plan',
  'follow_up',
  'instructions',
  'visit_info',
]);
export type SectionKey = z.infer<typeof SectionKey>;

export const Statement = z
  .object({
    text: z.string().min(1).max(LIMITS.maxStatementChars),
    /** Ids of the input segments the statement came from: never empty. */
    evidence: z.array(SegmentId).min(1).max(LIMITS.maxEvidencePerStatement),
  })
  .strict();
export type Statement = z.infer<typeof Statement>;

export const Section = z
  .object({
    key: SectionKey,
    title: z.string().min(1).max(80),
    statements: z.array(Statement).max(LIMITS.maxStatementsPerSection),
  })
  .strict();
export type Section = z.infer<typeof Section>;

export const Note = z
  .object({
    sections: z.array(Section).max(LIMITS.maxSections),
  })
  .strict();
export type Note = z.infer<typeof Note>;

/** Milliseconds spent per stage, measured by the server. */
export const Timings = z
  .object({
    totalMs: z.number().finite().nonnegative(),
    providerMs: z.number().finite().nonnegative(),
  })
  .strict();
export type Timings = z.infer<typeof Timings>;

export const NoteResponse = z
  .object({
    note: Note,
    provider: ProviderId,
    timings: Timings,
  })
  .strict();
export type NoteResponse = z.infer<typeof NoteResponse>;

/** The closed list of error codes. An error never carries anything else but the request id. */
export const ErrorCode = z.enum([
  'bad_request', // 400: malformed JSON or schema failure
  'unauthorized', // 401: missing or bad bearer token (no detail on which)
  'forbidden', // 403: origin not allowed
  'not_found', // 404
  'method_not_allowed', // 405
  'payload_too_large', // 413
  'unsupported_media_type', // 415
  'phi_detected', // 422: unplaceholdered identifier in the payload
  'rate_limited', // 429
  'internal', // 500
  'provider_failed', // 502: provider error or timeout
  'output_rejected', // 502: the provider's note failed the output check
  'unavailable', // 503
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ERROR_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  phi_detected: 422,
  rate_limited: 429,
  internal: 500,
  provider_failed: 502,
  output_rejected: 502,
  unavailable: 503,
};

export const RequestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Optional validation detail: only field paths (keys and indices), never values. */
export const FieldPath = z.array(z.union([z.string().regex(/^[A-Za-z0-9_]{1,64}$/), z.number().int().nonnegative()])).max(16);

export const ApiError = z
  .object({
    error: z
      .object({
        code: ErrorCode,
        requestId: RequestId,
        /** For `bad_request` only: where the body failed, as key/index paths. */
        fields: z.array(FieldPath).max(20).optional(),
      })
      .strict(),
  })
  .strict();
export type ApiError = z.infer<typeof ApiError>;

/** Build an error body. Paths are filtered to key/index shapes so no value can slip in. */
export function apiError(code: ErrorCode, requestId: string, fields?: ReadonlyArray<ReadonlyArray<PropertyKey>>): ApiError {
  const out: ApiError = { error: { code, requestId: RequestId.safeParse(requestId).success ? requestId : 'unknown' } };
  if (fields !== undefined && fields.length > 0) {
    const paths: (string | number)[][] = [];
    for (const f of fields.slice(0, 20)) {
      const p: (string | number)[] = [];
      for (const k of f.slice(0, 16)) {
        if (typeof k === 'number' && Number.isInteger(k) && k >= 0) p.push(k);
        else if (typeof k === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(k)) p.push(k);
        else p.push('_');
      }
      paths.push(p);
    }
    out.error.fields = paths;
  }
  return out;
}
