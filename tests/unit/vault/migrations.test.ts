import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DB_VERSION, DEFAULT_APPROVED_TTL_MS, DEFAULT_DRAFT_TTL_MS, VaultDb, declareUpToV2, declareV1 } from '../../../extension/lib/db/schema.ts';
import { Vault } from '../../../extension/lib/vault/vault.ts';
import { ManualClock, PIN, TEST_KDF, rawDump, seg } from './helpers.ts';

describe('schema migrations', () => {
  it('v1 → v2: visits gain expiresAt (indexed), computed from the default retention; content still opens', async () => {
    expect(DB_VERSION).toBe(3);
    const factory = new IDBFactory();
    const clock = new ManualClock();

    // 1. Produce real vault content (meta, keys, sealed rows) in a scratch database ...
    const scratch = new VaultDb('scratch', { indexedDB: factory, IDBKeyRange });
    const v = new Vault(scratch, clock, TEST_KDF);
    await v.setup(PIN);
    const draft = await v.createVisit({ label: 'draft' });
    const approved = await v.createVisit({ label: 'approved' });
    await v.putSegment(draft, seg('s1', 0, 'draft text'));
    await v.putNote(approved, { text: 'approved note' });
    await v.approveVisit(approved, clock.now() + 1_000);
    v.dispose();
    const rows = await rawDump(scratch);
    scratch.close();

    // 2. ... and write it as a version-1 database would have stored it (no expiresAt).
    const v1 = new Dexie('migrating', { indexedDB: factory, IDBKeyRange });
    declareV1(v1);
    await v1.open();
    expect(v1.verno).toBe(1);
    for (const r of rows) {
      if (r.store === 'segmentPages') throw new Error('scratch vault should have no pages here');
      const value = { ...(r.value as Record<string, unknown>) };
      if (r.store === 'visits') delete value.expiresAt;
      await v1.table(r.store).put(value);
    }
    expect(((await v1.table('visits').get(draft)) as Record<string, unknown>).expiresAt).toBeUndefined();
    v1.close();

    // 3. Opening with the current schema runs the upgrade.
    const db = new VaultDb('migrating', { indexedDB: factory, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(DB_VERSION);
    const d = (await db.visits.get(draft)) as { createdAt: number; expiresAt: number };
    const a = (await db.visits.get(approved)) as { approvedAt: number; expiresAt: number };
    expect(d.expiresAt).toBe(d.createdAt + DEFAULT_DRAFT_TTL_MS);
    expect(a.expiresAt).toBe(a.approvedAt + DEFAULT_APPROVED_TTL_MS);
    // The new index answers range queries.
    expect(await db.visits.where('expiresAt').belowOrEqual(d.expiresAt).primaryKeys()).toEqual([draft]);

    // 4. The migrated vault unlocks and every record still decrypts.
    const after = new Vault(db, clock, TEST_KDF);
    await after.unlock(PIN);
    expect((await after.listSegments(draft))[0]?.text).toBe('draft text');
    expect(await after.getNote(approved)).toEqual({ text: 'approved note' });
    expect(await after.getVisitMeta(draft)).toEqual({ label: 'draft' });
    expect((await after.listVisits()).map((x) => x.id).sort()).toEqual([draft, approved].sort());
    after.dispose();
  });

  it('an empty v1 database upgrades to v2 cleanly', async () => {
    const factory = new IDBFactory();
    const v1 = new Dexie('empty', { indexedDB: factory, IDBKeyRange });
    declareV1(v1);
    await v1.open();
    v1.close();
    const db = new VaultDb('empty', { indexedDB: factory, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(DB_VERSION);
    expect(db.visits.schema.indexes.map((i) => i.name)).toContain('expiresAt');
    expect(await db.visits.count()).toBe(0);
  });

  it('v2 → v3: segmentPages appears; a v2 visit (loose segments only) reads the same and can be compacted', async () => {
    const factory = new IDBFactory();
    const clock = new ManualClock();
    const scratch = new VaultDb('scratch3', { indexedDB: factory, IDBKeyRange });
    const v = new Vault(scratch, clock, TEST_KDF);
    await v.setup(PIN);
    const id = await v.createVisit();
    for (let i = 0; i < 5; i++) await v.putSegment(id, seg(`s${i}`, i, `text ${i}`));
    v.dispose();
    const rows = await rawDump(scratch);
    scratch.close();

    const v2 = new Dexie('to-v3', { indexedDB: factory, IDBKeyRange });
    declareUpToV2(v2);
    await v2.open();
    expect(v2.verno).toBe(2);
    expect(v2.tables.map((t) => t.name)).not.toContain('segmentPages');
    for (const r of rows) await v2.table(r.store).put(r.value);
    v2.close();

    const db = new VaultDb('to-v3', { indexedDB: factory, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(3);
    expect(await db.segmentPages.count()).toBe(0);
    const after = new Vault(db, clock, TEST_KDF);
    await after.unlock(PIN);
    const before = await after.listSegments(id);
    expect(before.map((s) => s.text)).toEqual(['text 0', 'text 1', 'text 2', 'text 3', 'text 4']);
    expect(await after.compactSegments(id)).toBe(1);
    expect(await db.segments.count()).toBe(0);
    expect(await after.listSegments(id)).toEqual(before);
    after.dispose();
  });
});
