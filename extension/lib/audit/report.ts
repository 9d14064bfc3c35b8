import type { AuditAction, AuditOutcome, AuditRecord } from './record.ts';

/**
 * The per-visit privacy report (side panel): what left the device (bytes, to which origin, when),
 * what was written where, what is stored and until when, and who accessed the visit — all derived
 * from the visit's audit records, so the report can never show more than the audit trail holds.
 * Pure; the caller passes the trail's records for the visit (AuditTrail.forVisit) and the policy.
 */

export interface PrivacyReport {
  readonly visitId: string;
  readonly egress: readonly { ts: string; origin: string | null; bytes: number | null; placeholderCount: number | null; outcome: AuditOutcome }[];
  readonly inserts: readonly { ts: string; origin: string | null; outcome: AuditOutcome }[];
  readonly accesses: readonly { ts: string; actor: string; action: AuditAction; outcome: AuditOutcome }[];
  readonly createdAt: string | null;
  readonly approvedAt: string | null;
  /** when the visit was deleted or expired, if it was */
  readonly removedAt: string | null;
  readonly removedBy: 'deleted' | 'expired' | null;
  /** retention deadline from policy (null once removed, or when the creation was not audited) */
  readonly storedUntil: string | null;
  readonly audioStored: boolean;
  readonly consentAttested: boolean;
  readonly totalBytesSent: number;
}

const HOUR_MS = 3_600_000;

export function privacyReport(
  records: readonly AuditRecord[],
  visitId: string,
  policy: { readonly draftRetentionHours: number; readonly approvedRetentionHours: number },
): PrivacyReport {
  const mine = records.filter((r) => r.visitId === visitId);
  const firstOk = (a: AuditAction) => mine.find((r) => r.action === a && r.outcome === 'ok')?.ts ?? null;
  const lastOk = (a: AuditAction) => [...mine].reverse().find((r) => r.action === a && r.outcome === 'ok')?.ts ?? null;
  const createdAt = firstOk('visit_created');
  const approvedAt = lastOk('note_approved');
  const deletedAt = firstOk('visit_deleted');
  const expiredAt = firstOk('visit_expired');
  const removedAt = deletedAt ?? expiredAt;
  let storedUntil: string | null = null;
  if (removedAt === null) {
    const base = approvedAt ?? createdAt;
    const hours = approvedAt !== null ? policy.approvedRetentionHours : policy.draftRetentionHours;
    if (base !== null) storedUntil = new Date(Date.parse(base) + hours * HOUR_MS).toISOString();
  }
  const egress = mine
    .filter((r) => r.action === 'egress_sent')
    .map((r) => ({ ts: r.ts, origin: r.details.origin ?? null, bytes: r.details.bytes ?? null, placeholderCount: r.details.placeholderCount ?? null, outcome: r.outcome }));
  return {
    visitId,
    egress,
    inserts: mine.filter((r) => r.action === 'note_inserted').map((r) => ({ ts: r.ts, origin: r.details.origin ?? null, outcome: r.outcome })),
    accesses: mine.map((r) => ({ ts: r.ts, actor: r.actor, action: r.action, outcome: r.outcome })),
    createdAt,
    approvedAt,
    removedAt,
    removedBy: deletedAt !== null ? 'deleted' : expiredAt !== null ? 'expired' : null,
    storedUntil,
    // what happened, not a setting: no code writes audio to storage (policy key storeAudio is always false)
    audioStored: false,
    consentAttested: mine.some((r) => r.action === 'consent_attested' && r.outcome === 'ok'),
    totalBytesSent: egress.filter((e) => e.outcome === 'ok').reduce((s, e) => s + (e.bytes ?? 0), 0),
  };
}
