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
 * Deletes every visit whose expiry (under the current policy, from its clear timestamps) is at or
 * before `now`, and audit entries older than the audit TTL. Only candidates are read: visits whose
 * stored `expiresAt` has passed, or created longer ago than the shorter TTL (which catches a policy
 * that was shortened since they were written) — a young visit is never touched.
 *
 * With `sweep` (browser start, and the vault's own purge) it also scans everything once for rows
 * that do not parse and for orphans (content or keys whose visit is gone) and removes them.
 */
export async function purgeExpiredRows(db: VaultDb, now: number, p: RetentionPolicy, opts: { sweep?: boolean } = {}): Promise<PurgeResult> {
  const oldest = now - Math.min(p.draftTtlMs, p.approvedTtlMs);
  const [byExpiry, byAge] = await Promise.all([
    db.visits.where('expiresAt').belowOrEqual(now).toArray(),
    db.visits.where('createdAt').belowOrEqual(oldest).toArray(),
  ]);
  const expired = new Set<string>();
  let corrupt = 0;
  for (const raw of [...byExpiry, ...byAge]) {
    const v = VisitRow.safeParse(raw);
    if (!v.success) {
      corrupt++;
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'string') expired.add(id);
    } else if (expiryOf(v.data, p) <= now) expired.add(v.data.id);
  }
  let purged = 0;
  const stillExpired = (r: unknown): boolean => {
    const v = VisitRow.safeParse(r);
    return !v.success || expiryOf(v.data, p) <= now;
  };
  for (const id of expired) if (await deleteVisitRows(db, id, stillExpired)) purged++;

  let auditEntries = 0;
  const cutoff = now - p.auditTtlMs;
  // The vault's own entries only: the audit trail's chain records (ids 'chain-…') are pruned by
  // lib/audit itself, which records the pruning in the chain.
  if (cutoff > 0) {
    auditEntries = await db.audit
      .where('at')
      .below(cutoff)
      .filter((r) => !String((r as { id?: unknown }).id).startsWith('chain-'))
      .delete();
  }

  if (opts.sweep) corrupt += await sweep(db);
  return { visits: purged, auditEntries, corruptRows: corrupt };
}

/** Full scan: unparseable visit/audit rows, and content or keys without a visit. */
async function sweep(db: VaultDb): Promise<number> {
  let corrupt = 0;
  const live = new Set<string>();
  for (const raw of await db.visits.toArray()) {
    const v = VisitRow.safeParse(raw);
    if (v.success) {
      live.add(v.data.id);
      continue;
    }
    corrupt++;
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id === 'string') await deleteVisitRows(db, id);
  }
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
  // Audit rows that do not parse could never be read back (nor aged out by `at`): remove them.
  for (const raw of await db.audit.toArray()) {
    if (AuditRow.safeParse(raw).success) continue;
    corrupt++;
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id === 'string') await db.audit.delete(id);
  }
  return corrupt;
}
