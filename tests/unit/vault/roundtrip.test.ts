import { describe, expect, it } from 'vitest';
import { Vault } from '../../../extension/lib/vault/vault.ts';
import { PBKDF2_MIN_PRODUCTION_ITERATIONS } from '../../../extension/lib/vault/crypto.ts';
import { VaultConfig } from '../../../extension/lib/vault/config.ts';
import { ManualClock, codeOf, freshDb, seg, unlockedVault } from './helpers.ts';

describe('vault round trips', () => {
  it('stores and reads back segments (time order), note, PHI map, visit meta and audio', async () => {
    const { vault } = await unlockedVault();
    const id = await vault.createVisit({ label: 'Room 3' });
    await vault.putSegment(id, seg('s2', 5, 'second'));
    await vault.putSegment(id, seg('s1', 1, 'first'));
    await vault.putSegment(id, { ...seg('s3', 9, 'partial'), final: false });
    await vault.putSegment(id, seg('s3', 9, 'third, final')); // replaces the partial one
    const segs = await vault.listSegments(id);
    expect(segs.map((s) => s.text)).toEqual(['first', 'second', 'third, final']);
    expect(segs[2]?.final).toBe(true);

    expect(await vault.getNote(id)).toBeNull();
    const note = { sections: [{ title: 'Plan', text: 'ibuprofen 400 mg' }], evidence: { a: ['s1'] } };
    await vault.putNote(id, note);
    expect(await vault.getNote(id)).toEqual(note);
    await vault.putPhiMap(id, { '[NAME_1]': 'Synthetic Person' });
    expect(await vault.getPhiMap(id)).toEqual({ '[NAME_1]': 'Synthetic Person' });
    expect(await vault.getVisitMeta(id)).toEqual({ label: 'Room 3' });

    const pcm = new Uint8Array(4096).map((_, i) => i & 0xff);
    await vault.putAudioChunk(id, 1, pcm.subarray(2048));
    await vault.putAudioChunk(id, 0, pcm.subarray(0, 2048));
    const chunks = await vault.listAudioChunks(id);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
    expect([...(chunks[0]?.data ?? [])]).toEqual([...pcm.subarray(0, 2048)]);

    const list = await vault.listVisits();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, state: 'draft', approvedAt: null });
    expect(Object.keys(list[0] ?? {}).sort()).toEqual(['approvedAt', 'createdAt', 'expiresAt', 'id', 'state', 'updatedAt']);
    vault.dispose();
  });

  it('keeps visits apart and audits operations without content', async () => {
    const { vault } = await unlockedVault();
    const a = await vault.createVisit();
    const b = await vault.createVisit();
    await vault.putSegment(a, seg('x', 0, 'alpha'));
    await vault.putSegment(b, seg('x', 0, 'beta'));
    expect((await vault.listSegments(a))[0]?.text).toBe('alpha');
    expect((await vault.listSegments(b))[0]?.text).toBe('beta');
    await vault.deleteVisit(a);
    const { entries, unreadable } = await vault.listAudit();
    expect(unreadable).toBe(0);
    expect(entries.map((e) => e.code)).toEqual(['vault.setup', 'visit.create', 'visit.create', 'visit.delete']);
    expect(entries[3]?.visitId).toBe(a);
    vault.dispose();
  });

  it('rejects bad input with INVALID_INPUT and unknown visits with NOT_FOUND', async () => {
    const { vault } = await unlockedVault();
    const id = await vault.createVisit();
    expect(await codeOf(vault.putSegment(id, { ...seg('s', 0, 'x'), extra: 1 } as never))).toBe('INVALID_INPUT');
    expect(await codeOf(vault.putSegment('bad id with spaces', seg('s', 0, 'x')))).toBe('INVALID_INPUT');
    expect(await codeOf(vault.listSegments('no-such-visit'))).toBe('NOT_FOUND');
    expect(await codeOf(vault.putNote('no-such-visit', {}))).toBe('NOT_FOUND');
    expect(await codeOf(vault.appendAudit({ code: 'Has Spaces' }))).toBe('INVALID_INPUT');
    vault.dispose();
  });

  it('defaults to ≥600,000 PBKDF2 iterations and refuses fewer outside tests', async () => {
    const c = VaultConfig.parse({});
    expect(c.kdfIterations).toBe(PBKDF2_MIN_PRODUCTION_ITERATIONS);
    expect(PBKDF2_MIN_PRODUCTION_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect(c.idleLockMs).toBe(5 * 60_000);
    expect(VaultConfig.safeParse({ kdfIterations: 1000 }).success).toBe(false);
    const { db } = freshDb();
    expect(() => new Vault(db, new ManualClock(), { kdfIterations: 1000 })).toThrow('INVALID_INPUT');
  });

  it('stores the iteration count it was set up with and upgrades a weaker one on unlock', async () => {
    const { db } = freshDb();
    const clock = new ManualClock();
    const weak = new Vault(db, clock, { kdfIterations: 1_000, unsafeTestKdf: true });
    await weak.setup('123456');
    weak.dispose();
    const stronger = new Vault(db, clock, { kdfIterations: 2_000, unsafeTestKdf: true });
    await stronger.unlock('123456');
    expect((await db.meta.get('vault')) as { iterations: number }).toMatchObject({ iterations: 2_000 });
    stronger.lock();
    await stronger.unlock('123456');
    expect(stronger.isUnlocked).toBe(true);
    stronger.dispose();
  });
});
