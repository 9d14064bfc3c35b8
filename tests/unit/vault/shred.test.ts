import { describe, expect, it } from 'vitest';
import { PIN, codeOf, rawDump, seg, unlockedVault } from './helpers.ts';

describe('crypto-shredding', () => {
  it('after deleteVisit, copied ciphertext restored into the database cannot be decrypted', async () => {
    const { vault, db } = await unlockedVault();
    const victim = await vault.createVisit({ label: 'v' });
    const survivor = await vault.createVisit();
    await vault.putSegment(victim, seg('s1', 0, 'shred me'));
    await vault.putNote(victim, { text: 'note to shred' });
    await vault.putSegment(survivor, seg('s1', 0, 'keep me'));

    // An attacker (or a backup) copies the victim's rows before deletion ...
    const copied = {
      visit: await db.visits.get(victim),
      segs: await db.segments.where('visitId').equals(victim).toArray(),
      note: await db.notes.get(victim),
      key: await db.keys.get(victim),
    };
    expect(copied.key).toBeDefined();

    expect(await vault.deleteVisit(victim)).toBe(true);
    expect(await db.keys.get(victim)).toBeUndefined();
    const left = (await rawDump(db)).filter((r) => JSON.stringify(r.key).includes(victim));
    expect(left).toEqual([]);

    // ... and restores the content rows afterwards (but the key is gone).
    await db.visits.put(copied.visit);
    await db.segments.bulkPut(copied.segs);
    await db.notes.put(copied.note);
    vault.lock();
    await vault.unlock(PIN); // no cached keys either
    expect(await codeOf(vault.listSegments(victim))).toBe('SHREDDED');
    expect(await codeOf(vault.getNote(victim))).toBe('SHREDDED');

    // Re-homing the ciphertext under a live visit's key does not help either.
    const s = copied.segs[0] as { iv: Uint8Array; ct: Uint8Array };
    await db.segments.put({ ...(copied.segs[0] as object), visitId: survivor, id: 's2', t0: 1, iv: s.iv, ct: s.ct });
    expect(await codeOf(vault.listSegments(survivor))).toBe('INTEGRITY');
    await db.segments.delete([survivor, 's2']);
    expect((await vault.listSegments(survivor))[0]?.text).toBe('keep me');

    // The restored orphans are swept by the next purge (their visit has no key).
    vault.dispose();
  });

  it('deleteAll shreds every visit key but keeps the vault and its audit trail', async () => {
    const { vault, db } = await unlockedVault();
    for (let i = 0; i < 3; i++) {
      const id = await vault.createVisit();
      await vault.putSegment(id, seg('s', 0, `t${i}`));
    }
    expect(await vault.deleteAll()).toBe(3);
    expect(await db.keys.where('kind').equals('visit').count()).toBe(0);
    for (const t of ['visits', 'segments', 'notes', 'phiMap', 'audioChunks'] as const) expect(await db[t].count()).toBe(0);
    expect(await vault.listVisits()).toEqual([]);
    const { entries } = await vault.listAudit();
    expect(entries.at(-1)).toMatchObject({ code: 'vault.delete_all', n: 3 });
    vault.lock();
    await vault.unlock(PIN);
    vault.dispose();
  });

  it('no write can land under a visit that was deleted meanwhile', async () => {
    const { vault } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.getNote(id); // key cached
    await vault.deleteVisit(id);
    expect(await codeOf(vault.putSegment(id, seg('late', 0, 'late write')))).toBe('NOT_FOUND');
    expect(await codeOf(vault.putNote(id, { text: 'late' }))).toBe('NOT_FOUND');
    vault.dispose();
  });
});
