import type { AuditRecord } from './record.ts';

/**
 * Where audit records live. The vault implements this over its encrypted Dexie table
 * (extension/lib/vault); MemoryAuditStore is for tests and benchmarks.
 *
 * Contract:
 * - append: records arrive in seq order, one at a time (AuditTrail serialises appends); store the
 *   record as given (all fields), keyed by seq.
 * - list: records in ascending seq order, optionally limited to seq range [fromSeq, toSeq] and to
 *   `limit` records. Returns what is stored, untyped: AuditTrail parses every record it reads back.
 * - last: the record with the highest seq, or undefined when empty.
 * - count: number of records stored.
 * - deleteOlderThan: removes records whose ts < cutoffIso (ISO strings of one shape compare as
 *   time); returns how many were removed. AuditTrail keeps ts non-decreasing, so this always
 *   removes a prefix of the chain.
 */
export interface AuditStore {
  append(record: AuditRecord): Promise<void>;
  list(range?: { fromSeq?: number; toSeq?: number; limit?: number }): Promise<readonly unknown[]>;
  last(): Promise<unknown>;
  count(): Promise<number>;
  deleteOlderThan(cutoffIso: string): Promise<number>;
}

export class MemoryAuditStore implements AuditStore {
  private records: AuditRecord[] = [];

  append(record: AuditRecord): Promise<void> {
    this.records.push(structuredClone(record));
    return Promise.resolve();
  }

  list(range: { fromSeq?: number; toSeq?: number; limit?: number } = {}): Promise<readonly unknown[]> {
    const from = range.fromSeq ?? 0;
    const to = range.toSeq ?? Number.MAX_SAFE_INTEGER;
    const out = this.records.filter((r) => r.seq >= from && r.seq <= to);
    return Promise.resolve(structuredClone(range.limit === undefined ? out : out.slice(0, range.limit)));
  }

  last(): Promise<unknown> {
    const r = this.records[this.records.length - 1];
    return Promise.resolve(r === undefined ? undefined : structuredClone(r));
  }

  count(): Promise<number> {
    return Promise.resolve(this.records.length);
  }

  deleteOlderThan(cutoffIso: string): Promise<number> {
    const before = this.records.length;
    this.records = this.records.filter((r) => r.ts >= cutoffIso);
    return Promise.resolve(before - this.records.length);
  }

  /** Test hook: direct access to the stored array (to simulate tampering at rest). */
  unsafeRecords(): AuditRecord[] {
    return this.records;
  }
}
