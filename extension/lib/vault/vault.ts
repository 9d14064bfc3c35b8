/**
 * The vault core: adapter-free (a Dexie db, a clock and a config), so it runs under vitest and in
 * whichever extension context hosts it (the offscreen document: see vault.design.md).
 *
 * Key hierarchy:
 *   PIN ──PBKDF2-SHA256(salt, ≥600k)──► KEK (non-extractable, wrap/unwrap only, never stored)
 *   KEK ──AES-GCM wrap, AAD(meta, vaultId)──► vault key   (stored wrapped in `meta`)
 *   vault key ──AES-GCM wrap, AAD(keys, id)──► per-visit data key / audit key (stored in `keys`)
 *   data key ──AES-GCM, AAD(table, ids)──► every content field
 * Unlocked, only the vault key, the audit key and an LRU of visit keys are held, all as
 * non-extractable CryptoKeys. lock() drops every reference.
 */
import { Dexie } from 'dexie';
import { z } from 'zod';
import { TranscriptSegment } from '../../../shared/transcript.ts';
import {
  AudioChunkRow,
  AuditRow,
  BlobRow,
  Id,
  KeyRow,
  LockoutRow,
  MetaRow,
  MAX_SEGMENTS_PER_PAGE,
  SegmentPageRow,
  SegmentRow,
  VisitRow,
  type VaultDb,
  type VisitState,
} from '../db/schema.ts';
import { VaultConfig, backoffDelayMs, type VaultConfigInput } from './config.ts';
import {
  SALT_BYTES,
  aad,
  bytes,
  deriveKek,
  fromUtf8,
  generateWrappableKey,
  open,
  randomBytes,
  seal,
  unwrapAesKey,
  utf8,
  wrapAesKey,
  type Sealed,
} from './crypto.ts';
import { VaultError, toVaultError } from './errors.ts';
import { deleteVisitRows, expiryOf, purgeExpiredRows, type PurgeResult } from './retention.ts';

export interface Clock {
  /** Wall-clock ms (timestamps, retention). */
  now(): number;
  /**
   * Monotonic ms for the idle lock (performance.now()): a wall-clock step back must not keep the
   * vault open for days, and a step forward must not count as idleness. Defaults to now().
   */
  monotonic?(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/** JSON content (note bodies, PHI maps, visit metadata): callers parse with their own schema. */
export const JsonContent = z.json();
export type JsonContent = z.infer<typeof JsonContent>;

/** Max bytes of one sealed JSON value (a 10,000-word note is ~70 kB). */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
const MAX_AUDIO_CHUNK_BYTES = 8 * 1024 * 1024;

/** What listVisits returns: clear metadata only, never content. */
export interface VisitSummary {
  readonly id: string;
  readonly state: VisitState;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly approvedAt: number | null;
  readonly expiresAt: number;
}

export const AuditEvent = z
  .object({
    code: z.string().regex(/^[a-z0-9_.:-]{1,64}$/),
    visitId: Id.optional(),
    n: z.number().int().nonnegative().optional(),
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEvent>;
export interface AuditEntry extends AuditEvent {
  readonly id: string;
  readonly at: number;
}

export type LockReason = 'manual' | 'idle_timeout' | 'system_idle' | 'system_locked' | 'reset' | 'pin_changed';

export interface VaultStatus {
  readonly initialized: boolean;
  readonly unlocked: boolean;
  /** Consecutive wrong PINs since the last successful unlock. */
  readonly failedAttempts: number;
  /** 0 when a PIN attempt is accepted now. */
  readonly retryAfterMs: number;
  readonly idleLockMs: number;
}

const VAULT_KEY_USAGES: KeyUsage[] = ['wrapKey', 'unwrapKey'];
const DATA_KEY_USAGES: KeyUsage[] = ['encrypt', 'decrypt'];
const AUDIT_KEY_ID = 'audit';

interface Unlocked {
  readonly vaultKey: CryptoKey;
  readonly auditKey: CryptoKey;
  readonly vaultId: string;
}

/** The settings policy may change while the vault runs (lib/policy → offscreen flow). */
export type LiveVaultSettings = Partial<Pick<VaultConfigInput, 'idleLockMs' | 'draftTtlMs' | 'approvedTtlMs' | 'auditTtlMs' | 'pinMinLength' | 'wipeAfterFailures'>>;

export class Vault {
  #config: VaultConfig;
  readonly #db: VaultDb;
  readonly #clock: Clock;
  #keys: Unlocked | null = null;
  /** LRU of unwrapped (non-extractable) visit data keys with the visit's expiry; Map keeps insertion order. */
  #visitKeys = new Map<string, { key: CryptoKey; expiresAt: number }>();
  /** Incremented by every lock: an operation that started before a lock never returns content. */
  #epoch = 0;
  #lastActivity = 0;
  #timer: unknown = null;
  #pinQueue: Promise<unknown> = Promise.resolve();
  #auditSeq = 0;
  /** Loose segment writes per visit since the last page append (this instance only). */
  #looseWrites = new Map<string, number>();
  /** Compactions run one at a time: page indexes are chosen before sealing (they are in the AAD). */
  #compactQueue: Promise<unknown> = Promise.resolve();
  #lockListeners = new Set<(reason: LockReason) => void>();

  constructor(db: VaultDb, clock: Clock = systemClock, config: VaultConfigInput = {}) {
    const parsed = VaultConfig.safeParse(config);
    if (!parsed.success) throw new VaultError('INVALID_INPUT');
    this.#config = parsed.data;
    this.#db = db;
    this.#clock = clock;
  }

  get config(): VaultConfig {
    return this.#config;
  }

  /**
   * Applies policy-driven settings live (idle lock, retention, PIN length). Invalid values are
   * refused as a whole (INVALID_INPUT) and the previous settings stay. A shorter idle lock takes
   * effect at once (the timer is re-armed); retention changes apply to the next expiry computed.
   */
  reconfigure(settings: LiveVaultSettings): void {
    const parsed = VaultConfig.safeParse({ ...this.#config, ...settings });
    if (!parsed.success) throw new VaultError('INVALID_INPUT');
    this.#config = parsed.data;
    if (this.#keys !== null) {
      const idle = this.#mono() - this.#lastActivity;
      this.#armTimer(Math.max(1, this.#config.idleLockMs - idle));
    }
  }

  /** The local clinician profile id (audit `actor`): derived from this vault's random id; null while locked. */
  get profileId(): string | null {
    return this.#keys === null ? null : `clinician-${this.#keys.vaultId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`;
  }

  // ── status, lock ───────────────────────────────────────────────────────────────────────────

  get isUnlocked(): boolean {
    return this.#keys !== null;
  }

  async status(): Promise<VaultStatus> {
    this.#checkIdle();
    const meta = await this.#readMeta();
    const lo = await this.#readLockout();
    const now = this.#clock.now();
    return {
      initialized: meta !== null,
      unlocked: this.#keys !== null,
      failedAttempts: lo?.failures ?? 0,
      retryAfterMs: lo ? Math.max(0, lo.nextAttemptAt - now) : 0,
      idleLockMs: this.config.idleLockMs,
    };
  }

  /** Called on lock from any cause; the host broadcasts it so every context clears its UI state. */
  onLock(listener: (reason: LockReason) => void): () => void {
    this.#lockListeners.add(listener);
    return () => this.#lockListeners.delete(listener);
  }

  /** Drops every key reference immediately (synchronous: nothing can run between). */
  lock(reason: LockReason = 'manual'): void {
    const keys = this.#keys;
    this.#keys = null;
    this.#visitKeys.clear();
    this.#visitKeys = new Map();
    this.#epoch++;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    if (keys === null) return;
    // The audit entry is sealed with the audit key captured above; the vault is already locked.
    void this.#appendAuditWith(keys, { code: `vault.lock.${reason}` }).catch(() => undefined);
    for (const l of this.#lockListeners) {
      try {
        l(reason);
      } catch {
        // a listener's failure must not keep the vault unlocked or escape lock()
      }
    }
  }

  /** chrome.idle.onStateChanged: 'idle' and 'locked' lock the vault; 'active' does nothing. */
  onSystemIdleState(state: 'active' | 'idle' | 'locked'): void {
    if (state === 'locked') this.lock('system_locked');
    else if (state === 'idle') this.lock('system_idle');
  }

  /** Counts as clinician activity (e.g. side panel interaction) for the idle timer. */
  touch(): void {
    this.#checkIdle();
    if (this.#keys !== null) this.#lastActivity = this.#mono();
  }

  /** Stops the idle timer (tests, or the host document unloading). Also locks. */
  dispose(): void {
    this.lock('manual');
    this.#lockListeners.clear();
  }

  // ── setup, unlock, PIN change, reset ───────────────────────────────────────────────────────

  /** Creates the vault (fresh random vault key, wrapped under the PIN) and leaves it unlocked. */
  async setup(pin: string): Promise<void> {
    return this.#serialPin(async () => {
      this.#checkPin(pin);
      if ((await this.#readMetaRaw()) !== undefined) throw new VaultError('ALREADY_INITIALIZED');
      const now = this.#clock.now();
      const vaultId = crypto.randomUUID();
      const salt = randomBytes(SALT_BYTES);
      const iterations = this.config.kdfIterations;
      const kek = await deriveKek(pin, salt, iterations);
      const fresh = await generateWrappableKey(VAULT_KEY_USAGES);
      const wrappedVault = await wrapAesKey(fresh, kek, aad('meta', vaultId));
      // Re-import as non-extractable: the extractable `fresh` goes out of scope with this call.
      const vaultKey = await unwrapAesKey(wrappedVault, kek, aad('meta', vaultId), VAULT_KEY_USAGES);
      const freshAudit = await generateWrappableKey(DATA_KEY_USAGES);
      const wrappedAudit = await wrapAesKey(freshAudit, vaultKey, aad('keys', AUDIT_KEY_ID, vaultId));
      const auditKey = await unwrapAesKey(wrappedAudit, vaultKey, aad('keys', AUDIT_KEY_ID, vaultId), DATA_KEY_USAGES);
      const meta: MetaRow = {
        id: 'vault',
        vaultId,
        kdf: 'PBKDF2-SHA256',
        iterations,
        salt,
        iv: wrappedVault.iv,
        ct: wrappedVault.ct,
        createdAt: now,
        pinChangedAt: now,
      };
      const auditRow: KeyRow = { id: AUDIT_KEY_ID, kind: 'audit', createdAt: now, iv: wrappedAudit.iv, ct: wrappedAudit.ct };
      await this.#store(() =>
        this.#db.transaction('rw', [this.#db.meta, this.#db.keys, this.#db.lockout], async () => {
          if ((await this.#db.meta.get('vault')) !== undefined) throw new VaultError('ALREADY_INITIALIZED');
          await this.#db.meta.put(meta);
          await this.#db.keys.put(auditRow);
          await this.#db.lockout.delete('pin');
        }),
      );
      this.#becomeUnlocked({ vaultKey, auditKey, vaultId });
      await this.#audit({ code: 'vault.setup' });
    });
  }

  /**
   * Unlocks with the PIN. Wrong PIN: WRONG_PIN (with retryAfterMs), the failure is persisted and
   * later attempts inside the back-off window get BACKOFF without running the KDF at all.
   */
  async unlock(pin: string): Promise<void> {
    return this.#serialPin(async () => {
      if (typeof pin !== 'string' || pin.length === 0 || pin.length > this.config.pinMaxLength) throw new VaultError('INVALID_INPUT');
      const meta = await this.#readMeta();
      if (meta === null) throw new VaultError('NOT_INITIALIZED');
      const lo = await this.#readLockout();
      const now = this.#clock.now();
      if (lo && now < lo.nextAttemptAt) throw new VaultError('BACKOFF', lo.nextAttemptAt - now);

      let opened: Unlocked;
      try {
        opened = await this.#openWithPin(meta, pin);
      } catch (e) {
        if (!(e instanceof VaultError) || e.code !== 'INTEGRITY') throw toVaultError(e);
        const failures = (lo?.failures ?? 0) + 1;
        const at = this.#clock.now();
        const delay = backoffDelayMs(failures, this.config);
        const row: LockoutRow = { id: 'pin', failures, lastFailureAt: at, nextAttemptAt: at + delay };
        await this.#store(() => this.#db.lockout.put(row));
        if (this.config.wipeAfterFailures !== null && failures >= this.config.wipeAfterFailures) {
          await this.#destroy();
          throw new VaultError('WIPED');
        }
        throw new VaultError('WRONG_PIN', delay);
      }
      await this.#store(() => this.#db.lockout.delete('pin'));
      this.#becomeUnlocked(opened);
      await this.#audit({ code: 'vault.unlock', n: lo?.failures ?? 0 });
      // Older vaults (or a raised policy) get their KDF cost brought up to the configured one.
      if (meta.iterations < this.config.kdfIterations) await this.#rewrapVaultKey(meta, pin, pin);
    });
  }

  /** Re-wraps the vault key under a new PIN (fresh salt). Data keys and records are untouched. */
  async changePin(oldPin: string, newPin: string): Promise<void> {
    return this.#serialPin(async () => {
      this.#checkPin(newPin);
      const meta = await this.#readMeta();
      if (meta === null) throw new VaultError('NOT_INITIALIZED');
      this.#requireUnlocked();
      const lo = await this.#readLockout();
      const now = this.#clock.now();
      if (lo && now < lo.nextAttemptAt) throw new VaultError('BACKOFF', lo.nextAttemptAt - now);
      try {
        await this.#rewrapVaultKey(meta, oldPin, newPin);
      } catch (e) {
        if (e instanceof VaultError && e.code === 'INTEGRITY') {
          // A wrong old PIN counts towards back-off like a wrong unlock.
          const failures = (lo?.failures ?? 0) + 1;
          const delay = backoffDelayMs(failures, this.config);
          await this.#store(() => this.#db.lockout.put({ id: 'pin', failures, lastFailureAt: now, nextAttemptAt: now + delay }));
          throw new VaultError('WRONG_PIN', delay);
        }
        throw toVaultError(e);
      }
      await this.#audit({ code: 'vault.pin_changed' });
    });
  }

  /**
   * Forgotten PIN: destroys the vault (every record, every key, the wrapped vault key, the
   * back-off counter). There is no recovery path by design. Works locked.
   */
  async resetVault(): Promise<void> {
    return this.#serialPin(async () => {
      this.lock('reset');
      await this.#destroy();
    });
  }

  // ── visits ─────────────────────────────────────────────────────────────────────────────────

  async createVisit(meta: JsonContent = {}): Promise<string> {
    const u = this.#begin();
    const now = this.#clock.now();
    const id = crypto.randomUUID();
    const fresh = await generateWrappableKey(DATA_KEY_USAGES);
    const wrapped = await wrapAesKey(fresh, u.vaultKey, aad('keys', id, u.vaultId));
    const key = await unwrapAesKey(wrapped, u.vaultKey, aad('keys', id, u.vaultId), DATA_KEY_USAGES);
    const sealed = await seal(key, aad('visits', id), this.#json(meta));
    const row: VisitRow = {
      id,
      createdAt: now,
      updatedAt: now,
      state: 'draft',
      approvedAt: null,
      expiresAt: now + this.config.draftTtlMs,
      iv: sealed.iv,
      ct: sealed.ct,
    };
    const keyRow: KeyRow = { id, kind: 'visit', createdAt: now, iv: wrapped.iv, ct: wrapped.ct };
    this.#ensureEpoch(u);
    // Key and visit row in one transaction: retention never sees one without the other.
    await this.#store(() =>
      this.#db.transaction('rw', [this.#db.keys, this.#db.visits], async () => {
        await this.#db.keys.put(keyRow);
        await this.#db.visits.put(row);
      }),
    );
    this.#cacheVisitKey(id, key, row.expiresAt);
    await this.#audit({ code: 'visit.create', visitId: id });
    return id;
  }

  async getVisitMeta(visitId: string): Promise<JsonContent> {
    const u = this.#begin();
    const row = await this.#visitRow(visitId);
    const key = await this.#visitKey(u, visitId);
    const plain = await open(key, aad('visits', visitId), row);
    this.#ensureEpoch(u);
    return this.#parseJson(plain);
  }

  /** Clear metadata of every visit, newest first. Refused while locked like every read. */
  async listVisits(): Promise<VisitSummary[]> {
    const u = this.#begin();
    const rows = await this.#store(() => this.#db.visits.orderBy('createdAt').reverse().toArray());
    const out: VisitSummary[] = [];
    for (const raw of rows) {
      const v = VisitRow.safeParse(raw);
      if (!v.success) continue; // a corrupt row is skipped here and removed by purgeExpired
      const { id, state, createdAt, updatedAt, approvedAt } = v.data;
      out.push({ id, state, createdAt, updatedAt, approvedAt, expiresAt: expiryOf(v.data, this.config) });
    }
    this.#ensureEpoch(u);
    return out;
  }

  /** Marks the visit approved at `now`; retention restarts from approval (default 72 h). */
  async approveVisit(visitId: string, now: number = this.#clock.now()): Promise<VisitSummary> {
    const u = this.#begin();
    this.#id(visitId);
    const updated = await this.#store(() =>
      this.#db.transaction('rw', [this.#db.visits], async () => {
        const v = VisitRow.safeParse(await this.#db.visits.get(visitId));
        if (!v.success) throw new VaultError('NOT_FOUND');
        const next: VisitRow = { ...v.data, state: 'approved', approvedAt: now, updatedAt: now };
        next.expiresAt = expiryOf(next, this.config);
        await this.#db.visits.put(next);
        return next;
      }),
    );
    this.#ensureEpoch(u);
    const cached = this.#visitKeys.get(visitId);
    if (cached) cached.expiresAt = updated.expiresAt;
    await this.#audit({ code: 'visit.approve', visitId });
    // An approved visit's transcript is final: pack it so re-opening it is fast. An optimisation
    // only — a failure leaves the loose rows, which read the same.
    await this.compactSegments(visitId).catch(() => 0);
    const { id, state, createdAt, updatedAt, approvedAt, expiresAt } = updated;
    return { id, state, createdAt, updatedAt, approvedAt, expiresAt };
  }

  /** Deletes the visit's records and shreds its data key. Works locked (no key needed). */
  async deleteVisit(visitId: string): Promise<boolean> {
    this.#checkIdle();
    this.#id(visitId);
    this.#visitKeys.delete(visitId);
    const existed = await this.#store(() => deleteVisitRows(this.#db, visitId));
    if (this.#keys) await this.#audit({ code: 'visit.delete', visitId });
    return existed;
  }

  /** Deletes every visit and shreds every visit key. The vault, its PIN and audit trail remain. */
  async deleteAll(): Promise<number> {
    this.#checkIdle();
    this.#visitKeys.clear();
    const db = this.#db;
    const n = await this.#store(() =>
      db.transaction('rw', [db.keys, db.visits, db.segments, db.segmentPages, db.notes, db.phiMap, db.audioChunks], async () => {
        await db.keys.where('kind').equals('visit').delete();
        const count = await db.visits.count();
        await Promise.all([
          db.visits.clear(),
          db.segments.clear(),
          db.segmentPages.clear(),
          db.notes.clear(),
          db.phiMap.clear(),
          db.audioChunks.clear(),
        ]);
        return count;
      }),
    );
    if (this.#keys) await this.#audit({ code: 'vault.delete_all', n });
    return n;
  }

  /** Retention: deletes expired visits (and old audit entries). Works locked. */
  async purgeExpired(now: number = this.#clock.now()): Promise<PurgeResult> {
    this.#checkIdle();
    const r = await this.#store(() => purgeExpiredRows(this.#db, now, this.config, { sweep: true }));
    this.#visitKeys.clear();
    if (this.#keys && r.visits > 0) await this.#audit({ code: 'vault.purge', n: r.visits });
    return r;
  }

  // ── segments ───────────────────────────────────────────────────────────────────────────────

  /** Stores (or replaces, same segment id) one transcript segment. */
  async putSegment(visitId: string, seg: TranscriptSegment): Promise<void> {
    const u = this.#begin();
    this.#id(visitId);
    const s = TranscriptSegment.safeParse(seg);
    if (!s.success) throw new VaultError('INVALID_INPUT');
    const key = await this.#visitKey(u, visitId);
    const plain = utf8(JSON.stringify(s.data));
    const sealed = await seal(key, aad('segments', visitId, s.data.id), plain);
    const now = this.#clock.now();
    const row: SegmentRow = { visitId, id: s.data.id, t0: s.data.t0, size: plain.byteLength, updatedAt: now, iv: sealed.iv, ct: sealed.ct };
    this.#ensureEpoch(u);
    await this.#putUnderVisit(visitId, this.#db.segments, row);
    // Every `segmentsPerPage` writes, fold the loose rows into one appended page, so a visit never
    // has more than about one page of loose rows however long it runs (bounded open cost).
    const n = (this.#looseWrites.get(visitId) ?? 0) + 1;
    if (n < this.config.segmentsPerPage) {
      this.#looseWrites.set(visitId, n);
      return;
    }
    this.#looseWrites.delete(visitId);
    await this.#serialCompaction(() => this.#appendPage(visitId)).catch(() => 0); // optimisation only
  }

  /**
   * Every segment of the visit in time order (t0, then id): sealed pages (after compaction) plus
   * loose rows written since; a loose row wins over a paged copy of the same segment id.
   */
  async listSegments(visitId: string): Promise<TranscriptSegment[]> {
    const u = this.#begin();
    this.#id(visitId);
    const key = await this.#visitKey(u, visitId);
    const { paged, loose } = await this.#readSegments(key, visitId);
    this.#ensureEpoch(u);
    return mergeSegments(paged, loose.map((l) => l.seg));
  }

  /**
   * Packs the visit's segments into sealed pages of `segmentsPerPage` and removes the loose rows
   * it packed, so opening the visit costs one decryption per page. Call when capture stops;
   * approveVisit also calls it. Safe while segments are still being written: a loose row changed
   * after it was read is kept (and wins on read). Returns the number of pages written.
   */
  async compactSegments(visitId: string): Promise<number> {
    this.#begin();
    this.#id(visitId);
    return this.#serialCompaction(() => this.#rewritePages(visitId));
  }

  #serialCompaction<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#compactQueue.then(fn, fn);
    this.#compactQueue = run.catch(() => undefined);
    return run;
  }

  /** Full compaction: all segments (pages + loose) re-packed into pages 0..k. */
  async #rewritePages(visitId: string): Promise<number> {
    const u = this.#begin();
    const key = await this.#visitKey(u, visitId);
    const { paged, loose, pageCount } = await this.#readSegments(key, visitId);
    const all = mergeSegments(paged, loose.map((l) => l.seg));
    // Already normal form: no loose rows, no superseded copies, no partly filled pages but the last.
    if (loose.length === 0 && all.length === paged.length && pageCount === Math.ceil(all.length / this.config.segmentsPerPage)) return pageCount;
    const pages = await this.#sealPages(key, visitId, all, 0);
    this.#ensureEpoch(u);
    await this.#commitPages(visitId, pages, loose, true);
    return pages.length;
  }

  /** Incremental compaction: the loose rows become new page(s) after the last one. */
  async #appendPage(visitId: string): Promise<number> {
    const u = this.#begin();
    const key = await this.#visitKey(u, visitId);
    const loose = await this.#readLoose(key, visitId);
    if (loose.length === 0) return 0;
    const db = this.#db;
    const last = await this.#store(() => db.segmentPages.where('[visitId+page]').between([visitId, Dexie.minKey], [visitId, Dexie.maxKey]).last());
    const lastPage = SegmentPageRow.safeParse(last);
    const first = last === undefined ? 0 : lastPage.success ? lastPage.data.page + 1 : null;
    if (first === null) throw new VaultError('CORRUPT');
    const segs = [...loose.map((l) => l.seg)].sort((a, b) => a.t0 - b.t0);
    const pages = await this.#sealPages(key, visitId, segs, first);
    this.#ensureEpoch(u);
    await this.#commitPages(visitId, pages, loose, false);
    return pages.length;
  }

  async #sealPages(key: CryptoKey, visitId: string, segs: readonly TranscriptSegment[], first: number): Promise<SegmentPageRow[]> {
    const now = this.#clock.now();
    const pages: SegmentPageRow[] = [];
    const per = this.config.segmentsPerPage;
    for (let i = 0; i * per < segs.length; i++) {
      const chunk = segs.slice(i * per, (i + 1) * per);
      const plain = utf8(JSON.stringify(chunk));
      const page = first + i;
      const sealed = await seal(key, aad('segmentPages', visitId, String(page)), plain);
      pages.push({ visitId, page, count: chunk.length, size: plain.byteLength, updatedAt: now, iv: sealed.iv, ct: sealed.ct });
    }
    return pages;
  }

  async #commitPages(
    visitId: string,
    pages: readonly SegmentPageRow[],
    loose: ReadonlyArray<{ row: SegmentRow }>,
    replaceAll: boolean,
  ): Promise<void> {
    const db = this.#db;
    await this.#store(() =>
      db.transaction('rw', [db.visits, db.segments, db.segmentPages], async () => {
        if ((await db.visits.get(visitId)) === undefined) throw new VaultError('NOT_FOUND');
        if (replaceAll) await db.segmentPages.where('visitId').equals(visitId).delete();
        await db.segmentPages.bulkPut(pages);
        // Delete only the exact rows we packed (same IV); a newer write to the same id stays loose.
        const packed = new Map(loose.map((l) => [l.row.id, l.row.iv] as const));
        const current = await db.segments.where('visitId').equals(visitId).toArray();
        const done: Array<[string, string]> = [];
        for (const raw of current) {
          const cur = SegmentRow.safeParse(raw);
          if (!cur.success) continue;
          const iv = packed.get(cur.data.id);
          if (iv && sameBytes(cur.data.iv, iv)) done.push([visitId, cur.data.id]);
        }
        await db.segments.bulkDelete(done);
      }),
    );
  }

  async #readLoose(key: CryptoKey, visitId: string): Promise<Array<{ row: SegmentRow; seg: TranscriptSegment }>> {
    const rows = await this.#store(() =>
      this.#db.segments.where('[visitId+t0]').between([visitId, Dexie.minKey], [visitId, Dexie.maxKey]).toArray(),
    );
    return Promise.all(rows.map((raw) => this.#openLoose(key, visitId, raw)));
  }

  async #openLoose(key: CryptoKey, visitId: string, raw: unknown): Promise<{ row: SegmentRow; seg: TranscriptSegment }> {
    const r = SegmentRow.safeParse(raw);
    if (!r.success || r.data.visitId !== visitId) throw new VaultError('CORRUPT');
    const plain = await open(key, aad('segments', visitId, r.data.id), r.data);
    const seg = TranscriptSegment.safeParse(this.#parseJson(plain));
    if (!seg.success || seg.data.id !== r.data.id) throw new VaultError('CORRUPT');
    return { row: r.data, seg: seg.data };
  }

  async #readSegments(
    key: CryptoKey,
    visitId: string,
  ): Promise<{ paged: TranscriptSegment[]; loose: Array<{ row: SegmentRow; seg: TranscriptSegment }>; pageCount: number }> {
    const db = this.#db;
    const [pageRows, looseRows] = await this.#store(() =>
      db.transaction('r', [db.segmentPages, db.segments], () =>
        Promise.all([
          db.segmentPages.where('[visitId+page]').between([visitId, Dexie.minKey], [visitId, Dexie.maxKey]).toArray(),
          db.segments.where('[visitId+t0]').between([visitId, Dexie.minKey], [visitId, Dexie.maxKey]).toArray(),
        ]),
      ),
    );
    const [pages, loose] = await Promise.all([
      Promise.all(
        pageRows.map(async (raw) => {
          const r = SegmentPageRow.safeParse(raw);
          if (!r.success || r.data.visitId !== visitId) throw new VaultError('CORRUPT');
          const plain = await open(key, aad('segmentPages', visitId, String(r.data.page)), r.data);
          const segs = SegmentList.safeParse(this.#parseJson(plain));
          if (!segs.success || segs.data.length !== r.data.count) throw new VaultError('CORRUPT');
          return segs.data;
        }),
      ),
      Promise.all(looseRows.map((raw) => this.#openLoose(key, visitId, raw))),
    ]);
    return { paged: pages.flat(), loose, pageCount: pageRows.length };
  }

  // ── note, PHI map (one current record per visit) ───────────────────────────────────────────

  async putNote(visitId: string, note: JsonContent): Promise<void> {
    await this.#putBlob('notes', visitId, note);
  }

  /** The visit's note, or null when none was stored yet. */
  async getNote(visitId: string): Promise<JsonContent | null> {
    return this.#getBlob('notes', visitId);
  }

  async putPhiMap(visitId: string, map: JsonContent): Promise<void> {
    await this.#putBlob('phiMap', visitId, map);
  }

  async getPhiMap(visitId: string): Promise<JsonContent | null> {
    return this.#getBlob('phiMap', visitId);
  }

  // ── audio chunks (only when policy stores audio) ───────────────────────────────────────────

  async putAudioChunk(visitId: string, seq: number, data: Uint8Array): Promise<void> {
    const u = this.#begin();
    this.#id(visitId);
    if (!Number.isSafeInteger(seq) || seq < 0 || !(data instanceof Uint8Array) || data.byteLength > MAX_AUDIO_CHUNK_BYTES) {
      throw new VaultError('INVALID_INPUT');
    }
    const key = await this.#visitKey(u, visitId);
    const sealed = await seal(key, aad('audioChunks', visitId, String(seq)), bytes(data));
    const row: AudioChunkRow = { visitId, seq, size: data.byteLength, createdAt: this.#clock.now(), iv: sealed.iv, ct: sealed.ct };
    this.#ensureEpoch(u);
    await this.#putUnderVisit(visitId, this.#db.audioChunks, row);
  }

  async listAudioChunks(visitId: string): Promise<Array<{ seq: number; data: Uint8Array }>> {
    const u = this.#begin();
    this.#id(visitId);
    const key = await this.#visitKey(u, visitId);
    const rows = await this.#store(() =>
      this.#db.audioChunks.where('[visitId+seq]').between([visitId, Dexie.minKey], [visitId, Dexie.maxKey]).toArray(),
    );
    const out = await Promise.all(
      rows.map(async (raw) => {
        const r = AudioChunkRow.safeParse(raw);
        if (!r.success || r.data.visitId !== visitId) throw new VaultError('CORRUPT');
        return { seq: r.data.seq, data: await open(key, aad('audioChunks', visitId, String(r.data.seq)), r.data) };
      }),
    );
    this.#ensureEpoch(u);
    return out;
  }

  // ── audit ──────────────────────────────────────────────────────────────────────────────────

  /** Appends an audit event (codes, ids, counts only: the schema has no field for content). */
  async appendAudit(event: AuditEvent): Promise<void> {
    this.#begin();
    const e = AuditEvent.safeParse(event);
    if (!e.success) throw new VaultError('INVALID_INPUT');
    await this.#audit(e.data);
  }

  /** Audit entries, oldest first. Entries that fail to open are reported by count, not thrown. */
  async listAudit(): Promise<{ entries: AuditEntry[]; unreadable: number }> {
    const u = this.#begin();
    // primary-key (id) order = time order; the audit trail's chain records live beside, under CHAIN_PREFIX
    const rows = await this.#store(() => this.#db.audit.where('id').below(CHAIN_PREFIX).toArray());
    let unreadable = 0;
    const entries: AuditEntry[] = [];
    for (const raw of rows) {
      const r = AuditRow.safeParse(raw);
      if (!r.success) {
        unreadable++;
        continue;
      }
      try {
        const plain = await open(u.auditKey, aad('audit', r.data.id, String(r.data.at)), r.data);
        const ev = AuditEvent.safeParse(this.#parseJson(plain));
        if (!ev.success) unreadable++;
        else entries.push({ ...ev.data, id: r.data.id, at: r.data.at });
      } catch {
        unreadable++;
      }
    }
    this.#ensureEpoch(u);
    return { entries, unreadable };
  }

  // ── audit chain storage (lib/audit's AuditStore, see ./audit-store.ts) ───────────────────

  /** Stores one audit-trail record, sealed under the audit key, keyed by its seq. */
  async putChainRecord(seq: number, ts: string, record: JsonContent): Promise<void> {
    const u = this.#begin();
    const at = Date.parse(ts);
    if (!Number.isSafeInteger(seq) || seq < 0 || !Number.isFinite(at) || at < 0) throw new VaultError('INVALID_INPUT');
    const id = chainId(seq);
    const sealed = await seal(u.auditKey, aad('audit', id, String(at)), this.#json(record));
    this.#ensureEpoch(u);
    const row: AuditRow = { id, at, iv: sealed.iv, ct: sealed.ct };
    await this.#store(() => this.#db.audit.put(row));
  }

  /** Chain records in ascending seq within [fromSeq, toSeq], at most `limit`. */
  async listChainRecords(range: { fromSeq?: number; toSeq?: number; limit?: number } = {}): Promise<JsonContent[]> {
    const u = this.#begin();
    const from = chainId(Math.max(0, Math.floor(range.fromSeq ?? 0)));
    const to = chainId(Math.min(Number.MAX_SAFE_INTEGER, Math.floor(range.toSeq ?? Number.MAX_SAFE_INTEGER)));
    const limit = range.limit === undefined ? Infinity : Math.max(0, Math.floor(range.limit));
    const rows = await this.#store(() => {
      const c = this.#db.audit.where('id').between(from, to, true, true);
      return Number.isFinite(limit) ? c.limit(limit).toArray() : c.toArray();
    });
    const out = await Promise.all(rows.map((raw) => this.#openChain(u, raw)));
    this.#ensureEpoch(u);
    return out;
  }

  async lastChainRecord(): Promise<JsonContent | undefined> {
    const u = this.#begin();
    const raw = await this.#store(() => this.#db.audit.where('id').between(CHAIN_PREFIX, CHAIN_END, true, false).last());
    if (raw === undefined) return undefined;
    const out = await this.#openChain(u, raw);
    this.#ensureEpoch(u);
    return out;
  }

  async countChainRecords(): Promise<number> {
    this.#begin();
    return this.#store(() => this.#db.audit.where('id').between(CHAIN_PREFIX, CHAIN_END, true, false).count());
  }

  /** Deletes chain records whose ts is before cutoffIso. Needs no key (at is clear), but is refused locked like every audit call. */
  async deleteChainRecordsOlderThan(cutoffIso: string): Promise<number> {
    this.#begin();
    const cutoff = Date.parse(cutoffIso);
    if (!Number.isFinite(cutoff)) throw new VaultError('INVALID_INPUT');
    return this.#store(() =>
      this.#db.audit
        .where('id')
        .between(CHAIN_PREFIX, CHAIN_END, true, false)
        .filter((r) => typeof (r as { at?: unknown }).at === 'number' && (r as { at: number }).at < cutoff)
        .delete(),
    );
  }

  async #openChain(u: Unlocked, raw: unknown): Promise<JsonContent> {
    const r = AuditRow.safeParse(raw);
    if (!r.success || !r.data.id.startsWith(CHAIN_PREFIX)) throw new VaultError('CORRUPT');
    const plain = await open(u.auditKey, aad('audit', r.data.id, String(r.data.at)), r.data);
    return this.#parseJson(plain);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  #checkPin(pin: unknown): asserts pin is string {
    if (typeof pin !== 'string') throw new VaultError('INVALID_INPUT');
    const n = [...pin.normalize('NFKC')].length;
    if (n < this.config.pinMinLength || n > this.config.pinMaxLength) throw new VaultError('PIN_POLICY');
  }

  #id(id: unknown): asserts id is string {
    if (!Id.safeParse(id).success) throw new VaultError('INVALID_INPUT');
  }

  /** PIN operations run one at a time so two attempts cannot both slip past the back-off check. */
  #serialPin<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#pinQueue.then(fn, fn);
    this.#pinQueue = run.catch(() => undefined);
    return run;
  }

  async #openWithPin(meta: MetaRow, pin: string): Promise<Unlocked> {
    const kek = await deriveKek(pin, meta.salt, meta.iterations);
    const vaultKey = await unwrapAesKey(meta, kek, aad('meta', meta.vaultId), VAULT_KEY_USAGES);
    const keyRow = KeyRow.safeParse(await this.#store(() => this.#db.keys.get(AUDIT_KEY_ID)));
    if (!keyRow.success) throw new VaultError('CORRUPT');
    const auditKey = await unwrapAesKey(keyRow.data, vaultKey, aad('keys', AUDIT_KEY_ID, meta.vaultId), DATA_KEY_USAGES).catch(() => {
      // The PIN was right (the vault key opened) but the audit key row is damaged.
      throw new VaultError('CORRUPT');
    });
    return { vaultKey, auditKey, vaultId: meta.vaultId };
  }

  async #rewrapVaultKey(meta: MetaRow, oldPin: string, newPin: string): Promise<void> {
    const oldKek = await deriveKek(oldPin, meta.salt, meta.iterations);
    // Extractable for the length of this function only: the one place the vault key must be
    // exported (wrapped, never raw) is when it is re-wrapped under a new PIN.
    const movable = await unwrapAesKey(meta, oldKek, aad('meta', meta.vaultId), VAULT_KEY_USAGES, true);
    const salt = randomBytes(SALT_BYTES);
    const iterations = Math.max(this.config.kdfIterations, this.config.unsafeTestKdf ? 1 : meta.iterations);
    const newKek = await deriveKek(newPin, salt, iterations);
    const wrapped = await wrapAesKey(movable, newKek, aad('meta', meta.vaultId));
    const next: MetaRow = { ...meta, salt, iterations, iv: wrapped.iv, ct: wrapped.ct, pinChangedAt: this.#clock.now() };
    await this.#store(() =>
      this.#db.transaction('rw', [this.#db.meta, this.#db.lockout], async () => {
        await this.#db.meta.put(next);
        await this.#db.lockout.delete('pin');
      }),
    );
  }

  async #destroy(): Promise<void> {
    this.lock('reset');
    const db = this.#db;
    // deleteDatabase removes the whole IndexedDB store (files included) rather than leaving
    // deleted rows for LevelDB to compact later; Dexie re-creates it empty on next use.
    await this.#store(() => db.delete({ disableAutoOpen: false }));
  }

  #becomeUnlocked(k: Unlocked): void {
    this.#visitKeys = new Map();
    this.#keys = k;
    this.#lastActivity = this.#mono();
    this.#armTimer(this.config.idleLockMs);
  }

  #armTimer(ms: number): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      if (this.#keys === null) return;
      const idle = this.#mono() - this.#lastActivity;
      if (idle >= this.config.idleLockMs) this.lock('idle_timeout');
      else this.#armTimer(this.config.idleLockMs - idle);
    }, Math.max(1, ms));
  }

  /** Locks if the idle time has passed even though the timer has not fired (throttled timers). */
  #checkIdle(): void {
    if (this.#keys !== null && this.#mono() - this.#lastActivity >= this.config.idleLockMs) this.lock('idle_timeout');
  }

  /** Idle time is measured on the monotonic clock (see Clock.monotonic). */
  #mono(): number {
    return this.#clock.monotonic ? this.#clock.monotonic() : this.#clock.now();
  }

  #requireUnlocked(): Unlocked {
    this.#checkIdle();
    if (this.#keys === null) throw new VaultError('LOCKED');
    return this.#keys;
  }

  /** Start of every keyed operation: idle check, LOCKED refusal, activity stamp, epoch capture. */
  #begin(): Unlocked & { readonly epoch: number } {
    const k = this.#requireUnlocked();
    this.#lastActivity = this.#mono();
    return { ...k, epoch: this.#epoch };
  }

  #ensureEpoch(u: { readonly epoch: number }): void {
    if (u.epoch !== this.#epoch) throw new VaultError('LOCKED');
  }

  async #store<T>(fn: () => PromiseLike<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toVaultError(e, 'STORAGE');
    }
  }

  async #readMetaRaw(): Promise<unknown> {
    return this.#store(() => this.#db.meta.get('vault'));
  }

  async #readMeta(): Promise<MetaRow | null> {
    const raw = await this.#readMetaRaw();
    if (raw === undefined) return null;
    const m = MetaRow.safeParse(raw);
    if (!m.success) throw new VaultError('CORRUPT');
    return m.data;
  }

  async #readLockout(): Promise<LockoutRow | null> {
    const raw = await this.#store(() => this.#db.lockout.get('pin'));
    if (raw === undefined) return null;
    const l = LockoutRow.safeParse(raw);
    // A damaged counter must not reset back-off to zero: treat it as a maximal back-off state.
    if (!l.success) return { id: 'pin', failures: 1_000, lastFailureAt: 0, nextAttemptAt: this.#clock.now() + this.config.backoffMaxMs };
    return l.data;
  }

  async #visitRow(visitId: string): Promise<VisitRow> {
    this.#id(visitId);
    const raw = await this.#store(() => this.#db.visits.get(visitId));
    if (raw === undefined) throw new VaultError('NOT_FOUND');
    const v = VisitRow.safeParse(raw);
    if (!v.success || v.data.id !== visitId) throw new VaultError('CORRUPT');
    return v.data;
  }

  /**
   * The visit's data key. Also enforces retention on access: an expired visit is never served,
   * even before the purge alarm has run (it is deleted on the spot and reads as NOT_FOUND).
   */
  async #visitKey(u: Unlocked, visitId: string): Promise<CryptoKey> {
    const hit = this.#visitKeys.get(visitId);
    if (hit) {
      if (this.#clock.now() >= hit.expiresAt) return this.#expire(visitId);
      // Another context (the service worker's retention purge, another page's delete) may have
      // removed the visit since its key was cached: without this check the purged visit kept
      // reading as an empty visit here, and writes to it left orphan rows.
      if ((await this.#store(() => this.#db.keys.get(visitId))) === undefined) {
        this.#visitKeys.delete(visitId);
        throw new VaultError('NOT_FOUND');
      }
      // refresh LRU position
      this.#visitKeys.delete(visitId);
      this.#visitKeys.set(visitId, hit);
      return hit.key;
    }
    const rawVisit = await this.#store(() => this.#db.visits.get(visitId));
    const rawKey = await this.#store(() => this.#db.keys.get(visitId));
    // No key: the visit was deleted (NOT_FOUND) or only its key was destroyed (SHREDDED).
    if (rawKey === undefined) throw new VaultError(rawVisit === undefined ? 'NOT_FOUND' : 'SHREDDED');
    if (rawVisit === undefined) throw new VaultError('NOT_FOUND');
    const visit = VisitRow.safeParse(rawVisit);
    if (!visit.success) throw new VaultError('CORRUPT');
    const expiresAt = expiryOf(visit.data, this.config);
    if (this.#clock.now() >= expiresAt) return this.#expire(visitId);
    const row = KeyRow.safeParse(rawKey);
    if (!row.success || row.data.kind !== 'visit') throw new VaultError('CORRUPT');
    const key = await unwrapAesKey(row.data, u.vaultKey, aad('keys', visitId, u.vaultId), DATA_KEY_USAGES);
    // Locked (or re-unlocked) while unwrapping: do not cache a key into a newer session.
    if (this.#keys?.vaultKey !== u.vaultKey) throw new VaultError('LOCKED');
    this.#cacheVisitKey(visitId, key, expiresAt);
    return key;
  }

  async #expire(visitId: string): Promise<never> {
    this.#visitKeys.delete(visitId);
    await this.#store(() => deleteVisitRows(this.#db, visitId));
    await this.#audit({ code: 'visit.expired', visitId });
    throw new VaultError('NOT_FOUND');
  }

  #cacheVisitKey(visitId: string, key: CryptoKey, expiresAt: number): void {
    if (this.#keys === null) return;
    this.#visitKeys.set(visitId, { key, expiresAt });
    while (this.#visitKeys.size > this.config.visitKeyCacheSize) {
      const oldest = this.#visitKeys.keys().next();
      if (oldest.done) break;
      this.#visitKeys.delete(oldest.value);
    }
  }

  /** Writes a content row only if its visit still exists (no ciphertext outlives its visit). */
  async #putUnderVisit(visitId: string, table: VaultDb['segments'] | VaultDb['audioChunks'] | VaultDb['notes'], row: unknown): Promise<void> {
    const db = this.#db;
    await this.#store(() =>
      db.transaction('rw', [db.visits, table], async () => {
        if ((await db.visits.get(visitId)) === undefined) throw new VaultError('NOT_FOUND');
        await (table as VaultDb['notes']).put(row);
      }),
    );
  }

  #json(value: JsonContent): Uint8Array<ArrayBuffer> {
    const v = JsonContent.safeParse(value);
    if (!v.success) throw new VaultError('INVALID_INPUT');
    const b = utf8(JSON.stringify(v.data));
    if (b.byteLength > MAX_JSON_BYTES) throw new VaultError('INVALID_INPUT');
    return b;
  }

  #parseJson(plain: Uint8Array): JsonContent {
    let v: unknown;
    try {
      v = JSON.parse(fromUtf8(plain));
    } catch {
      throw new VaultError('CORRUPT');
    }
    const j = JsonContent.safeParse(v);
    if (!j.success) throw new VaultError('CORRUPT');
    return j.data;
  }

  async #putBlob(table: 'notes' | 'phiMap', visitId: string, value: JsonContent): Promise<void> {
    const u = this.#begin();
    this.#id(visitId);
    const plain = this.#json(value);
    const key = await this.#visitKey(u, visitId);
    const sealed = await seal(key, aad(table, visitId), plain);
    const row: BlobRow = { visitId, size: plain.byteLength, updatedAt: this.#clock.now(), iv: sealed.iv, ct: sealed.ct };
    this.#ensureEpoch(u);
    await this.#putUnderVisit(visitId, this.#db[table], row);
  }

  async #getBlob(table: 'notes' | 'phiMap', visitId: string): Promise<JsonContent | null> {
    const u = this.#begin();
    this.#id(visitId);
    const key = await this.#visitKey(u, visitId);
    const raw = await this.#store(() => this.#db[table].get(visitId));
    if (raw === undefined) return null;
    const r = BlobRow.safeParse(raw);
    if (!r.success || r.data.visitId !== visitId) throw new VaultError('CORRUPT');
    const plain = await open(key, aad(table, visitId), r.data);
    this.#ensureEpoch(u);
    return this.#parseJson(plain);
  }

  async #audit(event: AuditEvent): Promise<void> {
    const k = this.#keys;
    if (k === null) return;
    await this.#appendAuditWith(k, event);
  }

  async #appendAuditWith(k: Unlocked, event: AuditEvent): Promise<void> {
    const at = this.#clock.now();
    // Sortable id: time, then a per-instance sequence (events within one ms keep their order),
    // then randomness (two contexts appending at once never collide).
    const id = `${at.toString(36).padStart(10, '0')}-${(this.#auditSeq++).toString(36).padStart(6, '0')}-${crypto.randomUUID().slice(0, 8)}`;
    const sealed: Sealed = await seal(k.auditKey, aad('audit', id, String(at)), utf8(JSON.stringify(event)));
    const row: AuditRow = { id, at, iv: sealed.iv, ct: sealed.ct };
    await this.#store(() => this.#db.audit.put(row));
  }
}

const SegmentList = z.array(TranscriptSegment).max(MAX_SEGMENTS_PER_PAGE);

/**
 * Pages in ascending page order (a later page's copy of a segment id wins: appended pages hold
 * newer writes), then loose rows over everything; ordered by t0, then id.
 */
function mergeSegments(paged: readonly TranscriptSegment[], loose: readonly TranscriptSegment[]): TranscriptSegment[] {
  const byId = new Map<string, TranscriptSegment>();
  for (const s of paged) byId.set(s.id, s);
  for (const s of loose) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => a.t0 - b.t0 || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Audit-trail chain records share the audit table under ids that sort after the vault's own. */
export const CHAIN_PREFIX = 'chain-';
const CHAIN_END = 'chain.'; // '.' is the code point after '-': the end of the prefix range
function chainId(seq: number): string {
  return `${CHAIN_PREFIX}${seq.toString().padStart(16, '0')}`;
}
