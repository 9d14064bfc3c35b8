import { describe, expect, it } from 'vitest';
import { purgeExpiredRows } from '../../../extension/lib/vault/retention.ts';
import { VaultConfig } from '../../../extension/lib/vault/config.ts';
import { PIN, TEST_KDF, codeOf, seg, unlockedVault } from './helpers.ts';

const H = 3600_000;

describe('retention', () => {
  it('drafts expire 24 h after creation, approved visits 72 h after approval', async () => {
    const { vault, db, clock } = await unlockedVault();
    const t0 = clock.now();
    const draft = await vault.createVisit();
    const approved = await vault.createVisit();
    await vault.putSegment(draft, seg('s', 0, 'x'));
    await vault.putSegment(approved, seg('s', 0, 'y'));
    await vault.putNote(approved, { text: 'n' });
    clock.advance(2 * H);
    expect(vault.isUnlocked).toBe(false); // idle lock fired on the way
    await vault.unlock(PIN);
    const a = await vault.approveVisit(approved, clock.now());
    expect(a.expiresAt).toBe(t0 + 2 * H + 72 * H);
    const list = await vault.listVisits();
    expect(list.find((v) => v.id === draft)?.expiresAt).toBe(t0 + 24 * H);

    expect((await vault.purgeExpired(t0 + 24 * H - 1)).visits).toBe(0);
    const r = await vault.purgeExpired(t0 + 24 * H);
    expect(r.visits).toBe(1);
    expect(await db.visits.get(draft)).toBeUndefined();
    expect(await db.keys.get(draft)).toBeUndefined();
    expect(await db.segments.where('visitId').equals(draft).count()).toBe(0);
    expect(await db.visits.get(approved)).toBeDefined();

    expect((await vault.purgeExpired(t0 + 74 * H - 1)).visits).toBe(0);
    expect((await vault.purgeExpired(t0 + 74 * H)).visits).toBe(1);
    expect(await db.keys.where('kind').equals('visit').count()).toBe(0);
    for (const t of ['visits', 'segments', 'notes', 'phiMap', 'audioChunks'] as const) expect(await db[t].count()).toBe(0);
    vault.dispose();
  });

  it('purges while locked, with the policy figures it is given', async () => {
    const { vault, db, clock } = await unlockedVault({ draftTtlMs: 1 * H, approvedTtlMs: 2 * H });
    const t0 = clock.now();
    const id = await vault.createVisit();
    vault.lock();
    const p = VaultConfig.parse({ ...TEST_KDF, draftTtlMs: 1 * H });
    expect((await purgeExpiredRows(db, t0 + H - 1, p)).visits).toBe(0);
    expect((await purgeExpiredRows(db, t0 + H, p)).visits).toBe(1);
    expect(await db.keys.get(id)).toBeUndefined();
    vault.dispose();
  });

  it('a shorter policy applies to visits created under a longer one', async () => {
    const { vault, db, clock } = await unlockedVault();
    const t0 = clock.now();
    await vault.createVisit();
    const strict = VaultConfig.parse({ ...TEST_KDF, draftTtlMs: 2 * H });
    expect((await purgeExpiredRows(db, t0 + 2 * H, strict)).visits).toBe(1);
    vault.dispose();
  });

  it('a longer policy keeps a visit whose stored expiry was computed under a shorter one', async () => {
    const { vault, db, clock } = await unlockedVault({ draftTtlMs: 1 * H });
    const t0 = clock.now();
    const id = await vault.createVisit();
    const longer = VaultConfig.parse({ ...TEST_KDF, draftTtlMs: 10 * H });
    expect((await purgeExpiredRows(db, t0 + 2 * H, longer)).visits).toBe(0);
    expect(await db.visits.get(id)).toBeDefined();
    expect((await purgeExpiredRows(db, t0 + 10 * H, longer)).visits).toBe(1);
    vault.dispose();
  });

  it('sweeps orphan rows and keys left without a visit, but never a visit being created', async () => {
    const { vault, db, clock } = await unlockedVault();
    const keep = await vault.createVisit();
    const gone = await vault.createVisit();
    await vault.putSegment(gone, seg('s', 0, 'x'));
    const segRows = await db.segments.where('visitId').equals(gone).toArray();
    const keyRow = await db.keys.get(gone);
    await vault.deleteVisit(gone);
    await db.segments.bulkPut(segRows);
    await db.keys.put(keyRow);
    await vault.purgeExpired(clock.now());
    expect(await db.segments.where('visitId').equals(gone).count()).toBe(0);
    expect(await db.keys.get(gone)).toBeUndefined();
    expect(await db.keys.get(keep)).toBeDefined();
    vault.dispose();
  });

  it('old audit entries go after the audit TTL; the trail stays readable', async () => {
    const { vault, clock } = await unlockedVault({ auditTtlMs: 10 * H });
    clock.advance(11 * H);
    await vault.unlock(PIN); // the idle lock fired during those 11 hours
    await vault.appendAudit({ code: 'test.recent' });
    const r = await vault.purgeExpired(clock.now());
    expect(r.auditEntries).toBeGreaterThan(0);
    const { entries } = await vault.listAudit();
    expect(entries.map((e) => e.code)).not.toContain('vault.setup');
    expect(entries.map((e) => e.code)).toContain('test.recent');
    vault.dispose();
  });
});

describe('retention on access', () => {
  it('an expired visit is never served, even before the purge runs, and is deleted on the spot', async () => {
    const { vault, db, clock } = await unlockedVault({ idleLockMs: 48 * H });
    const id = await vault.createVisit();
    await vault.putNote(id, { text: 'x' }); // key cached with its expiry
    clock.t += 24 * H;
    expect(await codeOf(vault.getNote(id))).toBe('NOT_FOUND');
    expect(await db.visits.get(id)).toBeUndefined();
    expect(await db.keys.get(id)).toBeUndefined();

    const b = await vault.createVisit();
    await vault.approveVisit(b, clock.now()); // approval extends the cached expiry to 72 h
    clock.t += 30 * H;
    expect(await vault.getNote(b)).toBeNull();
    vault.lock();
    await vault.unlock(PIN); // cold path: expiry read from the row
    clock.t += 42 * H;
    expect(await codeOf(vault.getNote(b))).toBe('NOT_FOUND');
    vault.dispose();
  });
});
