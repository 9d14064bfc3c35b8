import { z } from 'zod';

/**
 * One audit record: who did what to which visit, when, and how it ended — and nothing else.
 * No field can hold free text: every string is an enum member or matches a narrow pattern
 * (ids, an origin, a hex digest, a timestamp). tests/unit/audit/record.test.ts proves it.
 */

export const AUDIT_ACTIONS = [
  'visit_created',
  'consent_attested',
  'capture_started',
  'capture_stopped',
  'transcript_viewed',
  'note_generated',
  'egress_sent',
  'note_viewed',
  'note_edited',
  'note_approved',
  'note_inserted',
  'note_insert_undone',
  'privacy_report_viewed',
  'visit_deleted',
  'visit_expired',
  'vault_unlocked',
  'vault_locked',
  'vault_unlock_failed',
  'policy_changed',
  'audit_exported',
  'audit_pruned',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditOutcome = z.enum(['ok', 'denied', 'error']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

/** Why something was denied or failed, or what triggered it. Closed; add codes here, never free text. */
export const AUDIT_CODES = [
  'user',
  'idle',
  'retention',
  'policy',
  'startup',
  'consent_required',
  'consent_missing',
  'origin_not_allowed',
  'review_required',
  'offline_only',
  'export_not_allowed',
  'bad_pin',
  'locked_out',
  'vault_wiped',
  'network_error',
  'timeout',
  'http_error',
  'provider_error',
  'schema_error',
  'phi_guard',
  'target_not_found',
  'frame_denied',
  'storage_error',
  'crypto_error',
  'chain_broken',
  'unknown_error',
] as const;
export const AuditCode = z.enum(AUDIT_CODES);
export type AuditCode = z.infer<typeof AuditCode>;

/** Opaque ids (uuid-like): the local clinician profile id, visit ids. */
export const AuditId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** `scheme://host[:port]` only — the EHR origin of an insert, the API origin of an egress. */
export const AuditOrigin = z
  .string()
  .max(262)
  .regex(/^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/);

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** UTC, millisecond precision, always the same shape so string order is time order. */
export const AuditTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  .refine((s) => {
    const ms = Date.parse(s);
    return ms === ms && new Date(ms).toISOString() === s; // ms === ms: not NaN; round trip rejects Feb 30
  });

export const AuditDetails = z
  .object({
    bytes: Count,
    placeholderCount: Count,
    segmentCount: Count,
    durationMs: Count,
    count: Count,
    fromSeq: Count,
    toSeq: Count,
    origin: AuditOrigin,
    code: AuditCode,
    template: z.enum(['soap', 'hp', 'progress', 'telehealth', 'patient_instructions']),
    channel: z.enum(['in_person', 'telehealth']),
    providerMode: z.enum(['cloud', 'offline-only']),
    /** sha-256 of the consent wording attested, or of an exported file */
    sha256: Hex64,
    /** RFC 7638 thumbprint of the install's audit signing key */
    keyThumbprint: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .partial()
  .strict();
export type AuditDetails = z.infer<typeof AuditDetails>;

/** What a caller hands to AuditTrail.append: the trail adds seq, ts, prev and hash. */
export const AuditEvent = z
  .object({
    actor: AuditId,
    action: AuditAction,
    visitId: AuditId.optional(),
    outcome: AuditOutcome,
    details: AuditDetails.optional(),
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AUDIT_RECORD_VERSION = 1;

export const AuditRecord = z
  .object({
    v: z.literal(AUDIT_RECORD_VERSION),
    seq: Count,
    ts: AuditTimestamp,
    actor: AuditId,
    action: AuditAction,
    visitId: AuditId.optional(),
    outcome: AuditOutcome,
    details: AuditDetails,
    /** hash of the previous record, or GENESIS_HASH for seq 0 */
    prev: Hex64,
    /** sha-256 over canonicalRecord(this) — see chain.ts */
    hash: Hex64,
  })
  .strict();
export type AuditRecord = z.infer<typeof AuditRecord>;

/** The actor for records the extension writes on its own (expiry, pruning). */
export const SYSTEM_ACTOR = 'system';
