import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../extension/lib/audit/trail.ts';
import { VaultAuditStore } from '../../../extension/lib/vault/audit-store.ts';
import { PIN, codeOf, findCanary, rawDump, unlockedVault } from './helpers.ts';

describe('VaultAuditStore (lib/audit AuditStore over the sealed audit table)', () => {
  it('the trail appends, lists, verifies and prunes through the vault; rows are sealed', async () => {
    const { vault, db, clock } = await unlockedVault({ idleLockMs: 48 * 3600_000 });
    const store = new VaultAuditStore(vault);
    const trail = await AuditTrail.open(store, { now: () => new Date(clock.now()) });
    const visitId = await vault.createVisit();
    for (const action of ['visit_created', 'capture_started', 'capture_stopped', 'note_approved'] as const) {
      const r = await trail.append({ actor: 'clinician-1', action, visitId, outcome: 'ok' });
      expect(r.ok).toBe(true);
      clock.t += 1_000;
    }
    expect(await store.count()).toBe(4);
    expect((await trail.list()).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect((await trail.list({ fromSeq: 1, toSeq: 2 })).map((r) => r.action)).toEqual(['capture_started', 'capture_stopped']);
    expect((await trail.verify()).ok).toBe(true);
    // Reopening continues the chain from the stored head.
    const again = await AuditTrail.open(store, { now: () => new Date(clock.now()) });
    expect((await again.append({ actor: 'clinician-1', action: 'note_viewed', visitId, outcome: 'ok' })).ok).toBe(true);
    expect((await again.verify()).ok).toBe(true);

    // Nothing readable at rest (actions, actor), and the vault's own audit list is unaffected.
    const dump = await rawDump(db);
    expect(findCanary(dump, 'clinician-1')).toEqual([]);
    expect(findCanary(dump, 'capture_started')).toEqual([]);
    expect((await vault.listAudit()).unreadable).toBe(0);

    // Visit deletion and the vault's own purge keep the chain.
    await vault.deleteVisit(visitId);
    await vault.purgeExpired(clock.now() + 365 * 24 * 3600_000);
    vault.touch();
    expect(await store.count()).toBe(5);

    // The trail's own prune removes a prefix by time and records it.
    clock.t += 10 * 24 * 3600_000;
    await vault.unlock(PIN).catch(() => undefined);
    const pruned = await again.prune(5);
    expect(pruned).toEqual({ ok: true, removed: 5 });
    expect((await again.list()).map((r) => r.action)).toEqual(['audit_pruned']);
    vault.dispose();
  });

  it('locked: the store refuses (the trail reports store_error), nothing is written', async () => {
    const { vault } = await unlockedVault();
    const store = new VaultAuditStore(vault);
    const trail = await AuditTrail.open(store);
    vault.lock();
    expect(await trail.append({ actor: 'system', action: 'vault_unlock_failed', outcome: 'denied' })).toEqual({ ok: false, code: 'store_error' });
    expect(await codeOf(store.count())).toBe('LOCKED');
    await vault.unlock(PIN);
    expect(await store.count()).toBe(0);
    vault.dispose();
  });

  it('a tampered chain row is an INTEGRITY error, and the trail reports a broken chain', async () => {
    const { vault, db } = await unlockedVault();
    const store = new VaultAuditStore(vault);
    const trail = await AuditTrail.open(store);
    await trail.append({ actor: 'system', action: 'vault_unlocked', outcome: 'ok' });
    await trail.append({ actor: 'system', action: 'vault_locked', outcome: 'ok' });
    const row = (await db.audit.get('chain-0000000000000001')) as { at: number };
    await db.audit.put({ ...row, at: row.at + 1 });
    expect(await codeOf(store.list())).toBe('INTEGRITY');
    expect((await trail.verify()).ok).toBe(false);
    vault.dispose();
  });
});
