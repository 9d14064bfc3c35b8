import { AuditRecord, type AuditDetails } from './record.ts';
import { sha256HexSync } from './sha256.ts';

/**
 * The hash chain. Each record's `hash` is
 *
 *   SHA-256( UTF-8( "scribe-audit/1\n" + canonicalRecord(record) ) )
 *
 * where canonicalRecord is a JSON array in a fixed field order that includes `prev` (the previous
 * record's hash). The first record ever written (seq 0) has prev = GENESIS_HASH (64 zeros).
 * Details are written as [key, value] pairs sorted by key; every value is an integer or a string
 * from a narrow alphabet, so JSON.stringify is already canonical (RFC 8785 agrees on these types).
 */

export const GENESIS_HASH = '0'.repeat(64);
const DOMAIN = 'scribe-audit/1\n';
const enc = new TextEncoder();

export type UnhashedRecord = Omit<AuditRecord, 'hash'>;

export function canonicalRecord(r: UnhashedRecord): string {
  const details = Object.keys(r.details)
    .sort()
    .map((k) => [k, r.details[k as keyof AuditDetails]]);
  return JSON.stringify([r.v, r.seq, r.ts, r.actor, r.action, r.visitId ?? null, r.outcome, details, r.prev]);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function toHex(buf: ArrayBuffer | Uint8Array): string {
  const b = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i] as number];
  return s;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  return toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** The record's chain hash (synchronous: see sha256.ts for why). */
export function hashRecordSync(r: UnhashedRecord): string {
  return sha256HexSync(enc.encode(DOMAIN + canonicalRecord(r)));
}

export function hashRecord(r: UnhashedRecord): Promise<string> {
  return Promise.resolve(hashRecordSync(r));
}

export type BreakReason = 'modified' | 'deleted' | 'reordered' | 'inserted';

export interface ChainBreak {
  /** 0-based position in the list given to the verifier (for 'deleted': where the missing record belongs). */
  readonly index: number;
  /** seq written in the record at that position, when it could be read */
  readonly seq?: number;
  readonly reason: BreakReason;
}

export interface ChainAnchor {
  /** seq of the first record expected (0 for a full chain). Default: the first record's own seq. */
  readonly firstSeq?: number;
  /** prev of the first record expected. Default: GENESIS_HASH when firstSeq is 0, else the record's own prev. */
  readonly firstPrev?: string;
  /** how many records are expected (from a signed export header) */
  readonly count?: number;
  /** hash of the last record expected (from a signed export header) */
  readonly headHash?: string;
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBreak?: ChainBreak;
  /** hash of the last record when ok */
  readonly headHash?: string;
}

/**
 * Verifies a list of records (in stored or exported order) and names the FIRST broken link.
 *
 * A single edit is classified as:
 * - modified: a record's content no longer matches its own hash, or (re-hashed by the editor) no
 *   longer matches the hash its successor or the signed head committed to;
 * - deleted: the expected seq is missing from the list entirely;
 * - reordered: the expected seq is present, but later;
 * - inserted: a seq appears twice (copied or forged record), or there are more records than the
 *   signed header says.
 * A full re-chaining from some point on (every later hash recomputed) keeps the chain consistent;
 * only the signed head hash and the export signature reveal it (reason 'modified' at the last record).
 * Never throws.
 */
export async function verifyChain(items: readonly unknown[], anchor: ChainAnchor = {}): Promise<ChainVerification> {
  const n = items.length;
  const recs: (AuditRecord | null)[] = items.map((it) => {
    const r = AuditRecord.safeParse(it);
    return r.success ? r.data : null;
  });
  const hashes = recs.map((r) => (r ? hashRecordSync(r) : null));
  await Promise.resolve();
  const seqCount = new Map<number, number>();
  for (const r of recs) if (r) seqCount.set(r.seq, (seqCount.get(r.seq) ?? 0) + 1);

  const first = recs[0];
  let e = anchor.firstSeq ?? first?.seq ?? 0;
  let p = anchor.firstPrev ?? (e === 0 ? GENESIS_HASH : (first?.prev ?? GENESIS_HASH));
  const brk = (index: number, reason: BreakReason): ChainVerification => {
    const s = recs[index]?.seq;
    return { ok: false, checked: index, firstBreak: s === undefined ? { index, reason } : { index, seq: s, reason } };
  };

  for (let i = 0; i < n; i++) {
    const r = recs[i];
    if (!r || hashes[i] !== r.hash) return brk(i, 'modified');
    if (r.seq === e && r.prev === p) {
      p = r.hash;
      e++;
      continue;
    }
    const before = i > 0 ? recs[i - 1] : null;
    if ((seqCount.get(r.seq) ?? 0) > 1) {
      if (before && before.seq === r.seq) {
        // Two records claim the same seq back to back: the genuine one is the one its successor
        // (or the signed head) points to; an exact copy is the later of the two.
        if (before.hash === r.hash) return brk(i, 'inserted');
        const next = recs[i + 1];
        const continuesR = next ? next.prev === r.hash : anchor.headHash === r.hash;
        return brk(continuesR ? i - 1 : i, 'inserted');
      }
      return brk(i, 'inserted');
    }
    // More records than the signed header says: this one was inserted.
    if (anchor.count !== undefined && n > anchor.count) return brk(i, 'inserted');
    // Right seq, wrong link: the previous record was edited and re-hashed.
    if (r.seq === e) return brk(i > 0 ? i - 1 : 0, 'modified');
    // Unexpected seq: the expected record is either gone (deleted) or further on (reordered).
    if (!seqCount.has(e)) return brk(i, 'deleted');
    return brk(i, 'reordered');
  }

  if (anchor.count !== undefined && n < anchor.count) return { ok: false, checked: n, firstBreak: { index: n, reason: 'deleted' } };
  if (anchor.count !== undefined && n > anchor.count) return brk(anchor.count, 'inserted');
  const head = n > 0 ? p : anchor.firstPrev;
  if (anchor.headHash !== undefined && n > 0 && head !== anchor.headHash) return brk(n - 1, 'modified');
  return head === undefined ? { ok: true, checked: n } : { ok: true, checked: n, headHash: head };
}
