/**
 * The vault's IndexedDB schema (Dexie 4). Rows keep only ids, timestamps, sizes and state flags
 * in clear (what indexing and retention need without a key); every content field is the
 * `{iv, ct}` of an AES-GCM seal (see ../vault/crypto.ts). Every row read back is parsed with the
 * zod schema below before the vault touches it ("parse, don't cast").
 *
 * Versions (each with a test in tests/unit/vault/migrations.test.ts):
 *   1  first layout.
 *   2  visits gain `expiresAt` (indexed) so retention can purge with one range query and without
 *      a key; the upgrade computes it for existing visits from the default retention.
 *   3  `segmentPages`: a finished visit's segments packed into sealed pages (one AES-GCM op per
 *      page instead of per segment) so opening a 60-minute visit stays fast. Loose `segments`
 *      rows remain the write path; nothing to transform (existing visits simply have no pages).
 */
import { Dexie, type Table, type Transaction } from 'dexie';
import { z } from 'zod';

/** Opaque ids (uuid-like): safe to index, log and bind into AAD (no NUL, no content). */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array);
const Time = z.number().int().nonnegative();
const Size = z.number().int().nonnegative();

export const VisitState = z.enum(['draft', 'approved']);
export type VisitState = z.infer<typeof VisitState>;

export const VisitRow = z
  .object({
    id: Id,
    createdAt: Time,
    updatedAt: Time,
    state: VisitState,
    approvedAt: Time.nullable(),
    expiresAt: Time,
    iv: Bytes,
    ct: Bytes,
  })
  .strict();
export type VisitRow = z.infer<typeof VisitRow>;

export const SegmentRow = z
  .object({ visitId: Id, id: Id, t0: z.number().finite().nonnegative(), size: Size, updatedAt: Time, iv: Bytes, ct: Bytes })
  .strict();
export type SegmentRow = z.infer<typeof SegmentRow>;

/** Up to `segmentsPerPage` (config, default SEGMENTS_PER_PAGE) segments of one visit, sealed together (schema v3). */
export const SegmentPageRow = z
  .object({ visitId: Id, page: z.number().int().nonnegative(), count: Size, size: Size, updatedAt: Time, iv: Bytes, ct: Bytes })
  .strict();
export type SegmentPageRow = z.infer<typeof SegmentPageRow>;
export const SEGMENTS_PER_PAGE = 128;
/** Upper bound any config may use; what a stored page is checked against. */
export const MAX_SEGMENTS_PER_PAGE = 1024;

/** notes and phiMap: one current record per visit, keyed by the visit id. */
export const BlobRow = z.object({ visitId: Id, size: Size, updatedAt: Time, iv: Bytes, ct: Bytes }).strict();
export type BlobRow = z.infer<typeof BlobRow>;

export const AudioChunkRow = z
  .object({ visitId: Id, seq: z.number().int().nonnegative(), size: Size, createdAt: Time, iv: Bytes, ct: Bytes })
  .strict();
export type AudioChunkRow = z.infer<typeof AudioChunkRow>;

export const AuditRow = z.object({ id: Id, at: Time, iv: Bytes, ct: Bytes }).strict();
export type AuditRow = z.infer<typeof AuditRow>;

/** A data key wrapped by the vault key. Deleting the row shreds everything sealed under it. */
export const KeyRow = z.object({ id: Id, kind: z.enum(['visit', 'audit']), createdAt: Time, iv: Bytes, ct: Bytes }).strict();
export type KeyRow = z.infer<typeof KeyRow>;

/** The vault key wrapped by the PIN-derived key, plus the KDF parameters. One row, id 'vault'. */
export const MetaRow = z
  .object({
    id: z.literal('vault'),
    vaultId: Id,
    kdf: z.literal('PBKDF2-SHA256'),
    iterations: z.number().int().positive(),
    salt: Bytes,
    iv: Bytes,
    ct: Bytes,
    createdAt: Time,
    pinChangedAt: Time,
  })
  .strict();
export type MetaRow = z.infer<typeof MetaRow>;

/** Wrong-PIN counter, persisted so back-off survives restarts. One row, id 'pin'. */
export const LockoutRow = z
  .object({ id: z.literal('pin'), failures: z.number().int().nonnegative(), lastFailureAt: Time, nextAttemptAt: Time })
  .strict();
export type LockoutRow = z.infer<typeof LockoutRow>;

/** Retention defaults (policy can override both): DESIGN.md "every visit expires". */
export const DEFAULT_DRAFT_TTL_MS = 24 * 3600_000;
export const DEFAULT_APPROVED_TTL_MS = 72 * 3600_000;

export const DB_NAME = 'scribe-vault';
export const DB_VERSION = 3;

const V1_STORES = {
  meta: 'id',
  lockout: 'id',
  keys: 'id, kind',
  visits: 'id, createdAt, state',
  segments: '[visitId+id], visitId, [visitId+t0]',
  notes: 'visitId',
  phiMap: 'visitId',
  audioChunks: '[visitId+seq], visitId',
  audit: 'id, at',
} as const;

/** Version 1 alone: used by the migration test to build a v1 database. */
export function declareV1(db: Dexie): void {
  db.version(1).stores(V1_STORES);
}

/** v1 → v2: index expiresAt, computed for existing visits from the default retention. */
export async function upgradeV1toV2(tx: Transaction): Promise<void> {
  await tx
    .table('visits')
    .toCollection()
    .modify((v: Record<string, unknown>) => {
      const createdAt = typeof v.createdAt === 'number' ? v.createdAt : 0;
      const approvedAt = typeof v.approvedAt === 'number' ? v.approvedAt : null;
      v.expiresAt = v.state === 'approved' && approvedAt !== null ? approvedAt + DEFAULT_APPROVED_TTL_MS : createdAt + DEFAULT_DRAFT_TTL_MS;
    });
}

const V2_STORES = { ...V1_STORES, visits: 'id, createdAt, state, expiresAt' } as const;

/** Versions 1 and 2 only: used by the v2 → v3 migration test. */
export function declareUpToV2(db: Dexie): void {
  declareV1(db);
  db.version(2).stores(V2_STORES).upgrade(upgradeV1toV2);
}

export function declareAllVersions(db: Dexie): void {
  declareUpToV2(db);
  db.version(3).stores({ ...V2_STORES, segmentPages: '[visitId+page], visitId' });
}

export interface DexieDeps {
  /** fake-indexeddb in unit tests; the browser's own IndexedDB when omitted. */
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

export class VaultDb extends Dexie {
  meta!: Table<unknown, string>;
  lockout!: Table<unknown, string>;
  keys!: Table<unknown, string>;
  visits!: Table<unknown, string>;
  segments!: Table<unknown, [string, string]>;
  segmentPages!: Table<unknown, [string, number]>;
  notes!: Table<unknown, string>;
  phiMap!: Table<unknown, string>;
  audioChunks!: Table<unknown, [string, number]>;
  audit!: Table<unknown, string>;

  constructor(name: string = DB_NAME, deps: DexieDeps = {}) {
    super(name, deps.indexedDB && deps.IDBKeyRange ? { indexedDB: deps.indexedDB, IDBKeyRange: deps.IDBKeyRange } : {});
    declareAllVersions(this);
  }
}

/** Every table that holds PHI ciphertext (used by deleteAll and the canary scans). */
export const CONTENT_TABLES = ['visits', 'segments', 'segmentPages', 'notes', 'phiMap', 'audioChunks', 'audit'] as const;
export const ALL_TABLES = ['meta', 'lockout', 'keys', ...CONTENT_TABLES] as const;
