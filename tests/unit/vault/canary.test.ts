import { describe, expect, it } from 'vitest';
import { VAULT_ERROR_CODES } from '../../../extension/lib/vault/errors.ts';
import { codeOf, findCanary, rawDump, seg, unlockedVault } from './helpers.ts';

const CANARIES = ['ZEBRA-CANARY-7781', 'Quixotic Canaryname', 'MRN 99-CANARY-12', 'Ünïcödé-Canary-ß'];

describe('no plaintext at rest', () => {
  it('the scanner finds a canary when one is there (positive control)', () => {
    const rows = [
      { store: 'x', key: 'k', value: { a: [`.. ${CANARIES[0]} ..`] } },
      { store: 'y', key: 'k', value: new TextEncoder().encode(`..${CANARIES[3]}..`) },
      { store: 'z', key: 'k', value: Buffer.from(`..${CANARIES[1]}..`, 'utf16le') },
    ];
    expect(findCanary(rows, CANARIES[0] ?? '')).toEqual(['x.a[0]']);
    expect(findCanary(rows, CANARIES[3] ?? '')).toEqual(['y']);
    expect(findCanary(rows, CANARIES[1] ?? '')).toEqual(['z']);
  });

  it('every stored value of every table is free of canary strings (UTF-8 and UTF-16)', async () => {
    const { vault, db } = await unlockedVault();
    const all = CANARIES.join(' ');
    const id = await vault.createVisit({ label: all });
    for (let i = 0; i < 20; i++) await vault.putSegment(id, seg(`s${i}`, i, `${all} segment ${i}`));
    await vault.putNote(id, { text: all, sections: [{ title: CANARIES[1] ?? '', body: all }] });
    await vault.putPhiMap(id, { '[NAME_1]': CANARIES[1] ?? '', '[MRN_1]': CANARIES[2] ?? '' });
    await vault.putAudioChunk(id, 0, new TextEncoder().encode(all));
    await vault.approveVisit(id); // compacts its segments into a sealed page
    const draft = await vault.createVisit({ label: all });
    for (let i = 0; i < 5; i++) await vault.putSegment(draft, seg(`s${i}`, i, `${all} draft ${i}`)); // loose rows
    await vault.appendAudit({ code: 'test.canary', visitId: id });
    vault.lock();

    const dump = await rawDump(db);
    expect(new Set(dump.map((r) => r.store))).toEqual(
      new Set(['meta', 'keys', 'visits', 'segments', 'segmentPages', 'notes', 'phiMap', 'audioChunks', 'audit']),
    );
    for (const c of CANARIES) expect(findCanary(dump, c)).toEqual([]);
    // Also the lower-cased / partial forms a tokenizer might store.
    expect(findCanary(dump, 'canary')).toEqual([]);
    expect(findCanary(dump, 'CANARY')).toEqual([]);
  });

  it('errors carry only a code: no content in messages', async () => {
    const { vault, db } = await unlockedVault();
    const id = await vault.createVisit();
    await vault.putNote(id, { text: CANARIES[0] ?? '' });
    const row = (await db.notes.get(id)) as { ct: Uint8Array };
    await db.notes.put({ ...row, ct: new Uint8Array(row.ct).fill(1, 0, 4) });
    try {
      await vault.getNote(id);
      expect.unreachable();
    } catch (e) {
      expect((VAULT_ERROR_CODES as readonly string[]).includes((e as Error).message)).toBe(true);
      expect(JSON.stringify(e)).not.toMatch(/CANARY/i);
    }
    expect(await codeOf(vault.putSegment(id, { ...seg('s', 0, CANARIES[0] ?? ''), t0: -1 }))).toBe('INVALID_INPUT');
    vault.dispose();
  });
});
