/**
 * Retention needs no key: expiry is computed from clear timestamps, and deletion removes rows and
 * the visit's wrapped data key (crypto-shredding). So purging works while the vault is locked and
 * from any extension context (the service worker's chrome.alarms handler calls purgeExpiredRows
 * directly on its own Dexie connection).
 */
import { AuditRow, VisitRow, type VaultDb } from '../db/schema.ts';

export interface RetentionPolicy {
  readonly draftTtlMs: number;
  readonly approvedTtlMs: number;
  readonly auditTtlMs: number;
}

export function expiryOf(v: Pick<VisitRow, 'state' | 'createdAt' | 'approvedAt'>, p: RetentionPolicy): number {
  return v.state === 'approved' && v.approvedAt !== null ? v.approvedAt + p.approvedTtlMs : v.createdAt + p.draftTtlMs;
}

/**
 * Deletes one visit's rows and its wrapped data key in one transaction. Returns false when the
 * visit did not exist (its key row is still removed: no orphan key survives).
 */
export async function deleteVisitRows(
  db: VaultDb,
  visitId: string,
  onlyIf?: (visitRow: unknown) => boolean,
): Promise<boolean> {
  return db.transaction('rw', [db.keys, db.visits, db.segments, db.segmentPages, db.notes, db.phiMap, db.audioChunks], async () => {
    const row: unknown = await db.visits.get(visitId);
    // Re-checked inside the transaction: another context may have approved or created the visit
    // since the caller decided to delete it.
    if (onlyIf && !onlyIf(row)) return false;
    // The key first: whatever else is left (or lingers on disk until LevelDB compacts) is unreadable.
    await db.keys.delete(visitId);
    await db.visits.delete(visitId);
    await db.segments.where('visitId').equals(visitId).delete();
    await db.segmentPages.where('visitId').equals(visitId).delete();
    await db.notes.delete(visitId);
    await db.phiMap.delete(visitId);
    await db.audioChunks.where('visitId').equals(visitId).delete();
    return row !== undefined;
  });
}

export interface PurgeResult {
  readonly visits: number;
  readonly auditEntries: number;
  /** Rows that failed to parse: deleted as well (an unreadable row is never kept "just in case"). */
  readonly corruptRows: number;
}

/**
 * Deletes every visit whose expiry (under the current policy, from its clear timestamps) is at
 * or before `now`, every audit entry older than the audit TTL, and orphan rows whose visit is
 * gone. Bounded by the number of stored visits.
 */
export async function purgeExpiredRows(db: VaultDb, now: number, p: RetentionPolicy): Promise<PurgeResult> {
  const rows = await db.visits.toArray();
  const expired: string[] = [];
  const live = new Set<string>();
  let corrupt = 0;
  for (const raw of rows) {
    const v = VisitRow.safeParse(raw);
    if (!v.success) {
      corrupt++;
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'string') expired.push(id);
      continue;
    }
    const exp = expiryOf(v.data, p);
    if (exp <= now) expired.push(v.data.id);
    else {
      live.add(v.data.id);
      if (exp !== v.data.expiresAt) await db.visits.update(v.data.id, { expiresAt: exp });
    }
  }
  let purged = 0;
  for (const id of expired) {
    const stillExpired = (r: unknown): boolean => {
      const v = VisitRow.safeParse(r);
      return !v.success || expiryOf(v.data, p) <= now;
    };
    if (await deleteVisitRows(db, id, stillExpired)) purged++;
  }

  // Orphans: content or keys whose visit row is gone (e.g. a crash between writes in an older
  // build, or rows restored from a backup). Without a visit they can never be shown; remove them.
  const orphanVisitIds = new Set<string>();
  for (const t of [db.segments, db.segmentPages, db.audioChunks] as const) {
    const keys = (await t.orderBy('visitId').uniqueKeys()) as unknown[];
    for (const k of keys) if (typeof k === 'string' && !live.has(k)) orphanVisitIds.add(k);
  }
  for (const t of [db.notes, db.phiMap] as const) {
    for (const k of (await t.toCollection().primaryKeys()) as unknown[]) if (typeof k === 'string' && !live.has(k)) orphanVisitIds.add(k);
  }
  const keyIds = (await db.keys.where('kind').equals('visit').primaryKeys()) as unknown[];
  for (const k of keyIds) if (typeof k === 'string' && !live.has(k)) orphanVisitIds.add(k);
  // Only if the visit row is still absent inside the deleting transaction (createVisit writes the
  // key and the visit row in one transaction, so a visit being created is never taken for an orphan).
  for (const id of orphanVisitIds) await deleteVisitRows(db, id, (r) => r === undefined);

  let auditEntries = 0;
  const cutoff = now - p.auditTtlMs;
  if (cutoff > 0) auditEntries = await db.audit.where('at').below(cutoff).delete();
  // Audit rows that do not parse are removed too (they could never be read back).
  const auditRows = await db.audit.toArray();
  for (const raw of auditRows) {
    if (!AuditRow.safeParse(raw).success) {
      corrupt++;
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'string') await db.audit.delete(id);
    }
  }
  return { visits: purged, auditEntries, corruptRows: corrupt };
}
