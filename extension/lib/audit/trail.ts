import { GENESIS_HASH, hashRecord, verifyChain, type ChainVerification } from './chain.ts';
import { buildExport } from './export.ts';
import { AuditEvent, AuditRecord, AUDIT_RECORD_VERSION, SYSTEM_ACTOR, type AuditCode } from './record.ts';
import type { AuditSigner } from './signer.ts';
import type { AuditStore } from './store.ts';

export type AppendResult = { ok: true; record: AuditRecord } | { ok: false; code: 'invalid_event' | 'store_error' };
export type ExportResult =
  | { ok: true; text: string; count: number; firstSeq: number; lastSeq: number }
  | { ok: false; code: 'export_not_allowed' | 'chain_broken' | 'store_error' | 'crypto_error' };

export interface TrailOptions {
  /** Clock (tests). Default: () => new Date() */
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/**
 * The audit trail over an AuditStore: the one writer of records. Appends are serialised (one chain,
 * one head); timestamps never go backwards (a clock step back re-uses the last ts), so retention by
 * time always removes a prefix of the chain. No method throws: failures come back as codes.
 */
export class AuditTrail {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: AuditStore,
    private readonly now: () => Date,
    private nextSeq: number,
    private head: string,
    private lastTs: string,
  ) {}

  /** Opens the trail, continuing the chain after the last stored record. */
  static async open(store: AuditStore, opts: TrailOptions = {}): Promise<AuditTrail> {
    const now = opts.now ?? (() => new Date());
    let last: unknown;
    try {
      last = await store.last();
    } catch {
      last = undefined;
    }
    const parsed = AuditRecord.safeParse(last);
    if (parsed.success) return new AuditTrail(store, now, parsed.data.seq + 1, parsed.data.hash, parsed.data.ts);
    if (last === undefined || last === null) return new AuditTrail(store, now, 0, GENESIS_HASH, '');
    // The stored head is unreadable: continue after it as best we can; the verifier will flag it.
    const o = typeof last === 'object' ? (last as Record<string, unknown>) : {};
    const seq = typeof o.seq === 'number' && Number.isSafeInteger(o.seq) && o.seq >= 0 ? o.seq + 1 : await safeCount(store);
    const hash = typeof o.hash === 'string' && /^[0-9a-f]{64}$/.test(o.hash) ? o.hash : GENESIS_HASH;
    return new AuditTrail(store, now, seq, hash, '');
  }

  /**
   * Appends one event. Rejects (as a code) anything outside the closed vocabulary.
   * `at`: when it happened, for events buffered while the store was unavailable (e.g. a wrong PIN
   * while the vault is locked); clamped so timestamps never go backwards.
   */
  append(event: AuditEvent, opts: { at?: Date } = {}): Promise<AppendResult> {
    const run = this.queue.then(() => this.appendNow(event, opts.at));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(event: AuditEvent, at: Date | undefined): Promise<AppendResult> {
    const ev = AuditEvent.safeParse(event);
    if (!ev.success) return { ok: false, code: 'invalid_event' };
    const when = at !== undefined && !Number.isNaN(at.getTime()) ? at : this.now();
    let ts = when.toISOString();
    if (ts < this.lastTs) ts = this.lastTs;
    const unhashed = {
      v: AUDIT_RECORD_VERSION,
      seq: this.nextSeq,
      ts,
      actor: ev.data.actor,
      action: ev.data.action,
      ...(ev.data.visitId !== undefined ? { visitId: ev.data.visitId } : {}),
      outcome: ev.data.outcome,
      details: ev.data.details ?? {},
      prev: this.head,
    } as const;
    let record: AuditRecord;
    try {
      record = { ...unhashed, hash: await hashRecord(unhashed) };
      await this.store.append(record);
    } catch {
      return { ok: false, code: 'store_error' };
    }
    this.nextSeq++;
    this.head = record.hash;
    this.lastTs = ts;
    return { ok: true, record };
  }

  /** Records in seq order, each parsed; unreadable rows are skipped (verify() reports them). */
  async list(range?: { fromSeq?: number; toSeq?: number; limit?: number }): Promise<AuditRecord[]> {
    await this.queue;
    try {
      const rows = await this.store.list(range);
      const out: AuditRecord[] = [];
      for (const row of rows) {
        const r = AuditRecord.safeParse(row);
        if (r.success) out.push(r.data);
      }
      return out;
    } catch {
      return [];
    }
  }

  /** Records for one visit (for the per-visit privacy report: who accessed it, what left the device). */
  async forVisit(visitId: string): Promise<AuditRecord[]> {
    return (await this.list()).filter((r) => r.visitId === visitId);
  }

  /** Verifies the stored chain and names the first broken link. */
  async verify(): Promise<ChainVerification> {
    await this.queue;
    try {
      return await verifyChain(await this.store.list());
    } catch {
      return { ok: false, checked: 0, firstBreak: { index: 0, reason: 'modified' } };
    }
  }

  /**
   * Audit retention (policy auditRetentionDays), separate from visit retention: removes records
   * older than the window and records that it did (audit_pruned with the seq range removed).
   */
  async prune(retentionDays: number): Promise<{ ok: boolean; removed: number }> {
    await this.queue;
    const cutoff = new Date(this.now().getTime() - retentionDays * DAY_MS).toISOString();
    try {
      const firstRow = (await this.store.list({ limit: 1 }))[0];
      const first = AuditRecord.safeParse(firstRow);
      const removed = await this.store.deleteOlderThan(cutoff);
      if (removed > 0) {
        const fromSeq = first.success ? first.data.seq : undefined;
        await this.append({
          actor: SYSTEM_ACTOR,
          action: 'audit_pruned',
          outcome: 'ok',
          details: { count: removed, code: 'retention', ...(fromSeq !== undefined ? { fromSeq, toSeq: fromSeq + removed - 1 } : {}) },
        });
      }
      return { ok: true, removed };
    } catch {
      return { ok: false, removed: 0 };
    }
  }

  /**
   * Signed JSONL export of the chain (or a seq range of it). The export is itself audited first
   * (audit_exported, so it appears as the last record), or refused when policy forbids it.
   */
  async export(
    signer: AuditSigner,
    opts: { allowed: boolean; actor: string; fromSeq?: number; toSeq?: number },
  ): Promise<ExportResult> {
    const code: AuditCode | undefined = opts.allowed ? undefined : 'export_not_allowed';
    const audit = await this.append({
      actor: opts.actor,
      action: 'audit_exported',
      outcome: opts.allowed ? 'ok' : 'denied',
      details: { keyThumbprint: signer.thumbprint, ...(code ? { code } : {}) },
    });
    if (!opts.allowed) return { ok: false, code: 'export_not_allowed' };
    if (!audit.ok) return { ok: false, code: 'store_error' };
    let rows: readonly unknown[];
    try {
      rows = await this.store.list({
        ...(opts.fromSeq !== undefined ? { fromSeq: opts.fromSeq } : {}),
        ...(opts.toSeq !== undefined ? { toSeq: opts.toSeq } : {}),
      });
    } catch {
      return { ok: false, code: 'store_error' };
    }
    // Never sign a chain that is already broken: the export would vouch for tampered records.
    const chain = await verifyChain(rows);
    if (!chain.ok) {
      await this.append({ actor: opts.actor, action: 'audit_exported', outcome: 'error', details: { code: 'chain_broken' } });
      return { ok: false, code: 'chain_broken' };
    }
    const records = rows.map((r) => AuditRecord.parse(r));
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return { ok: false, code: 'store_error' };
    try {
      const text = await buildExport(records, signer, { exportedAt: this.now().toISOString(), firstPrev: first.prev, firstSeq: first.seq });
      return { ok: true, text, count: records.length, firstSeq: first.seq, lastSeq: last.seq };
    } catch {
      return { ok: false, code: 'crypto_error' };
    }
  }
}

async function safeCount(store: AuditStore): Promise<number> {
  try {
    return await store.count();
  } catch {
    return 0;
  }
}
