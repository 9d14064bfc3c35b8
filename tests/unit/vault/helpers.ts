import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { VaultDb } from '../../../extension/lib/db/schema.ts';
import { Vault, type Clock } from '../../../extension/lib/vault/vault.ts';
import type { VaultConfigInput } from '../../../extension/lib/vault/config.ts';
import { VaultError, type VaultErrorCode } from '../../../extension/lib/vault/errors.ts';
import type { TranscriptSegment } from '../../../shared/transcript.ts';

/** A fake clock whose timers fire only when advance() passes them. */
export class ManualClock implements Clock {
  t: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  constructor(start = Date.UTC(2026, 10, 23, 9, 0, 0)) {
    this.t = start;
  }
  /** the monotonic clock (performance.now()): moved by advance()/skip(), not by wall-clock jumps */
  m = 0;
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.m;
  }
  /** Time passes without any timer firing (throttled or suspended timers). */
  skip(ms: number): void {
    this.t += ms;
    this.m += ms;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const h = this.#next++;
    this.#timers.set(h, { at: this.m + ms, fn });
    return h;
  }
  clearTimeout(h: unknown): void {
    if (typeof h === 'number') this.#timers.delete(h);
  }
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves time forward, firing due timers in order (bounded: at most 10,000 firings). */
  advance(ms: number): void {
    const end = this.m + ms;
    const wallOffset = this.t - this.m;
    for (let i = 0; i < 10_000; i++) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e;
      if (!due) break;
      this.#timers.delete(due[0]);
      this.m = Math.max(this.m, due[1].at);
      this.t = this.m + wallOffset;
      due[1].fn();
    }
    this.m = end;
    this.t = end + wallOffset;
  }
}

export const TEST_KDF: VaultConfigInput = { kdfIterations: 1_000, unsafeTestKdf: true };
export const PIN = 'correct horse 42';

let n = 0;
export function freshDb(factory: IDBFactory = new IDBFactory()): { db: VaultDb; factory: IDBFactory; name: string } {
  const name = `vault-test-${n++}`;
  return { db: new VaultDb(name, { indexedDB: factory, IDBKeyRange }), factory, name };
}

export async function unlockedVault(config: VaultConfigInput = {}): Promise<{ vault: Vault; db: VaultDb; clock: ManualClock; factory: IDBFactory; name: string }> {
  const { db, factory, name } = freshDb();
  const clock = new ManualClock();
  const vault = new Vault(db, clock, { ...TEST_KDF, ...config });
  await vault.setup(PIN);
  return { vault, db, clock, factory, name };
}

export function seg(id: string, t0: number, text: string): TranscriptSegment {
  return { id, source: 'mic', speaker: 'clinician', t0, t1: t0 + 1, text, final: true };
}

/** Resolves to the VaultError code a promise rejects with ('NO_THROW' if it resolved). */
export async function codeOf(p: Promise<unknown>): Promise<VaultErrorCode | 'NO_THROW' | 'NOT_VAULT_ERROR'> {
  try {
    await p;
    return 'NO_THROW';
  } catch (e) {
    return e instanceof VaultError ? e.code : 'NOT_VAULT_ERROR';
  }
}

/** Every raw value in every object store, read under IndexedDB directly (not through the vault). */
export async function rawDump(db: VaultDb): Promise<Array<{ store: string; value: unknown; key: unknown }>> {
  await db.open();
  const idb = db.backendDB();
  const stores = [...idb.objectStoreNames];
  const tx = idb.transaction(stores, 'readonly');
  const out: Array<{ store: string; value: unknown; key: unknown }> = [];
  await Promise.all(
    stores.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          const req = tx.objectStore(s).openCursor();
          req.onerror = () => reject(new Error('cursor'));
          req.onsuccess = () => {
            const c = req.result;
            if (!c) return resolve();
            out.push({ store: s, value: c.value, key: c.primaryKey });
            c.continue();
          };
        }),
    ),
  );
  return out;
}

function utf16le(s: string): Uint8Array {
  const b = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    b[2 * i] = s.charCodeAt(i) & 0xff;
    b[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return b;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Paths (store/field) where a canary appears in UTF-8 or UTF-16LE, in strings or bytes. */
export function findCanary(values: Array<{ store: string; value: unknown; key: unknown }>, canary: string): string[] {
  const u8 = new TextEncoder().encode(canary);
  const u16 = utf16le(canary);
  const hits: string[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 20) return;
    if (typeof v === 'string') {
      if (v.includes(canary)) hits.push(path);
    } else if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
      const b = v instanceof Uint8Array ? v : new Uint8Array(v);
      if (contains(b, u8) || contains(b, u16)) hits.push(path);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, depth + 1);
    }
  };
  for (const { store, value, key } of values) {
    walk(key, `${store}#key`, 0);
    walk(value, store, 0);
  }
  return hits;
}
